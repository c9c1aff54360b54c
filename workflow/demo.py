"""Demo staff accounts: one agent per service, one supervisor of every service, one admin.

DEMO ONLY: the passwords are published in the README. `load_demo` creates them;
never run it on a production database.
"""

import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from geo.models import Service
from signals.models import Signal
from workflow.feedback import latest_resolution
from workflow.models import Feedback, Membership, StatusChange
from workflow.states import State

DEMO_PASSWORD = "demo-dansmarue"  # noqa: S105 — published on purpose, demo data only


def load_staff() -> list[str]:
    """Create (or reset) the demo staff accounts; returns their usernames."""
    User = get_user_model()
    names = []

    def account(username: str, **flags):
        user, _created = User.objects.get_or_create(username=username, defaults=flags)
        for key, value in flags.items():
            setattr(user, key, value)
        user.set_password(DEMO_PASSWORD)
        user.save()
        names.append(username)
        return user

    for service in Service.objects.order_by("slug"):
        agent = account(f"agent-{service.slug}")
        Membership.objects.update_or_create(
            user=agent, service=service, defaults={"role": Membership.Role.AGENT}
        )
    supervisor = account("superviseur")
    for service in Service.objects.all():
        Membership.objects.update_or_create(
            user=supervisor, service=service, defaults={"role": Membership.Role.SUPERVISOR}
        )
    account("admin", is_staff=True, is_superuser=True)
    return names


DEMO_ANSWERS = [
    (False, "Le trou est toujours là, côté numéros pairs."),
    (False, ""),
    (True, "Merci, c'est parfait."),
    (True, ""),
]


def load_feedback() -> int:
    """Residents' answers to "is it fixed?" on the latest resolved demo signals, so that the
    queue's "contested" filter has something to show. Safe to run again."""
    if Feedback.objects.exists():
        return 0
    recent = Signal.objects.filter(source=Signal.Source.DEMO, status=State.RESOLVED).order_by(
        "-updated_at"
    )
    created = 0
    for signal, (is_fixed, comment) in zip(recent, DEMO_ANSWERS, strict=False):
        resolution = latest_resolution(signal)
        Feedback.objects.create(
            signal=signal,
            resolution=resolution,
            giver=hashlib.sha256(f"demo-{signal.pk}".encode()).hexdigest(),
            from_reporter=True,
            is_fixed=is_fixed,
            awaiting_reply=not is_fixed,
            comment=comment,
            created_at=min(timezone.now(), resolution.created_at + timedelta(days=1)),
        )
        created += 1
    return created


def load_assignments() -> int:
    """Give each service's demo agent the service's signals under way (scheduled, in
    progress), so that "assigned to me" and the statistics per agent have something to show.
    Through the history, as an agent's "take it" would be. Safe to run again."""
    if Signal.objects.filter(source=Signal.Source.DEMO, assignee__isnull=False).exists():
        return 0
    User = get_user_model()
    supervisor = User.objects.filter(username="superviseur").first()
    given = 0
    for service in Service.objects.order_by("slug"):
        agent = User.objects.filter(username=f"agent-{service.slug}").first()
        if agent is None:
            continue
        under_way = Signal.objects.filter(
            source=Signal.Source.DEMO,
            service=service,
            status__in=[State.SCHEDULED, State.IN_PROGRESS],
        )
        StatusChange.objects.bulk_create(
            StatusChange(
                signal=signal,
                kind=StatusChange.Kind.ASSIGNMENT,
                from_state=signal.status,
                to_state=signal.status,
                actor=supervisor,
                assignee=agent,
                created_at=signal.updated_at,
            )
            for signal in under_way
        )
        given += under_way.update(assignee=agent)
    return given
