from django.core.management.base import BaseCommand

from workflow.digests import digests_send


class Command(BaseCommand):
    help = (
        "Write each service's daily digest (new signals, overdue, said not fixed) to its "
        "contact address. Meant to run each morning from a timer (cron, systemd); a service "
        "gets one per day however often it runs."
    )

    def handle(self, *args, **options):
        sent = digests_send()
        for digest in sent:
            self.stdout.write(f"{digest.service.slug}: {digest.new_count} new")
        self.stdout.write(f"{len(sent)} digest(s) written to the outbox.")
