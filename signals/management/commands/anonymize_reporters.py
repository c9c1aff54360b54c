from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from signals.followers import UNCONFIRMED_DAYS, followers_forget_unconfirmed
from signals.resident_links import resident_links_forget
from signals.services import signals_anonymize_reporters
from workflow.notifications import mails_forget


class Command(BaseCommand):
    help = (
        "Erase reporters' e-mails (and followers) of signals closed more than "
        "REPORTER_EMAIL_RETENTION_DAYS days ago; the signals and their public history stay. "
        "Also deletes the mails sent more than MAIL_RETENTION_DAYS days ago and the expired "
        "'Mes signalements' links. Meant to run daily (cron, systemd timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days after closure (default: the REPORTER_EMAIL_RETENTION_DAYS setting).",
        )

    def handle(self, *args, **options):
        days = (
            settings.REPORTER_EMAIL_RETENTION_DAYS if options["days"] is None else options["days"]
        )
        if days < 0:
            raise CommandError("--days must be zero or more.")
        count = signals_anonymize_reporters(closed_before=timezone.now() - timedelta(days=days))
        self.stdout.write(
            f"{count} signal(s) closed more than {days} day(s) ago: reporter e-mail erased."
        )
        # The expired "Mes signalements" links, and the addresses they hold.
        self.stdout.write(f"{resident_links_forget()} expired link(s) to residents' lists deleted.")
        self.stdout.write(
            f"{followers_forget_unconfirmed()} follower(s) unconfirmed for "
            f"{UNCONFIRMED_DAYS} days deleted."
        )
        mail_days = settings.MAIL_RETENTION_DAYS
        forgotten = mails_forget(before=timezone.now() - timedelta(days=mail_days))
        self.stdout.write(f"{forgotten} mail(s) sent more than {mail_days} day(s) ago deleted.")
