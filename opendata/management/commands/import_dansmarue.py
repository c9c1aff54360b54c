"""Bring a city's history in from a Paris "Dans ma rue" open-data CSV.

manage.py import_dansmarue dans-ma-rue.csv [--dry-run] [--strict]

Every line is read, checked and routed first; the rejected ones are listed
with their line number and reason (all of them, not only the first). Then the
accepted lines are imported in one transaction: an error midway leaves
nothing behind.
"""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from geo.routing import OutsideTerritory, service_for_point
from opendata.dansmarue import DELIMITER, CategoryIndex, RejectedLine, columns_for, parse_row
from signals.models import Signal
from signals.selectors import categories_reportable
from signals.services import signal_create


class Command(BaseCommand):
    help = "Import signals from a Dans ma rue open-data CSV (';'-separated, UTF-8)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and route every line, import nothing."
        )
        parser.add_argument(
            "--strict", action="store_true", help="Import nothing if any line is rejected."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": path})
        progress = not options["no_progress"]
        accepted, rejected = self._read(path, progress)

        for line, reason in rejected:
            self.stderr.write(_("line %(line)d: %(reason)s") % {"line": line, "reason": reason})
        summary = _("%(accepted)d line(s) accepted, %(rejected)d rejected.") % {
            "accepted": len(accepted),
            "rejected": len(rejected),
        }
        if options["dry_run"]:
            self.stdout.write(f"{summary} " + _("Dry run: nothing imported."))
            return
        if rejected and options["strict"]:
            raise CommandError(f"{summary} " + _("--strict: nothing imported."))

        with transaction.atomic():
            for row, route in tqdm(accepted, desc="import", unit="signal", disable=not progress):
                signal_create(
                    category=row.category,
                    description=row.description,
                    location=row.location,
                    address=row.address,
                    source=Signal.Source.IMPORT,
                    created_at=row.created_at,
                    route=route,
                )
        done = _("%(count)d signal(s) imported.") % {"count": len(accepted)}
        self.stdout.write(self.style.SUCCESS(f"{summary} {done}"))

    def _read(self, path: Path, progress: bool):
        categories = CategoryIndex(categories_reportable())
        accepted, rejected = [], []
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle, delimiter=DELIMITER)
                try:
                    columns = columns_for(reader.fieldnames or [])
                except ValueError as error:
                    raise CommandError(str(error)) from None
                rows = tqdm(reader, desc="check", unit="line", disable=not progress)
                # Line 1 is the header.
                for line, raw in enumerate(rows, start=2):
                    try:
                        if None in raw:
                            raise RejectedLine(_("more fields than the header"))
                        row = parse_row(line, raw, columns, categories)
                        route = service_for_point(point=row.location, category=row.category)
                    except RejectedLine as error:
                        rejected.append((line, str(error)))
                    except OutsideTerritory:
                        rejected.append((line, _("outside the territory served")))
                    else:
                        accepted.append((row, route))
        except UnicodeDecodeError as error:
            raise CommandError(
                _("%(path)s is not UTF-8 (byte %(byte)d).") % {"path": path, "byte": error.start}
            ) from None
        return accepted, rejected
