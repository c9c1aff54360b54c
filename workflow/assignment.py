"""Who in the service handles a signal: an agent of the service in charge, or nobody.
These are the reads; `workflow.services.signal_assign` writes.

An assignment is internal: a history row for the staff (kind `assignment`), never in a
public output nor in a resident's mail. A signal that goes to another service (transfer,
category change) loses its assignee, who is not of that service. It is not an answer to a
resident's "not fixed" (workflow.feedback): giving the signal to someone is not yet
telling the resident anything.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from signals.models import Signal


def members_of(services) -> QuerySet:
    """The active members of `services` (services or their ids), by name: the queue's
    "assigned to" choices."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__service__in=services)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def assignable_to(signal: Signal) -> QuerySet:
    """Who the signal can be given to: the active members of its service."""
    if signal.service_id is None:
        return get_user_model().objects.none()
    return members_of([signal.service_id])


def display_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""
