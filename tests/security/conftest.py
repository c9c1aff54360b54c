import json

import pytest

from tests.factories import INSIDE_WEST, WEST, CategoryFactory, ServiceFactory, make_area

URL = "/api/v1/signals/"


@pytest.fixture
def city():
    make_area(ServiceFactory(slug="voirie", name="Voirie"), WEST)
    return CategoryFactory(code="nid-de-poule", name="Nid de poule")


def report(**overrides) -> dict:
    body = {
        "category": "nid-de-poule",
        "description": "Trou dans la chaussée",
        "location": {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]},
    }
    body.update(overrides)
    return body


def post_report(client, ip="198.51.100.7", headers=None, **overrides):
    return client.post(
        URL,
        json.dumps(report(**overrides)),
        content_type="application/json",
        REMOTE_ADDR=ip,
        headers=headers or {},
    )
