"""The services' morning digest: what is new to the service since the last one, and how
many of its signals are overdue or said not fixed by a resident.

A service that does not watch its queue all day (a small commune's technical team, a night
shift) would otherwise learn of a new signal only by opening the queue. The digest goes to
the service's contact address (`Service.email`) when `Service.daily_digest` is on, once per
local day, and only when there is something to say. `manage.py send_service_digests`, run
each morning by the timer, sends them through the outbox.

"New to the service" is reported since the last digest, or transferred to the service, or
routed to it by a category change; and still open (one already closed needs nothing). The
mail holds no reporter's address or internal note: a team mailbox is read by many.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from geo.models import Service
from signals.links import absolute_url
from signals.models import Signal
from workflow.feedback import contested
from workflow.models import OutgoingMail, StatusChange
from workflow.notifications import queue_mails
from workflow.queue import OPEN_VALUES, overdue_only

# The new signals listed one by one; beyond, the mail counts them and links to the queue.
LISTED = 20


@dataclass
class Digest:
    service: Service
    since: datetime
    new: list[Signal]
    new_count: int
    overdue_count: int
    contested_count: int
    open_count: int

    @property
    def has_news(self) -> bool:
        return bool(self.new_count or self.overdue_count or self.contested_count)


def digest_read(service: Service, *, since: datetime, now: datetime) -> Digest:
    """What the digest of `service` says for the period (since, now]."""
    ours = Signal.objects.filter(service=service)
    arrived = (
        StatusChange.objects.filter(to_service=service, created_at__gt=since, created_at__lte=now)
        .exclude(from_service=service)
        .values("signal_id")
    )
    new = ours.filter(status__in=OPEN_VALUES).filter(
        Q(created_at__gt=since, created_at__lte=now) | Q(pk__in=arrived)
    )
    return Digest(
        service=service,
        since=since,
        new=list(new.select_related("category__parent").order_by("created_at", "id")[:LISTED]),
        new_count=new.count(),
        overdue_count=overdue_only(ours, now=now).count(),
        contested_count=contested(ours).count(),
        open_count=ours.filter(status__in=OPEN_VALUES).count(),
    )


def digests_send(*, now: datetime | None = None) -> list[Digest]:
    """Write the digest of every service that gets one and has not had today's; returns
    those with news (mailed on commit). Two runs at once never both mail a service."""
    now = now or timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    due = (
        Service.objects.filter(is_active=True, daily_digest=True)
        .exclude(email="")
        .filter(Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lt=start_of_day))
    )
    sent = []
    for service_id in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            service = due.select_for_update(skip_locked=True).filter(pk=service_id).first()
            if service is None:  # another run has it, or sent it meanwhile
                continue
            # A first digest covers the last day, not the service's whole history.
            since = service.digest_sent_at or now - timedelta(days=1)
            digest = digest_read(service, since=since, now=now)
            service.digest_sent_at = now
            service.save(update_fields=["digest_sent_at"])
            if digest.has_news:
                queue_mails([digest_mail(digest)])
                sent.append(digest)
    return sent


def digest_mail(digest: Digest) -> OutgoingMail:
    """The unsaved mail of a digest, in the site's language (agents')."""
    service = digest.service
    queue = absolute_url(reverse("workflow:queue"))

    def queue_link(**filters) -> str:
        return f"{queue}?{urlencode({'service': service.slug, **filters}, doseq=True)}"

    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "digest": digest,
            "service": service,
            "since": timezone.localtime(digest.since),
            "new": [
                (signal, absolute_url(reverse("workflow:signal", args=[signal.reference])))
                for signal in digest.new
            ],
            "more": digest.new_count - len(digest.new),
            "new_url": queue_link(status=OPEN_VALUES, sort="newest"),
            "overdue_url": queue_link(overdue="on"),
            "contested_url": queue_link(contested="on"),
            "queue_url": queue_link(status=OPEN_VALUES),
        }
        return OutgoingMail(
            to=service.email,
            subject=digest_subject(digest)[:255],
            body=render_to_string("workflow/mail/digest_body.txt", context),
        )


def digest_subject(digest: Digest) -> str:
    """ "Voirie : 5 nouveaux signalements, 3 en retard": the news, in the inbox's list."""
    news = []
    if digest.new_count:
        news.append(
            ngettext("%(count)d new signal", "%(count)d new signals", digest.new_count)
            % {"count": digest.new_count}
        )
    if digest.overdue_count:
        news.append(
            ngettext("%(count)d overdue", "%(count)d overdue", digest.overdue_count)
            % {"count": digest.overdue_count}
        )
    if digest.contested_count:
        news.append(
            ngettext("%(count)d said not fixed", "%(count)d said not fixed", digest.contested_count)
            % {"count": digest.contested_count}
        )
    return _("%(service)s: %(news)s") % {"service": digest.service.name, "news": ", ".join(news)}
