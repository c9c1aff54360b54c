"""Issue #7's load test, on a real gunicorn (2 workers) against the test database.

20 residents create 2,000 signals, a quarter of them sent twice with the same
Idempotency-Key, while two agents of the routed service move every fourth
signal on through the staff API — some of them both at once. Afterwards every
answer is checked against the database: each accepted report stored exactly
once under the reference its client got, every retry answered with that same
reference, every history exactly the creation plus the transitions agents were
told succeeded (by the agent told so, in order), one 409 for each lost race,
and not a single 5xx. `make bench-load` runs the same on a private cluster and
prints figures.
"""

import socket

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection

from geo.models import Service
from geo.services import service_area_create
from signals.models import Category
from tests.live import Server, server_env
from tests.load import NO_VERSION, SAME_VERSION, agents_create, check_nothing_lost, run_load

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS, REPORTS, RETRY_EVERY = 20, 100, 4


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


def test_2000_reports_with_retries_and_agents_lose_nothing_and_double_nothing(city):
    agents = agents_create(service_slug="voirie", count=2)
    posts = CLIENTS * REPORTS * (1 + 1 / RETRY_EVERY)
    # The per-address limit stays on, through the setting a city would use, just above
    # what 20 clients on one loopback address send.
    env = server_env(database_url(), SIGNAL_CREATE_RATE=f"{int(posts * 1.2)}/hour")
    with Server(env, workers=2) as server:
        result = run_load(
            server.base,
            clients=CLIENTS,
            reports_per_client=REPORTS,
            retry_every=RETRY_EVERY,
            agents=agents,
        )

    assert result.statuses[500] == 0 and not result.server_errors
    assert len(result.accepted) == CLIENTS * REPORTS
    assert result.replays == CLIENTS * REPORTS // RETRY_EVERY
    # Agents really worked, during the creations, and both kinds of race happened.
    assert sum(len(moves) for moves in result.transitions.values()) >= 1000
    assert result.transitions_during_creation > 0
    races = {race for _, race, _, _ in result.contested}
    assert races == {SAME_VERSION, NO_VERSION}
    same_version_races = sum(1 for c in result.contested if c[1] == SAME_VERSION)
    assert len(result.conflicts) == same_version_races
    assert check_nothing_lost(result) == []


def test_a_client_that_stops_is_a_problem_not_a_warning():
    # Nothing listens on this port: the resident's first POST fails and its thread ends.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_load(f"http://127.0.0.1:{port}", clients=1, reports_per_client=1)
    [problem] = result.unexpected
    assert problem.startswith("resident(0,) stopped: ConnectionError")
    assert check_nothing_lost(result) == [problem]
