"""A small load on a real gunicorn (2 workers): nothing lost, nothing doubled, no 5xx.

The full run (2,000 signals) is `make bench-load`; this one keeps the suite fast.
"""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection

from geo.models import Service
from geo.services import service_area_create
from signals.models import Category
from tests.live import Server, server_env
from tests.load import check_nothing_lost, run_load

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def city():
    parent = Category.objects.create(code="voirie", name="Voirie")
    Category.objects.create(code="nid-de-poule", name="Nid de poule", parent=parent)
    service = Service.objects.create(slug="voirie", name="Voirie")
    square = Polygon.from_bbox((2.30, 48.84, 2.40, 48.88))
    service_area_create(service=service, name="Paris", geom=MultiPolygon(square, srid=4326))


def test_twenty_clients_with_retries_store_every_signal_exactly_once(city):
    with Server(server_env(database_url()), workers=2) as server:
        result = run_load(server.base, clients=20, reports_per_client=10, retry_every=4)
    assert set(result.statuses) == {201}, result.statuses
    assert len(result.accepted) == 200
    assert result.replays == 60
    assert check_nothing_lost(result) == []
