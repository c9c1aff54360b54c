"""A bounded load on a real server: residents report (some retry), agents move signals on.

Used by `tests/security/test_load.py` (small) and `bench/load.py` (2,000 signals).
Clients are threads with their own HTTP session; they talk to loopback only.
Afterwards `check_nothing_lost` compares what clients were told with what the
database holds.
"""

import queue
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests

REPORT = {
    "category": "nid-de-poule",
    "description": "Trou dans la chaussée",
    "location": {"type": "Point", "coordinates": [2.35, 48.86]},
}
# What agents do with a new signal, one transition at a time.
AGENT_PATH = ("accepted", "in_progress", "resolved")


@dataclass
class LoadResult:
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)  # idempotency key -> reference
    replays: int = 0
    replay_mismatches: list[str] = field(default_factory=list)
    # reference -> the states agents were told they reached, in order
    transitions: dict[str, list[str]] = field(default_factory=dict)
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, url: str, response: requests.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{method} {url} → {response.status_code}")


def run_load(
    base: str,
    *,
    clients: int,
    reports_per_client: int,
    retry_every: int = 4,
    agent_token: str | None = None,
    agents: int = 2,
) -> LoadResult:
    """Residents create `clients × reports_per_client` signals; every `retry_every`-th report
    is sent twice with its Idempotency-Key (a retry after a lost answer). Agents, if a
    token is given, take new signals from a queue and move each along `AGENT_PATH`.
    """
    run = uuid.uuid4().hex[:8]
    result = LoadResult()
    created: queue.Queue = queue.Queue()
    done = threading.Event()
    url = base + "/api/v1/signals/"

    def resident(number: int) -> None:
        session = requests.Session()
        for index in range(reports_per_client):
            key = f"load-{run}-{number}-{index}"
            body = {**REPORT, "description": f"Trou n° {index} du client {number}"}
            sends = 2 if index % retry_every == 0 else 1
            references = []
            for _ in range(sends):
                response = session.post(
                    url, json=body, headers={"Idempotency-Key": key}, timeout=60
                )
                result.record("POST", url, response)
                if response.status_code == 201:
                    references.append(response.json()["reference"])
            if references:
                with result.lock:
                    result.accepted[key] = references[0]
                    if sends == 2:
                        result.replays += 1
                        if len(set(references)) != 1 or len(references) != 2:
                            result.replay_mismatches.append(key)
                created.put(references[0])

    def agent() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {agent_token}"
        while not (done.is_set() and created.empty()):
            try:
                reference = created.get(timeout=0.2)
            except queue.Empty:
                continue
            reached = []
            for state in AGENT_PATH:
                transition = f"{base}/api/v1/signals/{reference}/transitions/"
                for _attempt in range(5):
                    detail = session.get(f"{base}/api/v1/staff/signals/{reference}/", timeout=60)
                    result.record("GET", "staff detail", detail)
                    version = detail.json()["version"]
                    response = session.post(
                        transition, json={"to": state, "version": version}, timeout=60
                    )
                    result.record("POST", "transition", response)
                    if response.status_code == 409:
                        with result.lock:
                            result.conflicts += 1
                        continue
                    if response.status_code == 200:
                        reached.append(state)
                    break
            with result.lock:
                result.transitions[reference] = reached

    residents = [threading.Thread(target=resident, args=(n,)) for n in range(clients)]
    workers = [threading.Thread(target=agent) for _ in range(agents if agent_token else 0)]
    for thread in residents + workers:
        thread.start()
    for thread in residents:
        thread.join()
    done.set()
    for thread in workers:
        thread.join()
    return result


def check_nothing_lost(result: LoadResult) -> list[str]:
    """What the clients were told against what the database holds; returns the problems.

    Needs Django set up on the server's database.
    """
    from signals.models import Signal

    problems = list(result.server_errors)
    problems += [
        f"retry of {key} did not return the same signal" for key in result.replay_mismatches
    ]
    keys = list(result.accepted)
    stored = {}
    for chunk in range(0, len(keys), 500):
        stored.update(
            Signal.objects.filter(idempotency_key__in=keys[chunk : chunk + 500]).values_list(
                "idempotency_key", "reference"
            )
        )
    for key, reference in result.accepted.items():
        if stored.get(key) != reference:
            problems.append(f"{key}: told {reference}, stored {stored.get(key)}")
    run_prefix = keys[0].rsplit("-", 2)[0] if keys else "none"
    in_database = Signal.objects.filter(idempotency_key__startswith=run_prefix + "-").count()
    if in_database != len(result.accepted):
        problems.append(f"{in_database} signals stored for {len(result.accepted)} accepted")
    signals = Signal.objects.filter(reference__in=list(result.accepted.values())).prefetch_related(
        "history"
    )
    for signal in signals:
        chain = [(row.from_state, row.to_state) for row in signal.history.all()]
        expected = [("", "new")]
        previous = "new"
        for state in result.transitions.get(signal.reference, []):
            expected.append((previous, state))
            previous = state
        if chain != expected:
            problems.append(f"{signal.reference}: history {chain}, expected {expected}")
        if signal.status != previous:
            problems.append(f"{signal.reference}: status {signal.status}, expected {previous}")
    return problems


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start
