"""The database goes away under load: clean 503s while it is down, recovery by itself, nothing lost.

A private PostgreSQL cluster (temporary directory, free port) is stopped
abruptly (`immediate`: a crash) and started again while clients keep
reporting, and an agent keeps moving signals on, through a real gunicorn
server with two workers. Clients behave as the API asks: retry a failed
report with the same Idempotency-Key, re-read a signal before acting again.

So that the crash really lands in the middle of writes, a session holds a lock
on the history table just before it: every creation waits for it before its
first history row is written (its signal row already inserted), and the
agent's transition has locked its signal and waits to write its history row —
all of them uncommitted when the server dies. None of that may survive.
"""

import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.live import (
    PSQL,
    ROLE,
    SEED_CITY,
    PrivatePostgres,
    Server,
    manage,
    postgres_bindir,
    server_env,
)
from tests.load import AGENT_PATH

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
        # "Generated token <key> for user agent-voirie"
        token = manage("drf_create_token", "agent-voirie", env=env).split()[2]
        yield pg, env, token
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


class Agent(threading.Thread):
    """A staff member moving the reporters' signals along AGENT_PATH, re-reading after a failure."""

    def __init__(self, base: str, token: str, reporters: list[Reporter], stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.reporters, self.stop = base, reporters, stop
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.statuses: list[int] = []
        self.told: list[tuple[str, str]] = []  # (reference, state) answered 200

    def run(self) -> None:
        done: set[str] = set()
        while not self.stop.is_set():
            todo = [
                ref for r in self.reporters for ref in list(r.accepted.values()) if ref not in done
            ]
            if not todo:
                time.sleep(0.05)
                continue
            self.move(todo[0])
            done.add(todo[0])

    def move(self, reference: str) -> None:
        for state in AGENT_PATH:
            while not self.stop.is_set():
                detail = self.session.get(
                    f"{self.base}/api/v1/staff/signals/{reference}/", timeout=30
                )
                self.statuses.append(detail.status_code)
                if detail.status_code != 200:
                    time.sleep(0.05)
                    continue
                current = detail.json()
                reached = current["status"]
                if reached in AGENT_PATH and AGENT_PATH.index(reached) >= AGENT_PATH.index(state):
                    break  # done by a request whose answer was lost in the crash
                response = self.session.post(
                    f"{self.base}/api/v1/signals/{reference}/transitions/",
                    json={"to": state, "version": current["version"]},
                    timeout=30,
                )
                self.statuses.append(response.status_code)
                if response.status_code == 200:
                    self.told.append((reference, state))
                    break
                time.sleep(0.05)


def waiting_on_locks(pg: PrivatePostgres) -> int:
    return int(
        pg.psql(
            "dmr_private",
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = 'dmr_private' AND wait_event_type = 'Lock'",
        )
    )


def test_a_database_crash_gives_clean_503s_then_the_service_recovers_with_nothing_lost(
    private_database,
):
    pg, env, token = private_database
    stop = threading.Event()
    # One worker per client (four reporters, one agent): every client can have a write in
    # flight at the moment of the crash.
    with Server(env, workers=5) as server:
        api = server.base + "/api/v1/signals/"
        reporters = [Reporter(server.base, f"client{n}", stop) for n in range(4)]
        for reporter in reporters:
            reporter.start()
        assert wait_for(lambda: sum(len(r.accepted) for r in reporters) >= 10)
        agent = Agent(server.base, token, reporters, stop)
        agent.start()
        assert wait_for(lambda: len(agent.told) >= 3)

        # Writes in flight: the four reporters' creations and the agent's transition (mid-
        # transaction) all wait behind this lock when the server crashes.
        holder = subprocess.Popen(
            [*PSQL, "-p", str(pg.port), "-U", ROLE, "-d", "dmr_private"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        holder.stdin.write("BEGIN; LOCK TABLE workflow_statuschange IN SHARE MODE;\n")
        holder.stdin.flush()
        assert wait_for(lambda: waiting_on_locks(pg) >= len(reporters) + 1)
        pg.stop("immediate")
        holder.stdin.close()  # psql leaves once its input ends
        holder.wait(timeout=30)
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
        moved_after = len(agent.told) + 3
        assert wait_for(lambda: len(agent.told) >= moved_after)
        stop.set()
        for thread in [*reporters, agent]:
            thread.join(timeout=60)

    statuses = {status for reporter in reporters for status in reporter.statuses}
    assert statuses <= {201, 503}, statuses
    # 409: a transition committed, then its answer was lost in the crash, and the retry
    # carried the old version.
    assert set(agent.statuses) <= {200, 409, 503}, set(agent.statuses)
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
    # No half-written transition: each signal's status, version and history agree, and
    # every transition the agent was told succeeded is there, once.
    rows = pg.psql(
        "dmr_private",
        "SELECT s.reference, s.status, s.version, "
        "string_agg(h.from_state || '>' || h.to_state, ' ' ORDER BY h.created_at, h.id) "
        "FROM signals_signal s JOIN workflow_statuschange h ON h.signal_id = s.id "
        "GROUP BY s.id",
    ).splitlines()
    told = set(agent.told)
    for row in rows:
        reference, status, version, history = row.split("|")
        chain = [step.split(">") for step in history.split(" ")]
        assert chain[0] == ["", "new"], row
        assert all(chain[i][0] == chain[i - 1][1] for i in range(1, len(chain))), row
        assert chain[-1][1] == status, row
        assert int(version) == len(chain), row
        for state in AGENT_PATH:
            if (reference, state) in told:
                assert [step[1] for step in chain].count(state) == 1, row
