"""The one way a signal changes status."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from signals.models import Signal
from workflow.models import StatusChange
from workflow.states import CLOSED, State, allowed_from


class TransitionNotAllowed(ValueError):
    def __init__(self, current: str, to: str):
        self.current, self.to = current, to
        self.allowed = sorted(allowed_from(current))
        names = ", ".join(self.allowed) or _("none")
        super().__init__(
            _("A signal cannot go from “%(current)s” to “%(to)s”. Allowed: %(allowed)s.")
            % {"current": current, "to": to, "allowed": names}
        )


class StaleSignal(Exception):
    """The signal changed since the caller read it: a conflict, not an overwrite."""


def signal_transition(
    *,
    signal: Signal,
    to: str,
    actor=None,
    message: str = "",
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Signal:
    to = State(to)
    now = at or timezone.now()
    with transaction.atomic():
        locked = Signal.objects.select_for_update().get(pk=signal.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleSignal
        if to not in allowed_from(locked.status):
            raise TransitionNotAllowed(locked.status, to)
        StatusChange.objects.create(
            signal=locked,
            from_state=locked.status,
            to_state=to,
            actor=actor,
            message=message.strip(),
            note=note.strip(),
            created_at=now,
        )
        locked.status = to
        locked.updated_at = now
        locked.closed_at = now if to in CLOSED else None
        locked.version += 1
        locked.save(update_fields=["status", "updated_at", "closed_at", "version"])
    return locked
