"""E-mails to residents: the reporter's acknowledgement of a new signal, and the
reporter's and the confirmed followers' news on every public status change, each
written in the language its recipient used on the site.

Transactional outbox: the mails are written as `OutgoingMail` rows inside the
transaction of the change (so they exist if and only if the change committed),
then sent once it commits; in a request, once its response has gone
(`workflow.middleware.MailsAfterResponseMiddleware`), so that nobody waits for the
mail server. A mail server that is down costs nothing but a
delay: the rows stay pending and `manage.py send_pending_mail`, run by a timer,
sends them later. Sending never raises into the request that made the change.
"""

import contextlib
import logging
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from signals.languages import mail_language
from signals.links import absolute_url
from signals.models import Signal
from signals.unsubscribe import (
    follower_token,
    reporter_token,
    unsubscribe_headers,
    unsubscribe_url,
)
from workflow.assignment import display_name
from workflow.feedback import feedback_url
from workflow.models import OutgoingMail, ReporterOptOut, StaffSettings, StatusChange
from workflow.states import State

logger = logging.getLogger(__name__)

# After this many failed attempts a mail is left for a human to look at.
MAX_ATTEMPTS = 10


def public_signal_url(signal) -> str:
    # The residents' page of a signal (publicmap).
    return absolute_url(f"/signalements/{signal.reference}/")


def recipients(signal) -> list[tuple[str, str, str]]:
    """(e-mail, unsubscribe token, language) of everyone to tell, the reporter first, each
    once."""
    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    if signal.reporter_email and not ReporterOptOut.objects.filter(signal=signal).exists():
        found.append(
            (
                signal.reporter_email,
                reporter_token(signal),
                mail_language(signal.reporter_language),
            )
        )
        seen.add(signal.reporter_email.lower())
    for follower in signal.followers.filter(confirmed_at__isnull=False).order_by("id"):
        if follower.email.lower() not in seen:
            found.append(
                (follower.email, follower_token(follower), mail_language(follower.language))
            )
            seen.add(follower.email.lower())
    return found


# Inside a request (workflow.middleware): the ids of the mails its commits wrote, sent once
# its response is on its way rather than before it.
_held_for_response: ContextVar[list[int] | None] = ContextVar("mails_held", default=None)


@contextlib.contextmanager
def held_until_response():
    """Mails committed inside the block are not sent at commit but listed in the yielded
    list, for the caller to send once the response is out (`mails_send(ids=...)`)."""
    held: list[int] = []
    token = _held_for_response.set(held)
    try:
        yield held
    finally:
        _held_for_response.reset(token)


def _send_committed(ids: list[int]) -> None:
    held = _held_for_response.get()
    if held is not None:
        held.extend(ids)
    else:  # a command, a shell, a test outside any request: at once
        mails_send(ids=ids, inline=True)


def queue_mails(mails: list[OutgoingMail]) -> list[OutgoingMail]:
    """Store `mails` in the outbox (inside the caller's transaction); send them once it
    commits, or after the response of the request that committed it."""
    mails = OutgoingMail.objects.bulk_create(mails)
    if mails:
        ids = [mail.pk for mail in mails]
        transaction.on_commit(lambda: _send_committed(ids))
    return mails


def resident_mail(*, signal, to: str, template: str, context: dict) -> OutgoingMail:
    """An unsaved mail to a resident from `<template>_subject.txt` and `<template>_body.txt`,
    rendered in the active language, with the stop link `context["unsubscribe_url"]`."""
    subject = render_to_string(f"{template}_subject.txt", context)
    return OutgoingMail(
        signal=signal,
        to=to,
        subject=" ".join(subject.split())[:255],
        body=render_to_string(f"{template}_body.txt", context),
        unsubscribe_url=context.get("unsubscribe_url", ""),
    )


def staff_mail(
    *, to: str, template: str, context: dict, signal=None, language: str = ""
) -> OutgoingMail:
    """An unsaved mail to a service or an agent from `<template>_subject.txt` and
    `<template>_body.txt`, in `language` (an agent's choice, `staff_language`), else the
    site's."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context)
        return OutgoingMail(
            signal=signal,
            to=to,
            subject=" ".join(subject.split())[:255],
            body=render_to_string(f"{template}_body.txt", context),
        )


def staff_language(user) -> str:
    """The language `user` chose for their mails on their account page; "" for the site's."""
    chosen = StaffSettings.objects.filter(user=user).values_list("mail_language", flat=True)
    return chosen.first() or ""


def acknowledgement_queue(*, signal) -> list[OutgoingMail]:
    """Tell the reporter their new signal was received, with its reference, the service in
    charge and its page (call inside the creation's transaction; sent on commit)."""
    if not signal.reporter_email:
        return []
    token = reporter_token(signal)
    with translation.override(mail_language(signal.reporter_language)):
        mail = resident_mail(
            signal=signal,
            to=signal.reporter_email,
            template="workflow/mail/received",
            context={
                "signal": signal,
                "signal_url": public_signal_url(signal),
                "my_signals_url": absolute_url(reverse("publicmap:my-signals-ask")),
                "unsubscribe_url": unsubscribe_url(token=token),
            },
        )
    return queue_mails([mail])


def status_change_queue(*, change: StatusChange) -> list[OutgoingMail]:
    """Write the mails announcing `change` (call inside its transaction); send them on commit."""
    if not change.is_public_status_change:
        return []
    signal = change.signal
    mails = []
    for email, token, language in recipients(signal):
        with translation.override(language):
            context = {
                "signal": signal,
                "status_label": State(change.to_state).label,
                "message": change.message,
                "planned_for": change.planned_for,
                "duplicate_of": change.duplicate_of,
                "signal_url": public_signal_url(signal),
                "original_url": public_signal_url(change.duplicate_of)
                if change.duplicate_of
                else "",
                "unsubscribe_url": unsubscribe_url(token=token),
                # Each recipient's own link: one answer per person (workflow.feedback).
                "feedback_url": feedback_url(token=token)
                if change.to_state == State.RESOLVED
                else "",
            }
            mails.append(
                resident_mail(
                    signal=signal, to=email, template="workflow/mail/status", context=context
                )
            )
    return queue_mails(mails)


def mails_send(
    *, ids: list[int] | None = None, limit: int = 500, inline: bool = False
) -> tuple[int, int]:
    """Send pending mails (these ids, or the oldest pending ones); returns (sent, failed).

    Never raises: a failure is recorded on the row and retried later. `inline`: sent from
    the request that committed them, which a silent server may hold EMAIL_INLINE_TIMEOUT
    seconds at most, instead of the timer's EMAIL_TIMEOUT.
    """
    pending = OutgoingMail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    sent = failed = 0
    try:
        timeout = {"timeout": settings.EMAIL_INLINE_TIMEOUT} if inline else {}
        connection = get_connection(fail_silently=False, **timeout)
        connection.open()
    except Exception as error:  # any backend error (socket, auth, TLS) means: try later
        logger.warning("Mail server unavailable, mails stay queued: %s", error)
        OutgoingMail.objects.filter(pk__in=pending.values("pk")[:limit]).update(
            attempts=F("attempts") + 1, last_error=str(error)[:2000]
        )
        return 0, pending.count()
    try:
        for mail_id in pending.order_by("created_at", "id").values_list("pk", flat=True)[:limit]:
            outcome = _send_one(mail_id, connection)
            sent += outcome is True
            failed += outcome is False
    finally:
        try:
            connection.close()
        except Exception:  # closing a broken connection must not turn a retry into an error
            logger.debug("Closing the mail connection failed", exc_info=True)
    return sent, failed


def mails_forget(*, before) -> int:
    """Delete the mails sent, or given up after MAX_ATTEMPTS, before a date; returns how
    many. The outbox is for delivery, not an archive: each row holds a resident's address,
    and their stop and feedback links. Mails still being tried stay."""
    done = Q(sent_at__lt=before) | Q(sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS)
    return OutgoingMail.objects.filter(done, created_at__lt=before).delete()[0]


def _send_one(mail_id: int, connection) -> bool | None:
    """Send one pending mail: True if sent, False if it failed, None if another sender has it.

    The row stays locked while the server takes the mail, so that two senders at
    once (the timer's run and a transition's on-commit send) never both send it.
    """
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, sent_at__isnull=True)
            .first()
        )
        if mail is None:
            return None
        message = EmailMessage(
            subject=mail.subject,
            body=mail.body,
            to=[mail.to],
            connection=connection,
            headers=unsubscribe_headers(url=mail.unsubscribe_url)
            if mail.unsubscribe_url
            else {"Auto-Submitted": "auto-generated"},
        )
        try:
            message.send()
        except Exception as error:  # recorded and retried, never raised into a transition
            logger.warning("Mail %s not sent, will retry: %s", mail.pk, error)
            OutgoingMail.objects.filter(pk=mail.pk).update(
                attempts=F("attempts") + 1, last_error=str(error)[:2000]
            )
            return False
        OutgoingMail.objects.filter(pk=mail.pk).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
        return True


def contested_queue(*, feedback) -> OutgoingMail | None:
    """Tell the signal's service that a resident says it is not fixed (call inside the
    answer's transaction; sent on commit). Nothing when the service has no address."""
    signal = feedback.signal
    service = signal.service
    if service is None or not service.email:
        return None
    context = {
        "signal": signal,
        "feedback": feedback,
        "staff_url": absolute_url(reverse("workflow:signal", args=[signal.reference])),
    }
    mail = staff_mail(
        to=service.email, template="workflow/mail/contested", context=context, signal=signal
    )
    return queue_mails([mail])[0]


def assignment_queue(*, signals, assignee, actor) -> OutgoingMail | None:
    """Tell an agent that a colleague gave them `signals` (call inside the assignment's
    transaction; sent on commit): one mail for one or many, in the site's language, with
    each signal's staff page. Nothing when they took it themselves, when it was given to
    nobody, when they have no address, or when they asked for none (their account page)."""
    if assignee is None or not assignee.email or (actor is not None and actor.pk == assignee.pk):
        return None
    chosen = StaffSettings.objects.filter(user=assignee).first()
    if chosen is not None and not chosen.mail_when_assigned:
        return None
    context = {
        "assignee": assignee,
        "actor_name": display_name(actor) if actor is not None else "",
        "signals": [
            (signal, absolute_url(reverse("workflow:signal", args=[signal.reference])))
            for signal in Signal.objects.filter(pk__in=[s.pk for s in signals])
            .select_related("category__parent")
            .order_by("created_at", "id")
        ],
        "count": len(signals),
        "mine_url": absolute_url(reverse("workflow:queue") + "?assignee=me"),
    }
    mail = staff_mail(
        to=assignee.email,
        template="workflow/mail/assigned",
        context=context,
        signal=signals[0] if len(signals) == 1 else None,
        language=chosen.mail_language if chosen is not None else "",
    )
    return queue_mails([mail])[0]


def service_new_signal_queue(
    *,
    signal,
    arrival: str = "reported",
    actor=None,
    reason: str = "",
    photos: int | None = None,
) -> OutgoingMail | None:
    """Tell a service that works from its mailbox (`Service.mail_each_signal`) that a signal
    is now theirs: `arrival` is "reported", "transferred" (with the `reason`) or "rerouted"
    (a category change). Call inside the change's transaction; sent on commit. The reporter's
    address is not in it: a team mailbox is read by many."""
    service = signal.service
    if service is None or not service.mail_each_signal or not service.email:
        return None
    context = {
        "signal": signal,
        "service": service,
        "arrival": arrival,
        "actor_name": display_name(actor) if actor is not None else "",
        "reason": reason,
        # The creation knows how many it just stored; a transfer counts them.
        "photos": signal.photos.count() if photos is None else photos,
        "staff_url": absolute_url(reverse("workflow:signal", args=[signal.reference])),
    }
    mail = staff_mail(
        to=service.email, template="workflow/mail/new_signal", context=context, signal=signal
    )
    return queue_mails([mail])[0]


def question_queue(*, question, url: str) -> OutgoingMail:
    """Mail a service's question to the reporter, in their language, with the link to
    answer it (call inside the question's transaction; sent on commit)."""
    signal = question.signal
    with translation.override(mail_language(signal.reporter_language)):
        mail = resident_mail(
            signal=signal,
            to=signal.reporter_email,
            template="workflow/mail/question",
            context={
                "signal": signal,
                "question": question,
                "answer_url": url,
                "signal_url": public_signal_url(signal),
                "unsubscribe_url": unsubscribe_url(token=reporter_token(signal)),
            },
        )
    return queue_mails([mail])[0]


def answer_queue(*, question) -> OutgoingMail | None:
    """Tell the agent who asked (or, when they cannot be reached, the service's address)
    that the reporter answered. The answer is in the mail: that is what they waited for."""
    signal = question.signal
    asker = question.asked_by
    language = ""
    if asker is not None and asker.is_active and asker.email:
        to, to_service = asker.email, False
        language = staff_language(asker)
    elif signal.service is not None and signal.service.email:
        to, to_service = signal.service.email, True
    else:
        return None
    context = {
        "signal": signal,
        "question": question,
        "to_service": to_service,
        "staff_url": absolute_url(reverse("workflow:signal", args=[signal.reference])),
    }
    mail = staff_mail(
        to=to, template="workflow/mail/answered", context=context, signal=signal, language=language
    )
    return queue_mails([mail])[0]
