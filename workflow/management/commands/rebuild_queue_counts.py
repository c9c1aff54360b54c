from django.core.management.base import BaseCommand

from workflow import queue_counts


class Command(BaseCommand):
    help = (
        "Recount the triage queue's counts per service, category and status from the "
        "signals. Needed after a bulk load that bypassed the trigger."
    )

    def handle(self, *args, **options):
        queue_counts.rebuild()
        self.stdout.write(self.style.SUCCESS("Queue counts recounted."))
