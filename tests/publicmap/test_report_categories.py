"""Which categories a report may name: the same on the form, in the API and in Open311.

A sub-type under an active type; a type itself when it has no active sub-type; never
anything under a deactivated type.
"""

import json
import re

import pytest

from signals.models import Signal
from tests.factories import INSIDE_WEST, CategoryFactory, ParentCategoryFactory
from tests.publicmap.test_pages import report_data

pytestmark = pytest.mark.django_db


def radios(client) -> list[str]:
    html = client.get("/signaler/").content.decode()
    return re.findall(r'name="category" value="([^"]+)"', html)


def open311_codes(client) -> list[str]:
    return [s["service_code"] for s in client.get("/open311/v2/services.json").json()]


def api_report(client, code: str):
    body = {
        "category": code,
        "description": "Banc arraché",
        "location": {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]},
    }
    return client.post("/api/v1/signals/", json.dumps(body), content_type="application/json")


def test_a_type_without_sub_types_is_reported_under_itself_everywhere(client, city):
    furniture = ParentCategoryFactory(code="mobilier", name="Mobilier urbain")
    assert radios(client) == ["graffitis-tag", "mobilier"]
    assert "mobilier" in open311_codes(client)
    response = client.post("/signaler/", report_data(category="mobilier"))
    assert response.status_code == 302
    assert Signal.objects.get().category == furniture

    # With a sub-type, the type becomes a heading and the sub-type the choice.
    CategoryFactory(code="mobilier-banc", name="Banc", parent=furniture)
    assert radios(client) == ["graffitis-tag", "mobilier-banc"]
    assert "mobilier" not in open311_codes(client)
    response = client.post("/signaler/", report_data(category="mobilier"))
    assert response.status_code == 400  # the form again, with what was typed
    assert "Tag sur la porte du 3" in response.content.decode()
    assert api_report(client, "mobilier").status_code == 400
    assert Signal.objects.count() == 1


def test_a_deactivated_type_takes_its_sub_types_off_every_list(client, city):
    city.parent.is_active = False
    city.parent.save()
    assert radios(client) == []
    assert open311_codes(client) == []
    response = api_report(client, "graffitis-tag")
    assert response.status_code == 400
    assert list(response.json()) == ["category"]
    assert client.post("/signaler/", report_data()).status_code == 400
    assert not Signal.objects.exists()


def test_a_type_whose_sub_types_are_all_deactivated_is_the_choice(client, city):
    assert api_report(client, "graffitis").status_code == 400  # it has a sub-type
    city.is_active = False
    city.save()
    assert radios(client) == ["graffitis"]
    assert open311_codes(client) == ["graffitis"]
    assert api_report(client, "graffitis").status_code == 201
