"""The states a signal goes through, and which moves between them are allowed.

This table is the whole workflow: `signal_transition` refuses anything not in
it. Labels are the ones Paris's Dans ma rue shows residents.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("To do")
    SCHEDULED = "scheduled", _("Service scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("Under watch")
    RESOLVED = "resolved", _("Done")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


ALLOWED: dict[State, frozenset[State]] = {
    State.NEW: frozenset({State.ACCEPTED, State.REJECTED, State.DUPLICATE}),
    State.ACCEPTED: frozenset(
        {
            State.SCHEDULED,
            State.IN_PROGRESS,
            State.ON_HOLD,
            State.RESOLVED,
            State.REJECTED,
            State.DUPLICATE,
        }
    ),
    State.SCHEDULED: frozenset({State.IN_PROGRESS, State.ON_HOLD, State.RESOLVED, State.REJECTED}),
    State.IN_PROGRESS: frozenset({State.ON_HOLD, State.RESOLVED, State.REJECTED}),
    State.ON_HOLD: frozenset({State.ACCEPTED, State.SCHEDULED, State.RESOLVED, State.REJECTED}),
    State.RESOLVED: frozenset({State.ACCEPTED}),
    State.REJECTED: frozenset({State.ACCEPTED}),
    State.DUPLICATE: frozenset({State.ACCEPTED}),
}

CLOSED: frozenset[State] = frozenset({State.RESOLVED, State.REJECTED, State.DUPLICATE})
OPEN: frozenset[State] = frozenset(State) - CLOSED


def allowed_from(state: str) -> frozenset[State]:
    return ALLOWED[State(state)]
