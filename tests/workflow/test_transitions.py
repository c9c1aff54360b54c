from datetime import date

import pytest

from tests.factories import WEST, ServiceFactory, make_area, make_signal
from workflow.services import StaleSignal, TransitionNotAllowed, signal_transition
from workflow.states import ALLOWED, CLOSED, State

pytestmark = pytest.mark.django_db

# The shortest way from `new` to each state, to put a signal there before testing its edges.
PATH_TO = {
    State.NEW: [],
    State.ACCEPTED: [State.ACCEPTED],
    State.SCHEDULED: [State.ACCEPTED, State.SCHEDULED],
    State.IN_PROGRESS: [State.ACCEPTED, State.IN_PROGRESS],
    State.ON_HOLD: [State.ACCEPTED, State.ON_HOLD],
    State.RESOLVED: [State.ACCEPTED, State.RESOLVED],
    State.REJECTED: [State.REJECTED],
    State.DUPLICATE: [State.DUPLICATE],
}

EDGES = [(source, target) for source, targets in ALLOWED.items() for target in sorted(targets)]
FORBIDDEN_FROM_CLOSED = [
    (source, target)
    for source in sorted(CLOSED)
    for target in State
    if target not in ALLOWED[source]
]


def needs(target, signal) -> dict:
    """What the rules of `target` ask for on top of the table: a reason, a date, an original."""
    extra = {"message": "ok"}
    if target == State.SCHEDULED:
        extra["planned_for"] = date(2026, 12, 1)
    if target == State.DUPLICATE:
        extra["duplicate_of"] = make_signal(category=signal.category)
    return extra


@pytest.fixture
def signal_in():
    make_area(ServiceFactory(), WEST)

    def build(state):
        signal = make_signal()
        for step in PATH_TO[state]:
            signal = signal_transition(signal=signal, to=step, **needs(step, signal))
        return signal

    return build


@pytest.mark.parametrize(("source", "target"), EDGES, ids=[f"{s}->{t}" for s, t in EDGES])
def test_can_go(signal_in, source, target):
    signal = signal_in(source)
    signal = signal_transition(signal=signal, to=target, **needs(target, signal))
    assert signal.status == target
    last = signal.history.last()
    assert (last.from_state, last.to_state, last.message) == (source, target, "ok")
    assert (signal.closed_at is not None) == (target in CLOSED)


@pytest.mark.parametrize(
    ("source", "target"), FORBIDDEN_FROM_CLOSED, ids=[f"{s}->{t}" for s, t in FORBIDDEN_FROM_CLOSED]
)
def test_cannot_go_from_a_closed_state(signal_in, source, target):
    signal = signal_in(source)
    rows = signal.history.count()
    with pytest.raises(TransitionNotAllowed) as error:
        signal_transition(signal=signal, to=target, **needs(target, signal))
    assert "accepted" in str(error.value)  # the message names what is allowed
    signal.refresh_from_db()
    assert signal.status == source
    assert signal.history.count() == rows


def test_a_stale_version_is_a_conflict_and_changes_nothing(signal_in):
    signal = signal_in(State.NEW)
    signal_transition(signal=signal, to=State.ACCEPTED, expected_version=signal.version)
    with pytest.raises(StaleSignal):
        signal_transition(
            signal=signal, to=State.REJECTED, message="Non", expected_version=signal.version
        )
    signal.refresh_from_db()
    assert signal.status == State.ACCEPTED


def test_a_back_dated_signal_starts_its_history_when_it_was_reported(signal_in):
    # Imports and the demo create signals in the past: the timeline must read in order.
    from datetime import timedelta

    from django.utils import timezone

    reported = timezone.now() - timedelta(days=40)
    signal = make_signal(created_at=reported)
    signal_transition(signal=signal, to=State.ACCEPTED, at=reported + timedelta(days=1))
    history = list(signal.history.values_list("to_state", "created_at"))
    assert history == [(State.NEW, reported), (State.ACCEPTED, reported + timedelta(days=1))]
