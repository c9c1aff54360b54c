from django.core.management.base import BaseCommand

from workflow.notifications import mails_send


class Command(BaseCommand):
    help = (
        "Send the notification e-mails still pending (mail server down at the time of the "
        "change). Meant to run every few minutes from a timer (cron, systemd)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Most mails sent per run.")

    def handle(self, *args, **options):
        sent, failed = mails_send(limit=options["limit"])
        self.stdout.write(f"{sent} sent, {failed} still pending.")
        if failed:
            # Non-zero so that the timer's logs show the mail server is still failing.
            raise SystemExit(1)
