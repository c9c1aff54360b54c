"""The supervisors' figures, each checked against a small city counted by hand."""

import html
import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from geo.models import Service
from signals.models import Signal
from tests.factories import (
    EAST,
    INSIDE_EAST,
    INSIDE_WEST,
    WEST,
    CategoryFactory,
    ParentCategoryFactory,
    ServiceFactory,
    make_area,
    make_signal,
)
from workflow.models import Membership
from workflow.services import signal_assign, signal_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor():
    voirie, proprete = (
        ServiceFactory(slug="voirie", name="Voirie"),
        ServiceFactory(slug="proprete", name="Propreté"),
    )
    make_area(voirie, WEST)
    make_area(proprete, EAST)
    roads = ParentCategoryFactory(code="voirie", name="Voirie et espace public")
    clean = ParentCategoryFactory(code="proprete", name="Propreté")
    hole = CategoryFactory(code="trou", name="Trou", parent=roads, service_level_days=7)
    kerb = CategoryFactory(code="trottoir", name="Trottoir", parent=roads, service_level_days=30)
    tag = CategoryFactory(code="tag", name="Tag", parent=clean, service_level_days=3)
    now = timezone.now()
    ten_days_ago = now - timedelta(days=10)

    make_signal(hole, INSIDE_WEST, created_at=ten_days_ago)  # open past its 7 days
    for hours in (24, 48):
        fixed = make_signal(hole, INSIDE_WEST, created_at=ten_days_ago)
        signal_transition(signal=fixed, to="accepted", at=ten_days_ago + timedelta(hours=1))
        signal_transition(
            signal=fixed,
            to="resolved",
            message="Rebouché.",
            at=ten_days_ago + timedelta(hours=hours),
        )
    accepted = make_signal(kerb, INSIDE_WEST, created_at=ten_days_ago)  # within its 30 days
    signal_transition(signal=accepted, to="accepted")
    make_signal(tag, INSIDE_EAST, created_at=now - timedelta(days=1))  # within its 3 days
    refused = make_signal(tag, INSIDE_EAST, created_at=now - timedelta(days=2))
    signal_transition(signal=refused, to="rejected", message="Domaine privé.")
    # Before the period: not in its figures, but late today.
    # At noon, local time, on the day the test asks for: 200 days back crosses a change of
    # summer time, and "now" less 200 days fell on the next local day late in the evening.
    long_ago = timezone.localdate() - timedelta(days=200)
    make_signal(
        hole, INSIDE_WEST, created_at=timezone.make_aware(datetime.combine(long_ago, time(12)))
    )

    user = get_user_model().objects.create_user("chef", password="pw-chef-1")
    for service in (voirie, proprete):
        Membership.objects.create(user=user, service=service, role=Membership.Role.SUPERVISOR)
    return user


def figures(user, **params) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/staff/statistics/", params)
    assert response.status_code == 200, response.content
    return response.json()


def counts(rows: list[dict]) -> list[tuple]:
    return [(row["key"], row["count"]) for row in rows]


def test_the_period_counted_every_way(supervisor):
    body = figures(supervisor)
    assert body["total"] == 6
    by_status = {row["key"]: row["count"] for row in body["by_status"]}
    assert by_status == {
        "new": 2,
        "accepted": 1,
        "scheduled": 0,
        "in_progress": 0,
        "on_hold": 0,
        "resolved": 2,
        "rejected": 1,
        "duplicate": 0,
    }
    # Largest first, ties by name.
    assert counts(body["by_category"]) == [("voirie", 4), ("proprete", 2)]
    assert counts(body["by_subcategory"]) == [("trou", 3), ("tag", 2), ("trottoir", 1)]
    assert counts(body["by_service"]) == [("voirie", 4), ("proprete", 2)]
    assert body["by_service"][1]["label"] == "Propreté"


def test_time_to_resolution_and_what_is_late_today(supervisor):
    body = figures(supervisor)
    assert body["resolution"] == {"resolved": 2, "median_hours": 36.0, "p90_hours": 45.6}
    # The 10-day-old and the 200-day-old holes: late whenever they were reported.
    assert body["overdue_now"] == 2
    assert counts(body["overdue_by_service"]) == [("voirie", 2)]


def test_another_period_counts_only_its_own_reports(supervisor):
    long_ago = (timezone.localdate() - timedelta(days=200)).isoformat()
    body = figures(supervisor, start=long_ago, end=long_ago)
    assert body["total"] == 1
    assert counts(body["by_subcategory"]) == [("trou", 1)]
    assert body["resolution"]["resolved"] == 0 and body["resolution"]["median_hours"] is None
    assert body["overdue_now"] == 2


def test_per_agent_what_each_has_open_late_and_resolved(client, supervisor):
    users = get_user_model().objects
    voirie = Service.objects.get(slug="voirie")
    alice = users.create_user("alice", first_name="Alice", last_name="Martin")
    bob = users.create_user("bob")
    users.create_user("carole")  # in the service, with nothing: not listed
    for agent in (alice, bob, users.get(username="carole")):
        Membership.objects.create(user=agent, service=voirie)
    voirie_signals = Signal.objects.filter(service=voirie).order_by("created_at", "id")
    late_hole = voirie_signals.filter(
        status="new", created_at__gt=timezone.now() - timedelta(days=30)
    ).get()
    kerb = voirie_signals.get(status="accepted")
    fixed = voirie_signals.filter(status="resolved").first()
    for signal, agent in ((late_hole, alice), (kerb, alice), (fixed, bob)):
        signal_assign(signal=signal, assignee=agent, actor=supervisor)
    # Bob's signal, reopened, then resolved by Carole while Bob was away: hers, not his.
    fixed.refresh_from_db()
    signal_transition(signal=fixed, to="accepted", message="Pas fini.", actor=supervisor)
    signal_transition(
        signal=fixed, to="resolved", message="Fini.", actor=users.get(username="carole")
    )
    # Resolved, then reopened: in no one's count, as in the period's "resolved" figure.
    fixed_twice = voirie_signals.filter(status="resolved").exclude(pk=fixed.pk).get()
    signal_transition(signal=fixed_twice, to="accepted", message="Pas fini.", actor=bob)
    signal_transition(signal=fixed_twice, to="resolved", message="Fini.", actor=bob)
    signal_transition(signal=fixed_twice, to="accepted", message="Encore.", actor=alice)

    rows = figures(supervisor)["by_agent"]

    assert rows == [
        {"key": "alice", "label": "Alice Martin", "open": 2, "overdue": 1, "resolved": 0},
        {"key": "carole", "label": "carole", "open": 0, "overdue": 0, "resolved": 1},
        # The propreté's new tag, the 200-day-old hole and the reopened one, both late.
        {"key": None, "label": "Personne", "open": 3, "overdue": 2, "resolved": 0},
    ]
    client.force_login(supervisor)
    page = client.get("/gestion/statistiques/").content.decode()
    assert "Par agent" in page
    assert '<th scope="row">Alice Martin</th>' in page
    assert "assignee=alice&amp;overdue=on" in page
    # Alice's open count leads to her open signals in the queue, and they are the two.
    link = re.search(r'href="(/gestion/\?status=[^"]*assignee=alice)">2</a>', page)
    queue = client.get(html.unescape(link.group(1))).content.decode()
    assert set(re.findall(r'name="selected" value="(DMR-[\d-]+):', queue)) == {
        late_hole.reference,
        kerb.reference,
    }
