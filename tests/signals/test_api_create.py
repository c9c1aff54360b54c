import json

import pytest

from signals.models import Signal
from tests.factories import EAST, INSIDE_WEST, WEST, CategoryFactory, ServiceFactory, make_area
from workflow.models import StatusChange

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"


@pytest.fixture
def city():
    category = CategoryFactory(code="nid-de-poule", name="Nid de poule")
    make_area(ServiceFactory(slug="voirie-ouest", name="Voirie Ouest"), WEST)
    make_area(ServiceFactory(slug="voirie-est", name="Voirie Est"), EAST)
    return category


def payload(**overrides):
    body = {
        "category": "nid-de-poule",
        "description": "Gros trou devant le 12 rue de Rivoli",
        "location": {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]},
        "email": "Camille@Example.org",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_creating_a_signal_routes_it_and_returns_its_reference(api_client, city):
    response = api_client.post(URL, payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("DMR-")
    assert body["status"] == "new"
    assert body["service"] == {"slug": "voirie-ouest", "name": "Voirie Ouest"}
    assert body["routing"] == {"method": "covers", "distance_m": None}
    assert body["location"]["coordinates"] == [INSIDE_WEST.x, INSIDE_WEST.y]
    signal = Signal.objects.get(reference=body["reference"])
    assert signal.reporter_email == "camille@example.org"
    assert list(signal.history.values_list("from_state", "to_state")) == [("", "new")]


def test_the_reporter_email_is_not_echoed_back(api_client, city):
    response = api_client.post(URL, payload(), format="json")
    assert "camille@example.org" not in response.content.decode().lower()


def test_a_point_near_the_territory_is_routed_to_the_nearest_area(api_client, city):
    near = {"type": "Point", "coordinates": [2.375, 48.857]}  # ~370 m east of the east area
    body = api_client.post(URL, payload(location=near), format="json").json()
    assert body["service"]["slug"] == "voirie-est"
    assert body["routing"]["method"] == "nearest"
    assert 300 < body["routing"]["distance_m"] < 450


def test_references_are_unique_and_readable(api_client, city):
    refs = {api_client.post(URL, payload(), format="json").json()["reference"] for _ in range(3)}
    assert len(refs) == 3
    assert all(len(ref.split("-")) == 3 for ref in refs)


def test_location_may_come_as_a_geojson_string_from_a_form(api_client, city):
    body = payload(location=json.dumps({"type": "Point", "coordinates": [2.36, 48.857]}))
    response = api_client.post(URL, body)  # multipart, as a browser form sends it
    assert response.status_code == 201, response.content
    assert response.json()["service"]["slug"] == "voirie-est"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "inconnue"}, "category"),
        ({"category": None}, "category"),
        ({"description": None}, "description"),
        ({"description": "   "}, "description"),
        ({"location": None}, "location"),
        ({"location": {"type": "Point", "coordinates": [200, 48.85]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [2.35, 95]}}, "location"),
        ({"location": {"type": "Point", "coordinates": ["2.35", "48.85"]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [True, False]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [2.35]}}, "location"),
        ({"location": {"type": "Point"}}, "location"),
        (
            {"location": {"type": "LineString", "coordinates": [[2.35, 48.85], [2.36, 48.86]]}},
            "location",
        ),
        ({"location": "pas du json"}, "location"),
        ({"location": [2.35, 48.85]}, "location"),
        ({"email": "pas-un-email"}, "email"),
        ({"description": "x" * 5001}, "description"),
    ],
)
def test_bad_input_gets_a_400_naming_the_field_and_stores_nothing(
    api_client, city, overrides, field
):
    response = api_client.post(URL, payload(**overrides), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    assert isinstance(errors[field], list) and errors[field][0]
    assert Signal.objects.count() == 0
    assert StatusChange.objects.count() == 0


def test_every_bad_field_is_reported_at_once(api_client, city):
    response = api_client.post(URL, {"category": "x", "location": {"type": "Point"}}, format="json")
    assert response.status_code == 400
    assert {"category", "description", "location"} <= set(response.json())


def test_messages_are_in_french_by_default_and_english_on_request(api_client, city):
    fr = api_client.post(
        URL, payload(location={"type": "Point", "coordinates": [200, 0]}), format="json"
    )
    en = api_client.post(
        URL,
        payload(location={"type": "Point", "coordinates": [200, 0]}),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "longitude" in fr.json()["location"][0]
    assert fr.json()["location"][0] != en.json()["location"][0]
    assert en.json()["location"][0] == "The longitude must be between -180 and 180."


def test_malformed_json_is_a_400_not_a_500(api_client, city):
    response = api_client.post(URL, '{"category": ', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert Signal.objects.count() == 0


def test_a_json_array_body_is_a_400(api_client, city):
    response = api_client.post(URL, "[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_a_type_instead_of_a_sub_type_is_refused_with_the_choices(api_client, city):
    response = api_client.post(URL, payload(category=city.parent.code), format="json")
    assert response.status_code == 400
    assert "nid-de-poule" in response.json()["category"][0]


def test_a_point_outside_the_territory_is_refused_and_nothing_is_stored(api_client, city):
    far = {"type": "Point", "coordinates": [5.37, 43.29]}  # Marseille
    response = api_client.post(URL, payload(location=far), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"location": ["This location is outside the territory served."]}
    assert Signal.objects.count() == 0
