"""A client that drops a full export midway leaves no COPY, no open transaction, no lost connection.

The export holds a database connection, in a transaction, while PostgreSQL
writes the file (`COPY ... TO STDOUT`). Against a real gunicorn with
persistent connections, a client reads the first chunk and hangs up: the
worker's connection must come back idle, not "idle in transaction" nor still
copying, and serve the next request.
"""

import socket
import struct
import time

import psycopg
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection

from geo.models import Service
from geo.services import service_area_create
from signals.models import Category
from tests.live import Server, server_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Far more than the socket buffers hold (a few MB on loopback): the COPY is still
# running when the client hangs up.
SIGNALS = 60_000


def database_url(scheme: str = "postgis") -> str:
    db = connection.settings_dict
    return (
        f"{scheme}://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def many_signals():
    parent = Category.objects.create(code="voirie", name="Voirie")
    category = Category.objects.create(code="nid-de-poule", name="Nid de poule", parent=parent)
    service = Service.objects.create(slug="voirie", name="Voirie")
    square = Polygon.from_bbox((2.30, 48.84, 2.40, 48.88))
    service_area_create(service=service, name="Paris", geom=MultiPolygon(square, srid=4326))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO signals_signal (uuid, reference, category_id, description, location,
                address, reporter_email, service_id, routing_method, status, source, created_at,
                updated_at, version, idempotency_fingerprint)
            SELECT gen_random_uuid(), 'DMR-2026-' || lpad(n::text, 6, '0'), %s,
                'Trou dans la chaussée, assez profond pour tordre une roue de vélo.',
                ST_SetSRID(ST_MakePoint(2.30 + random() / 10, 48.84 + random() / 25), 4326),
                n || ' rue de Rivoli, 75004 Paris', '', %s, 'covers', 'new', 'import',
                now() - n * interval '1 minute', now(), 1, ''
            FROM generate_series(1, %s) AS n
            """,
            [category.pk, service.pk, SIGNALS],
        )


def backends(application_name: str) -> list[tuple]:
    """(pid, state) of the server's connections to the test database."""
    with psycopg.connect(database_url("postgresql"), autocommit=True) as admin:
        return admin.execute(
            "SELECT pid, state FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [application_name],
        ).fetchall()


def settled(application_name: str) -> list[tuple]:
    deadline = time.monotonic() + 20
    found = backends(application_name)
    while time.monotonic() < deadline and any(state != "idle" for _, state in found):
        time.sleep(0.2)
        found = backends(application_name)
    return found


def get(port: int, path: str, *, hang_up: bool = False) -> bytes:
    """The first bytes of the answer; with `hang_up`, the client then resets the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        first = sock.recv(65536)
        if hang_up:  # RST rather than FIN: the server's next write fails at once
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return first


@pytest.mark.parametrize("worker", ["sync", "gthread"])
def test_a_client_hanging_up_midway_leaves_the_connection_idle_and_usable(many_signals, worker):
    name = f"export-disconnect-{worker}"
    env = server_env(database_url(), PGAPPNAME=name)
    # One worker, one thread: every request runs on the same persistent connection.
    env["GUNICORN_CMD_ARGS"] = f"--worker-class {worker} --threads 1"
    with Server(env, workers=1) as server:
        [(pid, _)] = settled(name)  # the connection of the readiness check
        for path in ("/opendata/signalements.csv", "/opendata/signalements.geojson"):
            assert get(server.port, path, hang_up=True).startswith(b"HTTP/1.1 200")
            # Neither "active" (still copying) nor "idle in transaction": idle, and the same.
            assert settled(name) == [(pid, "idle")]
            assert get(server.port, "/api/v1/categories/").startswith(b"HTTP/1.1 200")
            assert settled(name) == [(pid, "idle")]
