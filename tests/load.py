"""A bounded load on a real server: residents report (some retry), agents move signals on.

Used by `tests/security/test_load.py` (2,000 signals, in `make test`) and
`bench/load.py` (the same on a private PostgreSQL cluster, with figures).
Clients are threads with their own HTTP sessions; they talk to loopback only.
Afterwards `check_nothing_lost` compares what clients were told with what the
database holds.

Agents are staff members of the routed service, each with an API token. They
take signals as residents create them and move each along `AGENT_PATH`
through `POST /api/v1/signals/<ref>/transitions/`, sending the version they
read. Some signals are *contested*: two agents read the same version and send
the same transition at the same moment; exactly one must win and the other
must be told 409 — never two wins (a lost update), never a silent loss.
"""

import queue
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

REPORT = {
    "category": "nid-de-poule",
    "description": "Trou dans la chaussée",
    "location": {"type": "Point", "coordinates": [2.35, 48.86]},
}
# What agents do with a new signal, one transition at a time.
AGENT_PATH = ("accepted", "in_progress", "resolved")
# Statuses a well-behaved client may receive under this load; anything else is a problem.
EXPECTED_STATUSES = {200, 201, 409}


@dataclass
class LoadResult:
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)  # idempotency key -> reference
    replays: int = 0
    replay_mismatches: list[str] = field(default_factory=list)
    # reference -> (state, agent's username) for each transition an agent was told succeeded
    transitions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # (reference, race, state, statuses) of each pair of transitions two agents sent at once
    contested: list[tuple[str, str, str, tuple[int, ...]]] = field(default_factory=list)
    # (reference, state, what the 409 said) for every 409 an agent received
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    # transitions that succeeded while residents were still creating
    transitions_during_creation: int = 0
    creating: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, method: str, url: str, response: requests.Response, expected=EXPECTED_STATUSES
    ) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{method} {url} → {response.status_code}")
            elif response.status_code not in expected:
                self.unexpected.append(
                    f"{method} {url} → {response.status_code}: {response.text[:200]}"
                )


def _session() -> requests.Session:
    session = requests.Session()
    # One connection per request, as a phone's report is. A kept connection that sat idle
    # past gunicorn's `keepalive` (5 s, an agent waiting for signals) can be closed by the
    # server just as the next POST leaves: a reset with no answer, which a real client
    # would have to resolve by reading the signal back, and which is no fault of ours.
    session.headers["Connection"] = "close"
    return session


def _reporting(result: LoadResult, name: str, target):
    """`target` for a client thread, whose death is a problem on the list, not a warning
    lost in the test's output while the check passes on what the others did."""

    def run(*args) -> None:
        try:
            target(*args)
        except Exception as error:  # whatever stopped it, the run did less than it claims
            with result.lock:
                result.unexpected.append(f"{name}{args} stopped: {error!r}")

    return run


@dataclass(frozen=True)
class Agent:
    username: str
    token: str


def agents_create(*, service_slug: str = "voirie", count: int = 2) -> list[Agent]:
    """Staff members (role agent, no superuser) of one service, each with an API token.

    Needs Django set up on the server's database.
    """
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from geo.models import Service
    from workflow.models import Membership

    service = Service.objects.get(slug=service_slug)
    agents = []
    for number in range(1, count + 1):
        user, _ = get_user_model().objects.get_or_create(username=f"load-agent-{number}")
        Membership.objects.get_or_create(user=user, service=service)
        agents.append(Agent(user.username, Token.objects.get_or_create(user=user)[0].key))
    return agents


# Two agents on one signal at the same moment:
# - both send the same next step with the version they both read: one 200, one 409;
SAME_VERSION = "same-version"
# - from `accepted`, one sends in_progress and the other resolved, with no version: both
#   succeed in the order the server took them (200, 200), or resolved came first and
#   in_progress is no longer allowed from there (400, 200). The history must show that order.
NO_VERSION = "no-version"
RACES = (SAME_VERSION, NO_VERSION)


class Moves:
    """An agent moving one signal along `AGENT_PATH`, maybe racing a partner."""

    def __init__(self, result: LoadResult, base: str, reference: str, sessions, pool):
        self.result, self.reference = result, reference
        self.sessions, self.pool = sessions, pool
        self.detail_url = f"{base}/api/v1/staff/signals/{reference}/"
        self.transition_url = f"{base}/api/v1/signals/{reference}/transitions/"

    def run(self, me: Agent, partner: Agent, race: str | None) -> None:
        if race is None:
            for state in AGENT_PATH:
                self.step(me, state)
        elif race == SAME_VERSION:
            for state in AGENT_PATH:
                version = self.version(me)
                if version is None:
                    return
                codes = self.both(
                    (me, state, version, {200, 409}), (partner, state, version, {200, 409})
                )
                self.contested(race, state, tuple(sorted(codes)))
        else:
            self.step(me, "accepted")
            codes = self.both(
                (me, "in_progress", None, {200, 400}), (partner, "resolved", None, {200})
            )
            self.contested(race, "in_progress|resolved", codes)

    def contested(self, race: str, state: str, codes: tuple[int, ...]) -> None:
        with self.result.lock:
            self.result.contested.append((self.reference, race, state, codes))

    def version(self, who: Agent) -> int | None:
        detail = self.sessions[who].get(self.detail_url, timeout=60)
        self.result.record("GET", self.detail_url, detail)
        return detail.json()["version"] if detail.status_code == 200 else None

    def step(self, who: Agent, state: str) -> None:
        """Read, send with that version; on a 409 (someone else moved it), read again."""
        for _attempt in range(5):
            version = self.version(who)
            if version is None or self.send(who, state, version) != 409:
                return

    def both(self, *sends) -> tuple[int, ...]:
        barrier = threading.Barrier(len(sends))
        futures = [self.pool.submit(self.send, *send, barrier=barrier) for send in sends]
        return tuple(future.result() for future in futures)

    def send(self, who, state, version, expected=EXPECTED_STATUSES, *, barrier=None) -> int:
        body = {"to": state} if version is None else {"to": state, "version": version}
        if barrier is not None:
            barrier.wait(timeout=60)
        response = self.sessions[who].post(self.transition_url, json=body, timeout=60)
        self.result.record("POST", self.transition_url, response, expected)
        with self.result.lock:
            if response.status_code == 200:
                self.result.transitions[self.reference].append((state, who.username))
                if self.result.creating.is_set():
                    self.result.transitions_during_creation += 1
            elif response.status_code == 409:
                self.result.conflicts.append((self.reference, state, response.json().get("code")))
        return response.status_code


def run_load(
    base: str,
    *,
    clients: int,
    reports_per_client: int,
    retry_every: int = 4,
    agents: list[Agent] = (),
    transition_every: int = 4,
    contest_every: int = 5,
) -> LoadResult:
    """Residents create `clients × reports_per_client` signals; every `retry_every`-th report
    is sent twice with its Idempotency-Key (a retry after a lost answer).

    Meanwhile each agent takes every `transition_every`-th created signal from a
    shared queue and moves it along `AGENT_PATH`; every `contest_every`-th of
    those is contested with the next agent (see the module's docstring).
    """
    run = uuid.uuid4().hex[:8]
    result = LoadResult()
    created: queue.Queue = queue.Queue()
    done = threading.Event()
    url = base + "/api/v1/signals/"
    counter = iter(range(10**9))  # next() on it is atomic under the GIL
    result.creating.set()

    def resident(number: int) -> None:
        session = _session()
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
                if next(counter) % transition_every == 0:
                    created.put(references[0])

    def agent(number: int) -> None:
        me = agents[number]
        partner = agents[(number + 1) % len(agents)]
        sessions = {}
        for who in (me, partner):
            sessions[who] = _session()
            sessions[who].headers["Authorization"] = f"Token {who.token}"
        # Racing sends go out from two threads at once, released together by a barrier.
        pool = ThreadPoolExecutor(max_workers=2)
        handled = 0
        while not (done.is_set() and created.empty()):
            try:
                reference = created.get(timeout=0.2)
            except queue.Empty:
                continue
            race = None
            if len(agents) > 1 and handled % contest_every == 0:
                race = RACES[(handled // contest_every) % len(RACES)]
            handled += 1
            with result.lock:
                result.transitions.setdefault(reference, [])
            Moves(result, base, reference, sessions, pool).run(me, partner, race)
        pool.shutdown()

    residents = [
        threading.Thread(target=_reporting(result, "resident", resident), args=(n,))
        for n in range(clients)
    ]
    workers = [
        threading.Thread(target=_reporting(result, "agent", agent), args=(n,))
        for n in range(len(agents))
    ]
    for thread in residents + workers:
        thread.start()
    for thread in residents:
        thread.join()
    result.creating.clear()
    done.set()
    for thread in workers:
        thread.join()
    return result


def check_nothing_lost(result: LoadResult) -> list[str]:
    """What the clients were told against what the database holds; returns the problems.

    Needs Django set up on the server's database.
    """
    from signals.models import Signal

    problems = list(result.server_errors) + list(result.unexpected)
    problems += [
        f"retry of {key} did not return the same signal" for key in result.replay_mismatches
    ]
    allowed = {SAME_VERSION: {(200, 409)}, NO_VERSION: {(200, 200), (400, 200)}}
    problems += [
        f"{reference} → {state} ({race}): the two agents got {codes}"
        for reference, race, state, codes in result.contested
        if codes not in allowed[race]
    ]
    problems += [
        f"{reference} → {state}: a 409 without the 'conflict' code ({code})"
        for reference, state, code in result.conflicts
        if code != "conflict"
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
        "history__actor"
    )
    for signal in signals:
        # The history, in its own order, must be: the creation, then exactly the transitions
        # agents were told succeeded, each by the agent who was told so. A 409 wrote nothing.
        chain = [
            (row.from_state, row.to_state, row.actor.username if row.actor_id else "")
            for row in signal.history.all()
        ]
        told = sorted(
            result.transitions.get(signal.reference, []), key=lambda t: AGENT_PATH.index(t[0])
        )
        expected = [("", "new", "")]
        previous = "new"
        for state, username in told:
            expected.append((previous, state, username))
            previous = state
        if chain != expected:
            problems.append(f"{signal.reference}: history {chain}, expected {expected}")
        if signal.status != previous:
            problems.append(f"{signal.reference}: status {signal.status}, expected {previous}")
        if signal.version != 1 + len(told):
            problems.append(
                f"{signal.reference}: version {signal.version}, expected {1 + len(told)}"
            )
    return problems


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start
