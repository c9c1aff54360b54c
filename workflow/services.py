"""The one way a signal changes status, is transferred, re-categorised, assigned or
commented.

Every write follows the same shape: atomic → select_for_update → validate →
write (history row, bumped version) → side effects on commit.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo.models import Service
from geo.routing import OutsideTerritory, service_for_point
from signals.models import Category, Follower, Photo, Signal
from signals.photos import CleanPhoto
from signals.storage import atomic_with_files
from workflow import notifications
from workflow.assignment import assignable_to
from workflow.awaiting import residents_heard
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
        self.errors = {"to": [str(self)]}


class InvalidAction(ValueError):
    """The action is allowed but its input is not: a message per field."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class StaleSignal(Exception):
    """The signal changed since the caller read it: a conflict, not an overwrite."""

    def __str__(self) -> str:
        return _(
            "Someone else changed this signal in the meantime. Reload it to see the "
            "change, then try again."
        )


def _lock(signal: Signal, expected_version: int | None) -> Signal:
    locked = Signal.objects.select_for_update().get(pk=signal.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleSignal
    return locked


def _touch(
    signal: Signal, now: datetime, fields: Iterable[str] = (), *, answers_residents: bool = True
) -> None:
    signal.updated_at = now
    signal.version += 1
    signal.save(update_fields=["updated_at", "version", *fields])
    # An agent's action on the signal answers the residents' "not fixed" and the reporter's
    # answers (workflow.awaiting); an assignment does not (workflow.assignment).
    if answers_residents:
        residents_heard(signal)


def _check_rules(
    *,
    signal: Signal,
    to: State,
    message: str,
    note: str,
    duplicate_of: Signal | None,
    planned_for: date | None,
) -> None:
    """What each target state needs on top of being allowed by the table."""
    errors: dict[str, list[str]] = {}
    if to == State.REJECTED and not message:
        errors["message"] = [_("Give the public a reason for rejecting this signal.")]
    if to == State.DUPLICATE:
        if duplicate_of is None:
            errors["duplicate_of"] = [_("Give the reference of the original signal.")]
        elif duplicate_of.pk == signal.pk:
            errors["duplicate_of"] = [_("A signal cannot be a duplicate of itself.")]
        elif duplicate_of.status == State.DUPLICATE:
            errors["duplicate_of"] = [
                _("%(reference)s is itself a duplicate: point at its original.")
                % {"reference": duplicate_of.reference}
            ]
    if to == State.SCHEDULED and planned_for is None:
        errors["planned_for"] = [_("Give the planned date of the intervention.")]
    if signal.status in CLOSED and to == State.ACCEPTED and not (message or note):
        errors["message"] = [_("Say why this signal is reopened.")]
    if errors:
        raise InvalidAction(errors)


def _move_followers(*, duplicate: Signal, original: Signal) -> None:
    """The original gains the duplicate's followers, and its reporter as a follower."""
    known = set(original.followers.values_list("email", flat=True))
    if original.reporter_email:
        known.add(original.reporter_email)
    now = timezone.now()
    gained = []
    for follower in duplicate.followers.filter(confirmed_at__isnull=False):
        if follower.email not in known:
            gained.append(
                Follower(
                    signal=original,
                    email=follower.email,
                    language=follower.language,
                    confirmed_at=now,
                )
            )
            known.add(follower.email)
    # The reporter gave their e-mail to be kept informed; the original is where news will be.
    if duplicate.reporter_email and duplicate.reporter_email not in known:
        gained.append(
            Follower(
                signal=original,
                email=duplicate.reporter_email,
                language=duplicate.reporter_language,
                confirmed_at=now,
            )
        )
    Follower.objects.bulk_create(gained, ignore_conflicts=True)


def signal_transition(
    *,
    signal: Signal,
    to: str,
    actor=None,
    message: str = "",
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
    duplicate_of: Signal | None = None,
    planned_for: date | None = None,
    after_photo: CleanPhoto | None = None,
) -> Signal:
    """Move `signal` to `to`, if the table allows it and the target's rules are met.

    Raises `StaleSignal` (someone changed it since `expected_version`),
    `TransitionNotAllowed` (not in the table) or `InvalidAction` (a rule of the
    target state is not met); in every case nothing is written.
    """
    try:
        to = State(to)
    except ValueError:
        raise InvalidAction({"to": [_("Unknown status “%(to)s”.") % {"to": to}]}) from None
    message, note = message.strip(), note.strip()
    with atomic_with_files():  # a rollback also removes the "after" photo's file
        locked = _lock(signal, expected_version)
        # Stamped once the lock is held, not before: a transition that waited for another
        # is then dated after it, and the history (ordered by time) shows the real order.
        now = at or timezone.now()
        if to not in allowed_from(locked.status):
            raise TransitionNotAllowed(locked.status, to)
        _check_rules(
            signal=locked,
            to=to,
            message=message,
            note=note,
            duplicate_of=duplicate_of,
            planned_for=planned_for,
        )
        change = StatusChange.objects.create(
            signal=locked,
            from_state=locked.status,
            to_state=to,
            actor=actor,
            message=message,
            note=note,
            planned_for=planned_for if to == State.SCHEDULED else None,
            duplicate_of=duplicate_of if to == State.DUPLICATE else None,
            created_at=now,
        )
        if to == State.DUPLICATE:
            _move_followers(duplicate=locked, original=duplicate_of)
        if to == State.RESOLVED and after_photo is not None:
            Photo.objects.create(signal=locked, image=after_photo.content, kind=Photo.Kind.AFTER)
        locked.status = to
        locked.closed_at = now if to in CLOSED else None
        _touch(locked, now, ["status", "closed_at"])
        notifications.status_change_queue(change=change)
    return locked


def signal_transfer(
    *,
    signal: Signal,
    service: Service,
    actor=None,
    reason: str,
    expected_version: int | None = None,
) -> Signal:
    """Hand a signal over to another service; the reason stays internal."""
    reason = reason.strip()
    with transaction.atomic():
        locked = _lock(signal, expected_version)
        errors: dict[str, list[str]] = {}
        if not reason:
            errors["reason"] = [_("Say why this signal goes to another service.")]
        if not service.is_active:
            errors["service"] = [_("This service is not active.")]
        elif service.pk == locked.service_id:
            errors["service"] = [_("This signal is already handled by this service.")]
        if errors:
            raise InvalidAction(errors)
        StatusChange.objects.create(
            signal=locked,
            kind=StatusChange.Kind.TRANSFER,
            from_state=locked.status,
            to_state=locked.status,
            actor=actor,
            note=reason,
            from_service_id=locked.service_id,
            to_service=service,
        )
        locked.service = service
        locked.routing_method = Signal.RoutingMethod.MANUAL
        locked.routing_distance_m = None
        locked.assignee = None  # an agent of the former service
        _touch(
            locked,
            timezone.now(),
            ["service", "routing_method", "routing_distance_m", "assignee"],
        )
        notifications.service_new_signal_queue(
            signal=locked, arrival="transferred", actor=actor, reason=reason
        )
    return locked


def signal_change_category(
    *,
    signal: Signal,
    category: Category,
    actor=None,
    note: str = "",
    expected_version: int | None = None,
) -> Signal:
    """Re-categorise a signal and route it again: the new category may be another service's."""
    with transaction.atomic():
        locked = _lock(signal, expected_version)
        if not category.is_active or category.children.exists():
            raise InvalidAction({"category": [_("Choose an active sub-category.")]})
        if category.pk == locked.category_id:
            raise InvalidAction({"category": [_("This signal already has this category.")]})
        try:
            route = service_for_point(point=locked.location, category=category)
        except OutsideTerritory:
            raise InvalidAction(
                {"category": [_("No service handles this category at this place.")]}
            ) from None
        StatusChange.objects.create(
            signal=locked,
            kind=StatusChange.Kind.CATEGORY,
            from_state=locked.status,
            to_state=locked.status,
            actor=actor,
            note=(
                _("Category: %(old)s → %(new)s.") % {"old": locked.category, "new": category}
                + (f"\n{note.strip()}" if note.strip() else "")
            ),
            from_service_id=locked.service_id,
            to_service=route.service,
        )
        rerouted = route.service.pk != locked.service_id
        if rerouted:
            locked.assignee = None  # an agent of the former service
        locked.category = category
        locked.service = route.service
        locked.routing_method = route.method
        locked.routing_distance_m = route.distance_m
        _touch(
            locked,
            timezone.now(),
            ["category", "service", "routing_method", "routing_distance_m", "assignee"],
        )
        if rerouted:
            notifications.service_new_signal_queue(signal=locked, arrival="rerouted", actor=actor)
    return locked


def signal_comment(*, signal: Signal, actor=None, note: str) -> StatusChange:
    """An internal note in the history; it does not conflict with concurrent changes."""
    note = note.strip()
    if not note:
        raise InvalidAction({"note": [_("Write a comment.")]})
    # Not a change of the signal: no version bump, so a comment never makes
    # a colleague's pending action a conflict. It does answer a resident's "not fixed":
    # the agent wrote why the signal stays resolved.
    with transaction.atomic():
        residents_heard(signal)
        return StatusChange.objects.create(
            signal=signal,
            kind=StatusChange.Kind.COMMENT,
            from_state=signal.status,
            to_state=signal.status,
            actor=actor,
            note=note,
        )


def signal_assign(
    *,
    signal: Signal,
    assignee,
    actor=None,
    expected_version: int | None = None,
    notify: bool = True,
) -> Signal:
    """Give `signal` to `assignee` (a member of its service), or to nobody (None).

    An agent given a signal by someone else is told by e-mail (`notify`; the bulk action
    sends one mail for all it gave instead)."""
    with transaction.atomic():
        locked = _lock(signal, expected_version)
        if assignee is not None and not assignable_to(locked).filter(pk=assignee.pk).exists():
            raise InvalidAction(
                {"assignee": [_("Choose an active member of the service in charge.")]}
            )
        if locked.assignee_id == (assignee.pk if assignee else None):
            raise InvalidAction(
                {
                    "assignee": [
                        _("This signal is already assigned to this person.")
                        if assignee
                        else _("This signal is assigned to nobody already.")
                    ]
                }
            )
        StatusChange.objects.create(
            signal=locked,
            kind=StatusChange.Kind.ASSIGNMENT,
            from_state=locked.status,
            to_state=locked.status,
            actor=actor,
            assignee=assignee,
        )
        locked.assignee = assignee
        _touch(locked, timezone.now(), ["assignee"], answers_residents=False)
        if notify:
            notifications.assignment_queue(signals=[locked], assignee=assignee, actor=actor)
    return locked


@dataclass
class BulkResult:
    done: list[Signal] = field(default_factory=list)
    # reference → why it was refused
    refused: dict[str, str] = field(default_factory=dict)
    # references that were already as asked (bulk assignment): nothing to do, no error
    unchanged: list[str] = field(default_factory=list)


def _refusal(error: Exception) -> str:
    """Why one signal of a lot was refused, in words for the agent (no field names)."""
    if isinstance(error, InvalidAction):
        return " ".join(str(message) for messages in error.errors.values() for message in messages)
    return str(error)


def signals_bulk_transition(
    *,
    signals: Iterable[tuple[Signal, int | None]],
    to: str,
    actor=None,
    message: str = "",
    note: str = "",
    planned_for: date | None = None,
) -> BulkResult:
    """Apply one transition to many signals; each succeeds or is refused on its own.

    `signals` pairs each signal with the version the agent saw (None: no check).
    A refusal (not allowed from its status, changed meanwhile) leaves that
    signal untouched and is reported; the others still move.
    """
    result = BulkResult()
    for signal, version in signals:
        try:
            result.done.append(
                signal_transition(
                    signal=signal,
                    to=to,
                    actor=actor,
                    message=message,
                    note=note,
                    planned_for=planned_for,
                    expected_version=version,
                )
            )
        except (TransitionNotAllowed, InvalidAction, StaleSignal) as error:
            result.refused[signal.reference] = _refusal(error)
    return result


def signals_bulk_assign(
    *, signals: Iterable[tuple[Signal, int | None]], assignee, actor=None
) -> BulkResult:
    """Give many signals to `assignee` (or to nobody); each succeeds or is refused on its
    own, as `signals_bulk_transition`. Those already with `assignee` are left as they are.
    The assignee, when someone else, gets one e-mail listing what they were given."""
    result = BulkResult()
    target = assignee.pk if assignee is not None else None
    for signal, version in signals:
        if signal.assignee_id == target:
            result.unchanged.append(signal.reference)
            continue
        try:
            result.done.append(
                signal_assign(
                    signal=signal,
                    assignee=assignee,
                    actor=actor,
                    expected_version=version,
                    notify=False,
                )
            )
        except (InvalidAction, StaleSignal) as error:
            result.refused[signal.reference] = _refusal(error)
    if result.done:
        with transaction.atomic():
            notifications.assignment_queue(signals=result.done, assignee=assignee, actor=actor)
    return result
