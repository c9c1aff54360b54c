"""Property-based fuzzing of geometry, fields and filters: whatever comes in, never a 5xx.

Hypothesis generates hostile JSON for the location of a report, hostile text for
the fields of a report (our API, Open311's POST, the report page), of the staff
signal page's forms, and for every filter of the
read APIs (ours, Open311, OGC API, exports); each answer must be below 500, and
a refused report stores nothing. The database is real; a signal created by an
example stays until the end of the test, which is fine: only statuses count.
"""

import json
import string

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata.services import api_key_create
from signals.models import Signal
from tests.factories import INSIDE_WEST, WEST, CategoryFactory, make_area, make_signal
from workflow.models import Membership

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -0.0, 180, -180, 90, -90, 180.0000001, 1e308, -1e308, 5e-324]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=30))
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
geometry_types = st.sampled_from(
    ["Point", "point", "MultiPoint", "LineString", "Polygon", "GeometryCollection", "Feature", ""]
)
geojson_like = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "type": geometry_types,
            "coordinates": st.one_of(json_values, st.lists(numbers, max_size=4)),
        }
    ),
    st.fixed_dictionaries(
        {"type": st.just("Point"), "coordinates": st.lists(numbers, min_size=2, max_size=3)}
    ),
)
hostile_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=string.digits + ",.-+eE ", max_size=40),
    st.sampled_from(
        [
            "2.3,48.8,2.4",
            "2.3,48.8,2.4,48.9,3",
            "nan,nan,nan,nan",
            "inf,-inf,inf,-inf",
            "1e999,0,0,0",
            "2.4,48.9,2.3,48.8",
            "-181,-91,181,91",
            "2026-13-45T99:99:99",
            "2026-01-01T00:00:00+25:00",
            "9999999999-01-01",
            "-1",
            "0",
            "99999999999999999999",
            "'; DROP TABLE signals_signal; --",
            "\x00",
            "%00",
            "../../etc/passwd",
        ]
    ),
)


@pytest.fixture
def city():
    make_area(polygon=WEST)
    category = CategoryFactory(code="nid-de-poule")
    make_signal(category=category)
    return category


@pytest.fixture
def no_rate_limit(settings):
    # Every example is a report from one address: past 60 (Hypothesis replays saved failures
    # and shrinks on top of max_examples), the per-address limit would answer 429.
    settings.SIGNAL_CREATE_RATE = "none"


@pytest.fixture
def open311_key(settings):
    settings.OPEN311_POST_RATE = "none"
    return api_key_create(name="Fuzzing")[1]


@FUZZ
@given(location=geojson_like, as_string=st.booleans())
def test_no_location_makes_the_report_api_fail(
    api_client, city, no_rate_limit, location, as_string
):
    body = {"category": "nid-de-poule", "description": "Trou", "location": location}
    if as_string:
        # Multipart forms carry the location as a JSON string.
        body["location"] = json.dumps(location)
        response = api_client.post("/api/v1/signals/", body)
    else:
        response = api_client.post("/api/v1/signals/", body, format="json")
    assert response.status_code in (201, 400), response.content[:300]


@pytest.mark.parametrize("latitude", [5e-324, -2.2e-308, 1e-10])
def test_a_tiny_latitude_is_outside_the_territory_not_a_500(api_client, city, latitude):
    """Found by the fuzzing: PostgreSQL's radians() underflowed on a subnormal latitude."""
    body = {
        "category": "nid-de-poule",
        "description": "Trou",
        "location": {"type": "Point", "coordinates": [2.35, latitude]},
    }
    response = api_client.post("/api/v1/signals/", body, format="json")
    assert response.status_code == 400
    assert "territoire" in response.json()["location"][0]


@FUZZ
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_no_request_body_makes_the_report_api_fail(api_client, city, no_rate_limit, raw):
    response = api_client.generic("POST", "/api/v1/signals/", raw, content_type="application/json")
    assert response.status_code in (400, 415), response.content[:300]


def _with_hostile_text(data, valid: dict, fields: list[str]) -> dict:
    """`valid` with hostile text in one to three of `fields`."""
    names = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3))
    return valid | {name: data.draw(hostile_text, label=name) for name in names}


@FUZZ
@given(data=st.data())
def test_no_text_in_a_reports_fields_makes_the_report_api_fail(
    api_client, city, no_rate_limit, data
):
    valid = {
        "category": "nid-de-poule",
        "description": "Trou",
        "location": {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]},
    }
    body = _with_hostile_text(data, valid, ["category", "description", "email", "address"])
    before = Signal.objects.count()
    response = api_client.post("/api/v1/signals/", body, format="json")
    assert response.status_code in (201, 400), response.content[:300]
    assert Signal.objects.count() == before + (response.status_code == 201)


@FUZZ
@given(data=st.data())
def test_no_text_in_an_open311_post_makes_it_fail(client, city, open311_key, data):
    valid = {
        "api_key": open311_key,
        "service_code": "nid-de-poule",
        "lat": str(INSIDE_WEST.y),
        "long": str(INSIDE_WEST.x),
        "description": "Trou",
    }
    fields = ["service_code", "lat", "long", "description", "email", "address_string"]
    form = _with_hostile_text(data, valid, fields)
    before = Signal.objects.count()
    response = client.post("/open311/v2/requests.json", form)
    assert response.status_code in (201, 400), response.content[:300]
    assert Signal.objects.count() == before + (response.status_code == 201)


@FUZZ
@given(data=st.data())
def test_no_text_in_the_report_page_makes_it_fail(client, city, no_rate_limit, data):
    valid = {
        "category": "nid-de-poule",
        "description": "Trou",
        "longitude": str(INSIDE_WEST.x),
        "latitude": str(INSIDE_WEST.y),
    }
    fields = ["category", "description", "email", "longitude", "latitude"]
    form = _with_hostile_text(data, valid, fields)
    before = Signal.objects.count()
    response = client.post("/signaler/", form)
    # Stored (302); refused with what was typed (400); or held while the page shows the
    # open signals of this kind nearby ("Déjà signalé ?", 200).
    assert response.status_code in (200, 302, 400), response.content[:300]
    assert Signal.objects.count() == before + (response.status_code == 302)


@pytest.fixture
def agent(client, city):
    """An agent of the service that has the city's signal, signed in."""
    user = get_user_model().objects.create_user("agent-fuzz", password="pw-fuzz-1")
    signal = Signal.objects.get()
    Membership.objects.create(user=user, service=signal.service)
    client.force_login(user)
    return signal


STAFF_FORMS = {
    "statut": ["to", "message", "note", "planned_for", "duplicate_of", "version"],
    "transfert": ["service", "reason", "version"],
    "categorie": ["category", "note", "version"],
    "commentaire": ["note"],
}


@FUZZ
@given(action=st.sampled_from(sorted(STAFF_FORMS)), data=st.data())
def test_no_text_in_a_staff_form_makes_it_fail(client, agent, action, data):
    form = _with_hostile_text(data, {}, STAFF_FORMS[action])
    response = client.post(f"/gestion/signalements/{agent.reference}/{action}/", form)
    # A change goes through (302), or the page comes back with the form as typed (400),
    # or the signal had changed since the version sent (409).
    assert response.status_code in (302, 400, 409), response.content[:300]


READ_FILTERS = {
    "/api/v1/signals/": [
        "bbox", "category", "status", "service", "created_after", "created_before",
        "updated_after", "updated_before", "page", "page_size",
    ],
    "/opendata/signalements.geojson": ["bbox", "created_after", "status", "category"],
    "/open311/v2/requests.json": [
        "service_request_id", "service_code", "start_date", "end_date", "status", "page",
        "page_size", "lat", "long", "radius",
    ],
    "/ogc/collections/signals/items": ["bbox", "datetime", "limit", "offset", "bbox-crs", "f"],
}  # fmt: skip


@FUZZ
@given(
    path=st.sampled_from(sorted(READ_FILTERS)),
    data=st.data(),
)
def test_no_filter_value_makes_a_read_api_fail(client, city, path, data):
    names = data.draw(st.lists(st.sampled_from(READ_FILTERS[path]), min_size=1, max_size=3))
    params = {name: data.draw(hostile_text, label=name) for name in names}
    response = client.get(path, params)
    assert response.status_code < 500, (path, params, response.status_code)
    if response.status_code == 200 and path.endswith(".geojson"):
        b"".join(response.streaming_content)  # a streamed export must not fail half-way


@pytest.mark.parametrize("path", sorted(READ_FILTERS))
def test_a_nul_byte_in_a_filter_is_a_400_with_a_message(client, city, path):
    # Found by the fuzzing above: Open311 sent it to PostgreSQL, which refused it (500).
    name = READ_FILTERS[path][0]
    response = client.get(f"{path}?{name}=%00")
    assert response.status_code == 400
    body = response.json()  # each API in its own words (tests/workflow/test_nul_bytes.py)
    if path.startswith("/ogc/"):
        message = body["description"]
    elif path.startswith("/open311/"):
        message = body[0]["description"]
    else:
        message = body["detail"]
    assert "NUL" in message
