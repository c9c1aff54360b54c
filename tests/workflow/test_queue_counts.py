"""The queue's counts per status, kept by PostgreSQL: always what a live count gives.

Every way a signal's service, category or status can change is played in random order,
then what the agent sees beside the page (and what the staff API answers) is compared with
the signals themselves, counted in Python.
"""

import contextlib
import random
import re
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from signals.models import Signal
from tests.factories import INSIDE_EAST, INSIDE_WEST, CategoryFactory, make_signal
from workflow import queue_counts
from workflow.models import QueueCount, QueueCountChange
from workflow.services import (
    InvalidAction,
    TransitionNotAllowed,
    signal_change_category,
    signal_transfer,
    signal_transition,
    signals_bulk_transition,
)
from workflow.states import ALLOWED, State

pytestmark = pytest.mark.django_db


def _expected(signals, *, services=None, categories=None) -> dict[str, int]:
    """Counted in Python from the signals themselves."""
    found = Counter(
        s.status
        for s in signals
        if (services is None or s.service_id in services)
        and (categories is None or s.category_id in categories)
    )
    return {state.value: found.get(state.value, 0) for state in State}


def _api_counts(city, user, **params) -> dict[str, int]:
    response = city.api(user).get("/api/v1/staff/signals/", params)
    assert response.status_code == 200, response.content
    return response.json()["counts"]


def _page_counts(client, user, **params) -> dict[str, int]:
    """The numbers beside each status box of the queue page."""
    client.force_login(user)
    html = client.get("/gestion/", params).content.decode()
    boxes = re.findall(
        r'name="status" value="(\w+)".*?<span class="count">(\d+)</span>', html, re.S
    )
    return {status: int(n) for status, n in boxes}


def _play(city, rng: random.Random, steps: int) -> None:
    """Random writes of every kind that moves a count."""
    other = CategoryFactory(code="graffiti", name="Graffiti")
    made = [city.ours, city.theirs]
    for _ in range(steps):
        action = rng.choice(["create", "create", "transition", "transfer", "category", "bulk"])
        signal = Signal.objects.get(pk=rng.choice(made).pk)
        if action == "create":
            where = rng.choice([INSIDE_WEST, INSIDE_EAST])
            made.append(make_signal(rng.choice([city.category, other]), where))
        elif action == "transition":
            targets = sorted(ALLOWED[State(signal.status)] - {State.DUPLICATE})
            if targets:
                to = rng.choice(targets)
                extra = {"planned_for": "2030-01-01"} if to == State.SCHEDULED else {}
                message = "Réparé." if to in (State.RESOLVED, State.REJECTED) else ""
                # A rule of the target not met: refused, nothing written.
                with contextlib.suppress(InvalidAction, TransitionNotAllowed):
                    signal_transition(signal=signal, to=to, message=message, **extra)
        elif action == "transfer":
            target = city.proprete if signal.service_id == city.voirie.pk else city.voirie
            signal_transfer(signal=signal, service=target, reason="Pas chez nous")
        elif action == "category":
            target = other if signal.category_id == city.category.pk else city.category
            signal_change_category(signal=signal, category=target)
        else:
            chosen = rng.sample(made, k=min(3, len(made)))
            fresh = [Signal.objects.get(pk=s.pk) for s in chosen]
            signals_bulk_transition(signals=[(s, None) for s in fresh], to=State.ACCEPTED)
        if rng.random() < 0.2 and len(made) > 2:
            gone = made.pop(rng.randrange(len(made)))
            Signal.objects.filter(pk=gone.pk).delete()
        if rng.random() < 0.3:
            queue_counts.fold_changes()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counts_beside_the_queue_are_the_signals_own_after_any_writes(city, client, seed):
    city.supervisor.is_superuser = True  # sees every service, unrouted signals included
    city.supervisor.save()
    _play(city, random.Random(seed), steps=40)
    signals = list(Signal.objects.all())
    voirie, proprete = {city.voirie.pk}, {city.proprete.pk}
    graffiti = {CategoryFactory._meta.model.objects.get(code="graffiti").pk}

    assert _api_counts(city, city.agent) == _expected(signals, services=voirie)
    assert _api_counts(city, city.other_agent) == _expected(signals, services=proprete)
    assert _api_counts(city, city.supervisor) == _expected(signals)
    assert _api_counts(city, city.agent, category="graffiti") == _expected(
        signals, services=voirie, categories=graffiti
    )
    assert _api_counts(city, city.supervisor, service="proprete") == _expected(
        signals, services=proprete
    )
    assert _page_counts(client, city.agent) == {
        status: n for status, n in _expected(signals, services=voirie).items()
    }


def test_a_folded_change_counts_the_same_and_leaves_no_change_behind(city):
    for _ in range(3):
        make_signal(city.category, INSIDE_WEST)
    before = _api_counts(city, city.agent)
    assert QueueCountChange.objects.exists()
    queue_counts.fold_changes()
    assert not QueueCountChange.objects.exists()
    assert _api_counts(city, city.agent) == before
    assert before["new"] == 4  # the fixture's signal and these three


def test_a_rolled_back_write_is_not_counted(city):
    before = _api_counts(city, city.agent)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_signal(city.category, INSIDE_WEST)
        signal_transition(signal=city.ours, to=State.ACCEPTED)
        raise RuntimeError
    assert _api_counts(city, city.agent) == before


def test_text_age_and_area_filters_count_live(city):
    make_signal(city.category, INSIDE_WEST, description="Égout bouché rue Oberkampf")
    counts = _api_counts(city, city.agent, q="oberkampf")
    assert counts["new"] == 1
    assert _api_counts(city, city.agent, older_than_days=3)["new"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_rebuild_recounts_after_a_load_that_bypassed_the_trigger(city):
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE signals_signal DISABLE TRIGGER workflow_queuecount_insert_delete"
        )
        try:
            make_signal(city.category, INSIDE_WEST)
        finally:
            cursor.execute(
                "ALTER TABLE signals_signal ENABLE TRIGGER workflow_queuecount_insert_delete"
            )
    assert _api_counts(city, city.agent)["new"] == 1  # the load is not counted yet
    call_command("rebuild_queue_counts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _api_counts(city, city.agent)["new"] == 2


@pytest.mark.django_db(transaction=True)
def test_emptying_the_signals_empties_the_counts(city):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE signals_signal CASCADE")
    assert not QueueCount.objects.exists() and not QueueCountChange.objects.exists()
    assert sum(_api_counts(city, city.agent).values()) == 0


@pytest.mark.django_db(transaction=True)
def test_two_reports_made_at_once_to_one_service_are_both_counted(city):
    """Two real transactions, each holding its report uncommitted while the other writes:
    appended changes mean neither waits on a shared counter row."""
    both_written = threading.Barrier(2, timeout=10)
    errors = []

    def report():
        try:
            with transaction.atomic():
                make_signal(city.category, INSIDE_WEST)
                both_written.wait()  # both inserts done, neither committed
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=report) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _api_counts(city, city.agent)["new"] == 3
