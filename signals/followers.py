"""Residents who follow a signal ("moi aussi"), by e-mail, with a confirmation link.

Nobody learns from the answer whether an address already follows a signal:
subscribing always says "check your e-mail", and the e-mail tells the truth.
Stopping is `signals.unsubscribe`, the same for followers and reporters.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from signals.languages import mail_language
from signals.links import absolute_url
from signals.models import Follower, Signal
from signals.unsubscribe import UnknownToken, follower_token, unsubscribe_url
from workflow import notifications


def _queue_mail(*, follower: Follower, template: str) -> None:
    """Through the outbox (workflow.notifications), as every mail to a resident: a mail
    server that is down delays the mail and never fails the request."""
    signal = follower.signal
    context = {
        "signal": signal,
        "signal_url": absolute_url(
            reverse("publicmap:signal-detail", kwargs={"reference": signal.reference})
        ),
        "confirm_url": absolute_url(
            reverse("publicmap:follow-confirm", kwargs={"token": follower.token})
        ),
        "stop_url": unsubscribe_url(token=follower_token(follower)),
    }
    context["unsubscribe_url"] = context["stop_url"]
    # In the language they asked in, not the one of whoever triggered the mail.
    with translation.override(mail_language(follower.language)):
        mail = notifications.resident_mail(
            signal=signal, to=follower.email, template=f"signals/email/{template}", context=context
        )
    notifications.queue_mails([mail])


def follower_subscribe(*, signal: Signal, email: str, language: str = "") -> Follower:
    """Ask to follow `signal`; the e-mail confirms it (or says it is already confirmed).

    The follower's mails are written in `language`; asking again in another one switches.
    """
    email = email.strip().lower()
    try:
        with transaction.atomic():
            follower, _created = Follower.objects.get_or_create(
                signal=signal, email=email, defaults={"language": language}
            )
    except IntegrityError:
        # Two requests raced on the unique (signal, email): the other one created it.
        follower = Follower.objects.get(signal=signal, email=email)
    if language and follower.language != language:
        follower.language = language
        follower.save(update_fields=["language"])
    template = "follow_already" if follower.confirmed_at else "follow_confirm"
    _queue_mail(follower=follower, template=template)
    return follower


# An address typed on a signal's page and never confirmed is deleted after this many days
# (`anonymize_reporters`): it was never shown to belong to whoever typed it.
UNCONFIRMED_DAYS = 30


def followers_forget_unconfirmed() -> int:
    """Delete the followers never confirmed within UNCONFIRMED_DAYS; returns how many."""
    before = timezone.now() - timedelta(days=UNCONFIRMED_DAYS)
    stale = Follower.objects.filter(confirmed_at__isnull=True, created_at__lt=before)
    return stale.delete()[0]


def follower_confirm(*, token) -> Follower:
    with transaction.atomic():
        follower = (
            Follower.objects.select_for_update()
            .select_related("signal")
            .filter(token=token)
            .first()
        )
        if follower is None:
            raise UnknownToken
        if follower.confirmed_at is None:
            follower.confirmed_at = timezone.now()
            follower.save(update_fields=["confirmed_at"])
    return follower
