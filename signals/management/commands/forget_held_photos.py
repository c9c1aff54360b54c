from django.core.management.base import BaseCommand

from signals.held_photos import photos_forget_expired


class Command(BaseCommand):
    help = (
        "Delete the photos kept for a report form sent back without JavaScript once they "
        "are older than an hour. Run it with send_pending_mail's timer."
    )

    def handle(self, *args, **options):
        deleted = photos_forget_expired()
        self.stdout.write(f"{deleted} held photo(s) deleted.")
