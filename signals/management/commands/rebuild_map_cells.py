from django.core.management.base import BaseCommand

from signals import mapcells


class Command(BaseCommand):
    help = (
        "Recount the map's pre-aggregated cells from the signals. Needed after a bulk load "
        "that bypassed the trigger, or after MAP_CENTER changed (the grid depends on it)."
    )

    def handle(self, *args, **options):
        mapcells.rebuild()
        self.stdout.write(self.style.SUCCESS("Map cells recounted."))
