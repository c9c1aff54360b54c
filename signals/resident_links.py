""" "Mes signalements": a resident finds every signal they reported or follow, by e-mail.

Residents have no account. A resident types their address; if it reported or follows
anything, it gets a link that lists those signals for `RESIDENT_LINK_DAYS`, each with
its status, its page, its stop link and, once resolved, the "is it fixed?" question.
Whoever opens the link has shown they read that mailbox, which is what the stop links
and the feedback links already rely on.

The page that asks never says whether the address is known (the same answer either way),
and an address that is known to nothing gets no mail: the form cannot be used to send
mail to strangers. The token is random and only its digest is stored; the address never
appears in a URL, so it stays out of access logs and browser histories.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation

from signals.links import absolute_url
from signals.models import Follower, ResidentLink, Signal
from signals.unsubscribe import follower_token, reporter_token
from workflow import notifications
from workflow.models import ReporterOptOut, ReporterQuestion
from workflow.states import OPEN, State

# A page lists this many of each kind, the most recent first: a resident who reported
# more is a service, not a person, and the public list shows everything anyway.
SHOWN = 100


class LinkUnknown(Exception):
    """No such link: mistyped, or deleted once expired."""


class LinkExpired(Exception):
    """The link is older than `RESIDENT_LINK_DAYS`."""


@dataclass(frozen=True)
class ResidentSignal:
    signal: Signal
    stop_path: str
    # The reporter stopped their mails about it (ReporterOptOut).
    stopped: bool = False
    feedback_path: str = ""
    # The service's latest question to the reporter still waiting for an answer.
    question_path: str = ""


@dataclass(frozen=True)
class ResidentSignals:
    reported: list[ResidentSignal]
    followed: list[ResidentSignal]
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(days=settings.RESIDENT_LINK_DAYS)


def _has_signals(email: str) -> bool:
    return (
        Signal.objects.filter(reporter_email=email).exists()
        or Follower.objects.filter(email=email, confirmed_at__isnull=False).exists()
    )


def resident_links_forget() -> int:
    """Delete the expired links (and the addresses they hold); returns how many."""
    expired = ResidentLink.objects.filter(created_at__lt=timezone.now() - _lifetime())
    return expired.delete()[0]


def resident_link_send(*, email: str, language: str) -> bool:
    """Mail `email` a link to its signals, in `language`, if it reported or follows any.

    Returns whether a mail was queued; the page must not tell (see the module's note).
    """
    email = email.strip().lower()
    if not _has_signals(email):
        return False
    token = secrets.token_urlsafe(32)
    url = absolute_url(reverse("publicmap:my-signals", kwargs={"token": token}))
    with transaction.atomic():
        resident_links_forget()
        ResidentLink.objects.create(digest=_digest(token), email=email)
        with translation.override(language):
            mail = notifications.resident_mail(
                signal=None,
                to=email,
                template="signals/email/resident_link",
                context={"url": url, "days": settings.RESIDENT_LINK_DAYS},
            )
        notifications.queue_mails([mail])
    return True


def resident_signals(*, token: str) -> ResidentSignals:
    """What the link `token` lists; raises `LinkUnknown` or `LinkExpired`."""
    link = ResidentLink.objects.filter(digest=_digest(token)).first()
    if link is None:
        raise LinkUnknown
    expires_at = link.created_at + _lifetime()
    if expires_at <= timezone.now():
        raise LinkExpired
    related = ("category", "category__parent", "service")
    reported = list(
        Signal.objects.filter(reporter_email=link.email)
        .select_related(*related)
        .annotate(
            stopped=Exists(ReporterOptOut.objects.filter(signal=OuterRef("pk"))),
            question_waiting=Subquery(
                ReporterQuestion.objects.filter(signal=OuterRef("pk"), answered_at__isnull=True)
                .order_by("-asked_at", "-id")
                .values("pk")[:1]
            ),
        )
        .order_by("-created_at", "-id")[:SHOWN]
    )
    followed = list(
        Follower.objects.filter(email=link.email, confirmed_at__isnull=False)
        .exclude(signal__reporter_email=link.email)
        .select_related(*(f"signal__{name}" for name in related))
        .order_by("-signal__created_at", "-signal_id")[:SHOWN]
    )
    return ResidentSignals(
        reported=[
            _entry(
                signal,
                reporter_token(signal),
                stopped=signal.stopped,
                question=signal.question_waiting if signal.status in OPEN else None,
            )
            for signal in reported
        ],
        followed=[_entry(follower.signal, follower_token(follower)) for follower in followed],
        expires_at=expires_at,
    )


def _entry(
    signal: Signal, token: str, *, stopped: bool = False, question: int | None = None
) -> ResidentSignal:
    asks = signal.status == State.RESOLVED and signal.closed_at is not None
    asks = asks and signal.closed_at > timezone.now() - timedelta(days=settings.FEEDBACK_DAYS)
    return ResidentSignal(
        signal=signal,
        stop_path=reverse("publicmap:follow-stop", kwargs={"token": token}),
        stopped=stopped,
        feedback_path=reverse("publicmap:feedback", kwargs={"token": token}) if asks else "",
        question_path=reverse("publicmap:question", kwargs={"token": token, "number": question})
        if question
        else "",
    )
