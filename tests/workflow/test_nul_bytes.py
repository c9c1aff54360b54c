"""A NUL byte anywhere a client can put one: a 400 that says where, never a 500.

PostgreSQL text cannot hold a NUL, so a value carrying one that reaches a query fails
there. Schemathesis found the staff API's lookups (a service slug, a category code,
a reference to merge into) answering 500; the paths and the public report had the same flaw.
"""

import json

import pytest

from signals.models import Signal
from tests.factories import INSIDE_WEST
from workflow.models import StatusChange

pytestmark = pytest.mark.django_db
NUL = "\x00"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/signals/%00/",
        "/api/v1/staff/signals/%00/",
        "/api/v1/services/%00/areas/",
        "/api/v1/signals/?category=%00",
    ],
)
def test_a_nul_in_an_api_address_is_a_clear_400(client, city, path):
    client.force_login(city.agent)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The address contains a NUL character (%00), which is not allowed."
    }


def test_open_data_clients_are_refused_in_their_standards_words(client, city):
    ogc = client.get("/ogc/collections/signals/items/%00", HTTP_ACCEPT_LANGUAGE="en")
    assert (ogc.status_code, ogc.json()["code"]) == (400, "InvalidParameterValue")
    assert "NUL character" in ogc.json()["description"]
    geo_report = client.get("/open311/v2/requests/%00.json")
    assert geo_report.status_code == 400
    assert geo_report.json() == [
        {
            "code": 400,
            "description": "L’adresse contient un caractère NUL (%00), qui n’est pas autorisé.",
        }
    ]
    in_xml = client.get("/open311/v2/requests.xml?service_code=%00")
    assert in_xml.status_code == 400
    assert b"<errors><error><code>400</code><description>L" in in_xml.content


@pytest.mark.parametrize("path", ["/signalements/%00/", "/gestion/signalements/%00/"])
def test_a_nul_in_a_page_address_is_a_page_that_says_so(client, city, path):
    client.force_login(city.agent)
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "<title>Requête incorrecte</title>" in response.content.decode()


def _report(**overrides) -> dict:
    body = {
        "category": "nid-de-poule",
        "description": "Trou dans la chaussée",
        "location": {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]},
    }
    return body | overrides


@pytest.mark.parametrize(
    "overrides, fields",
    [
        ({"category": NUL}, ["category"]),
        ({"category": f"nid{NUL}", "address": f"3 rue{NUL}"}, ["category", "address"]),
        ({"location": {"type": "Point", "coordinates": [2.3, 48.8], NUL: 1}}, ["location"]),
    ],
)
def test_a_report_with_a_nul_is_refused_field_by_field_and_not_stored(
    api_client, city, overrides, fields
):
    before = Signal.objects.count()
    response = api_client.post(
        "/api/v1/signals/", json.dumps(_report(**overrides)), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {field: ["Le caractère nul n’est pas autorisé."] for field in fields}
    assert Signal.objects.count() == before


def test_a_multipart_report_with_a_nul_is_refused_and_its_photo_not_looked_at(api_client, city):
    report = _report(category=f"nid-de-poule{NUL}")
    report["location"] = json.dumps(report["location"])
    response = api_client.post("/api/v1/signals/", report, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"category": ["Null characters are not allowed."]}


@pytest.mark.parametrize(
    "action, body, field",
    [
        ("transfer", {"service": NUL, "reason": "Pas chez nous"}, "service"),
        ("category", {"category": f"nid{NUL}"}, "category"),
        ("transitions", {"to": "duplicate", "duplicate_of": NUL}, "duplicate_of"),
        ("comments", {"note": f"Vu{NUL}"}, "note"),
    ],
)
def test_a_staff_action_with_a_nul_is_refused_and_changes_nothing(city, action, body, field):
    url = f"/api/v1/signals/{city.ours.reference}/{action}/"
    response = city.api(city.agent).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {field: ["Null characters are not allowed."]}
    city.ours.refresh_from_db()
    assert (city.ours.status, city.ours.service, city.ours.version) == ("new", city.voirie, 1)
    assert StatusChange.objects.filter(signal=city.ours).count() == 1


def test_the_report_page_keeps_what_was_typed_around_a_nul(client, city):
    response = client.post(
        "/signaler/",
        {
            "category": f"nid-de-poule{NUL}",
            "description": f"Trou{NUL} profond",
            "longitude": str(INSIDE_WEST.x),
            "latitude": str(INSIDE_WEST.y),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le caractère nul n’est pas autorisé." in html
    assert f"Trou{NUL} profond</textarea>" in html
    assert not Signal.objects.filter(description__startswith="Trou").exists()


def test_a_bulk_change_naming_a_nul_reference_changes_nothing(client, city):
    client.force_login(city.agent)
    response = client.post(
        "/gestion/lot/", {"selected": [f"{city.ours.reference}{NUL}:1"], "to": "accepted"}
    )
    assert response.status_code in (302, 400)
    city.ours.refresh_from_db()
    assert city.ours.status == "new"
