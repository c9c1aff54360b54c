"""Residents' answers to "is it fixed?" once a signal is resolved, and the agents' view.

The "resolved" e-mail asks each recipient (the reporter, the confirmed followers)
through a link that carries their own token, the one that also stops their mails
(signals.unsubscribe). A "no" puts the signal in the services' "contested" list
until an agent acts on it: reopens it, or writes why it stays resolved (any
transition, transfer, category change or comment clears it). Nothing reopens by
itself: a resident's "no" may be about another problem at the same place.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from signals.links import absolute_url
from signals.models import Photo, Signal
from signals.photos import CleanPhoto
from signals.storage import atomic_with_files, photos_delete
from signals.unsubscribe import Recipient, recipient_for_token
from workflow.models import Feedback, StatusChange
from workflow.states import State

COMMENT_MAX_LENGTH = 2000


class FeedbackClosed(Exception):
    """The signal is not resolved now, or was resolved too long ago to ask."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "not_resolved" or "too_late"


@dataclass(frozen=True)
class FeedbackRequest:
    """What a feedback link asks about: whose answer, on which resolution."""

    recipient: Recipient
    resolution: StatusChange
    giver: str
    previous: Feedback | None

    @property
    def signal(self) -> Signal:
        return self.recipient.signal


def feedback_url(*, token: str) -> str:
    path = reverse("publicmap:feedback", kwargs={"token": token})
    return absolute_url(path)


def _giver(token: str) -> str:
    # A digest, not the token: the table never holds a working link.
    return hashlib.sha256(token.encode()).hexdigest()


def latest_resolution(signal: Signal) -> StatusChange | None:
    """The move to `resolved` that the signal is in now, or None if it is not resolved."""
    if signal.status != State.RESOLVED:
        return None
    return (
        signal.history.filter(kind=StatusChange.Kind.STATUS, to_state=State.RESOLVED)
        .order_by("-created_at", "-id")
        .first()
    )


def current_resolution_id(signal: Signal, history=None) -> int | None:
    """The id of the move to `resolved` the signal is in now, from `history` (its rows as
    already read) or its prefetched history; None if it is not resolved."""
    if signal.status != State.RESOLVED:
        return None
    rows = signal.history.all() if history is None else history
    moves = [row for row in rows if row.kind == StatusChange.Kind.STATUS]
    latest = max(moves, key=lambda row: (row.created_at, row.id), default=None)
    return latest.id if latest is not None and latest.to_state == State.RESOLVED else None


def feedback_request(*, token: str) -> FeedbackRequest | None:
    """What the link with `token` asks about; None for a link that names nobody.

    Raises `FeedbackClosed` when the question is no longer open."""
    recipient = recipient_for_token(token=token)
    if recipient is None:
        return None
    resolution = latest_resolution(recipient.signal)
    if resolution is None:
        raise FeedbackClosed("not_resolved")
    if resolution.created_at < timezone.now() - timedelta(days=settings.FEEDBACK_DAYS):
        raise FeedbackClosed("too_late")
    giver = _giver(token)
    previous = Feedback.objects.filter(resolution=resolution, giver=giver).first()
    return FeedbackRequest(recipient, resolution, giver, previous)


def feedback_give(
    *,
    request: FeedbackRequest,
    is_fixed: bool,
    comment: str = "",
    photo: CleanPhoto | None = None,
) -> Feedback:
    """Store the answer, replacing this recipient's earlier one on the same resolution.

    A new photo replaces the earlier answer's; an answer without one keeps it (a browser
    cannot send back a file it was given)."""
    # Imported here: the notifications put this module's links in their mails.
    from workflow.notifications import contested_queue

    was_awaiting = request.previous is not None and request.previous.awaiting_reply
    with atomic_with_files():  # a rollback also removes the photo's file
        # Two answers sent at once leave one row: the unique (resolution, giver) makes the
        # second INSERT fail, and update_or_create then updates the row the first one wrote.
        feedback, _ = Feedback.objects.update_or_create(
            resolution=request.resolution,
            giver=request.giver,
            defaults={
                "signal": request.signal,
                "from_reporter": request.recipient.is_reporter,
                "is_fixed": is_fixed,
                "awaiting_reply": not is_fixed,
                "comment": comment.strip(),
                "created_at": timezone.now(),
            },
        )
        if photo is not None:
            feedback.photo = answer_photo_store(
                signal_id=request.signal.pk, photo=photo, replacing=feedback.photo_id
            )
            feedback.save(update_fields=["photo"])
        # The service hears of a "no" once, until an agent has answered it.
        if not is_fixed and not was_awaiting:
            contested_queue(feedback=feedback)
    return feedback


def answer_photo_store(*, signal_id: int, photo: CleanPhoto, replacing: int | None) -> Photo:
    """Store the photo a resident sent with an answer ("not fixed", or to a service's
    question): private, for the services only. The photo it replaces, if any, goes with its
    file (on commit; call inside `atomic_with_files`)."""
    stored = Photo.objects.create(
        signal_id=signal_id, image=photo.content, kind=Photo.Kind.FEEDBACK, is_public=False
    )
    if replacing is not None:
        photos_delete(Photo.objects.filter(pk=replacing))
    return stored


def feedback_acknowledge(signal: Signal) -> None:
    """An agent acted on `signal`: its "not fixed" answers are answered (call it in the
    action's transaction). One statement on a partial index that holds a handful of rows."""
    Feedback.objects.filter(signal_id=signal.pk, awaiting_reply=True).update(awaiting_reply=False)


def contested(queryset: QuerySet[Signal]) -> QuerySet[Signal]:
    """The signals of `queryset` resolved now and said not fixed by a resident since the
    last agent's action on them.

    Read from the answers awaiting a reply (a partial index of a few rows) to the signals,
    not the other way: a service has hundreds of thousands of resolved signals."""
    awaiting = Feedback.objects.filter(awaiting_reply=True).values("signal_id")
    return queryset.filter(status=State.RESOLVED, pk__in=awaiting)


def contested_among(signals: list[Signal]) -> set[int]:
    """The ids of those of `signals` (a page of the queue) that are contested; no query when
    none of them is resolved."""
    resolved = [signal.pk for signal in signals if signal.status == State.RESOLVED]
    if not resolved:
        return set()
    return set(
        Feedback.objects.filter(awaiting_reply=True, signal_id__in=resolved).values_list(
            "signal_id", flat=True
        )
    )
