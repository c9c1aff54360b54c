"""The database goes away under load: clean 503s while it is down, recovery by itself, nothing lost.

A private PostgreSQL cluster (temporary directory, free port) is stopped
abruptly (`immediate`: a crash) and started again while clients keep
reporting through a real gunicorn server with two workers. Clients behave as
the API asks: retry a failed report with the same Idempotency-Key.
"""

import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.live import SEED_CITY, PrivatePostgres, Server, manage, postgres_bindir, server_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(postgres_bindir() is None, reason="PostgreSQL server binaries missing"),
]

REPORT = {
    "category": "nid-de-poule",
    "description": "Trou dans la chaussée",
    "location": {"type": "Point", "coordinates": [2.35, 48.86]},
}


@pytest.fixture
def private_database(db):
    pg = PrivatePostgres(Path(tempfile.mkdtemp(prefix="dmr-outage-")))
    try:
        pg.create()
        # The test database, migrated and with nothing committed in it, is the schema to copy.
        pg.copy_database(connection.settings_dict)
        env = server_env(pg.url)
        manage("shell", "-c", SEED_CITY, env=env)
        yield pg, env
    finally:
        pg.destroy()


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


class Reporter(threading.Thread):
    """A client reporting in a loop, retrying each report with its key until it is accepted."""

    def __init__(self, base: str, name: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.name, self.stop = base, name, stop
        self.statuses: list[int] = []
        self.accepted: dict[str, str] = {}  # key -> reference
        self.pending: str | None = None

    def run(self) -> None:
        session = requests.Session()
        number = 0
        while not self.stop.is_set():
            key = self.pending or f"{self.name}-{number}"
            self.pending = key
            response = session.post(
                self.base + "/api/v1/signals/",
                json={**REPORT, "description": f"Trou {key}"},
                headers={"Idempotency-Key": key},
                timeout=30,
            )
            self.statuses.append(response.status_code)
            if response.status_code == 201:
                self.accepted[key] = response.json()["reference"]
                self.pending = None
                number += 1
            else:
                time.sleep(0.05)


def test_a_database_crash_gives_clean_503s_then_the_service_recovers_with_nothing_lost(
    private_database,
):
    pg, env = private_database
    stop = threading.Event()
    with Server(env, workers=2) as server:
        api = server.base + "/api/v1/signals/"
        reporters = [Reporter(server.base, f"client{n}", stop) for n in range(4)]
        for reporter in reporters:
            reporter.start()
        assert wait_for(lambda: sum(len(r.accepted) for r in reporters) >= 10)

        pg.stop("immediate")
        down_post = requests.post(api, json=REPORT, timeout=30)
        down_get = requests.get(api, timeout=30)
        for response in (down_post, down_get):
            assert response.status_code == 503
            assert int(response.headers["Retry-After"]) > 0
            assert "base de données" in response.json()["detail"]
        assert wait_for(lambda: sum(r.statuses.count(503) for r in reporters) >= 4)

        pg.start()
        # Nobody restarts gunicorn: it must find the database again by itself.
        assert wait_for(lambda: requests.post(api, json=REPORT, timeout=30).status_code == 201)
        accepted_after = sum(len(r.accepted) for r in reporters) + 10
        assert wait_for(lambda: sum(len(r.accepted) for r in reporters) >= accepted_after)
        stop.set()
        for reporter in reporters:
            reporter.join(timeout=60)

    statuses = {status for reporter in reporters for status in reporter.statuses}
    assert statuses <= {201, 503}, statuses
    accepted = {key: ref for reporter in reporters for key, ref in reporter.accepted.items()}
    rows = pg.psql(
        "dmr_private",
        "SELECT idempotency_key || ' ' || reference FROM signals_signal "
        "WHERE idempotency_key IS NOT NULL",
    ).splitlines()
    stored = dict(row.split(" ") for row in rows)
    # Every accepted report is stored, exactly once, under the reference its client was given.
    assert len(rows) == len(stored)
    for key, reference in accepted.items():
        assert stored[key] == reference
    # Nothing else: at most the one report per client still being retried at the stop.
    assert len(set(stored) - set(accepted)) <= len(reporters)
    # No half-written signal: each has its first history row.
    orphans = pg.psql(
        "dmr_private",
        "SELECT count(*) FROM signals_signal s WHERE NOT EXISTS "
        "(SELECT 1 FROM workflow_statuschange h WHERE h.signal_id = s.id AND h.to_state = 'new')",
    )
    assert orphans == "0"
