from django.core.management.base import BaseCommand

from signals.demo import load_categories, load_signals, load_territory
from workflow.demo import load_assignments, load_feedback, load_staff


class Command(BaseCommand):
    help = "Load the demo city (categories, services, sectors, signals). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--signals", type=int, default=300, help="Demo signals to create the first time."
        )

    def handle(self, *args, **options):
        categories = load_categories()
        areas = load_territory()
        signals = load_signals(count=options["signals"])
        staff = load_staff()
        answers = load_feedback()
        assigned = load_assignments()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {categories} categories, {areas} new areas, {signals} new signals, "
                f"{len(staff)} staff accounts (demo password, see README), "
                f'{answers} residents\' answers to "is it fixed?", {assigned} signals assigned.'
            )
        )
