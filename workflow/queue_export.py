"""The triage queue as a CSV file for a spreadsheet: every signal the filtered queue
holds, not one page of it.

The rows are the queue's own (`queue_queryset`, `queue_rows_queryset`, in the queue's
order) read as plain values by keyset, a chunk a query on the queue's indexes, so a file of
100,000 signals costs the memory of one chunk and no query per row, and no cursor stays open
while a slow client downloads (nor does it need one, behind a pooler). The file gets forwarded (a
weekly report to elected officials), so it holds nothing about residents: no reporter's
e-mail or language, no internal note or comment, no resident's feedback.
"""

import csv
from collections.abc import Iterator
from datetime import datetime, tzinfo
from itertools import chain

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.paging import keyset_read
from opendata.exports import batched
from opendata.selectors import StX, StY
from signals.links import absolute_url
from signals.models import NAME_LANGUAGES, Signal
from workflow.assignment import display_name
from workflow.queue import (
    QueueFilters,
    queue_after,
    queue_ordered,
    queue_queryset,
    queue_rows_queryset,
)
from workflow.states import State

CHUNK_SIZE = 2000
# Excel set to French (where "," is the decimal comma) splits lines on ";", as does
# Paris's Dans ma rue file (opendata.dansmarue); other spreadsheets ask or guess.
DELIMITER = ";"
# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and
# CR, after trimming them): a resident's "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# References are capitals, digits and dashes: one `reverse()` per file (as workflow.queue_table).
PLACEHOLDER = "REFERENCE"

FIELDS = (
    "id",
    "reference",
    "created_at",
    "status",
    "category_id",
    "category__name",
    "category__name_en",
    "category__parent__name",
    "category__parent__name_en",
    "service__name",
    "address",
    "lat",
    "lon",
    "description",
    "assignee_id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "due_at",
    "is_overdue",
    "followers_count",
)


def queue_export_rows(visible: QuerySet[Signal], filters: QueueFilters) -> QuerySet[Signal]:
    """The signals of `visible` (the user's) that the queue shows under `filters`, all of
    them, in the queue's order, as dicts of `FIELDS`."""
    rows = queue_rows_queryset(queue_queryset(visible, filters), filters)
    # The pages' own order, from its one definition.
    return queue_ordered(rows, filters.sort).annotate(lat=StY("location"), lon=StX("location"))


def neutralised(text: str) -> str:
    """`text` as a spreadsheet shows it, never runs it: a leading `'` before a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """What `csv.writer` writes to: each line handed back rather than stored."""

    def write(self, line: str) -> str:
        return line


class _Cells:
    """What every row is written with, and the few names (categories, agents) a file
    repeats: each worked out once."""

    def __init__(self, *, statuses, yes_no, language: str, zone: tzinfo, url: str):
        self.statuses = statuses
        self.yes, self.no = yes_no
        self.language = language
        self.zone = zone
        self.url = url
        self.categories: dict[int, tuple[str, str]] = {}
        self.agents: dict[int, str] = {}

    def of(self, row: dict) -> list:
        kind, subtype = self._category(row)
        return [
            row["reference"],
            self._moment(row["created_at"]),
            self.statuses.get(row["status"], row["status"]),
            neutralised(kind),
            neutralised(subtype),
            neutralised(row["service__name"] or ""),
            neutralised(row["address"]),
            f"{row['lat']:.6f}",
            f"{row['lon']:.6f}",
            neutralised(row["description"]),
            neutralised(self._agent(row)),
            row["due_at"].astimezone(self.zone).date().isoformat() if row["due_at"] else "",
            self.yes if row["is_overdue"] else self.no,
            row["followers_count"],
            self.url.replace(PLACEHOLDER, row["reference"]),
        ]

    def _moment(self, value: datetime) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def _name(self, row: dict, prefix: str) -> str:
        # signals.models.localized_name, read off the row's values.
        if self.language in NAME_LANGUAGES:
            return row[f"{prefix}name_{self.language}"] or row[f"{prefix}name"]
        return row[f"{prefix}name"]

    def _category(self, row: dict) -> tuple[str, str]:
        """(type, sub-type); a type reported under directly has no sub-type."""
        found = self.categories.get(row["category_id"])
        if found is None:
            own = self._name(row, "category__")
            if row["category__parent__name"] is None:
                found = (own, "")
            else:
                found = (self._name(row, "category__parent__"), own)
            self.categories[row["category_id"]] = found
        return found

    def _agent(self, row: dict) -> str:
        pk = row["assignee_id"]
        if pk is None:
            return ""
        name = self.agents.get(pk)
        if name is None:
            user = get_user_model()(
                username=row["assignee__username"],
                first_name=row["assignee__first_name"],
                last_name=row["assignee__last_name"],
            )
            name = self.agents[pk] = display_name(user)
        return name


def queue_export_csv(visible: QuerySet[Signal], filters: QueueFilters) -> Iterator[str]:
    """The CSV file (UTF-8 text, byte-order mark first, ~64 kB pieces) of the queue under
    `filters`, in the active language and time zone.

    Both are read now, not when the file is sent: a streamed response is written after
    the view returns. The rows are read then, a chunk at a time: a client that hangs up
    leaves nothing open."""
    writer = csv.writer(_Line(), delimiter=DELIMITER)
    header = [
        _("Reference"),
        _("Reported on"),
        _("Status"),
        _("Type"),
        _("Sub-type"),
        _("Service"),
        _("Address"),
        _("Latitude"),
        _("Longitude"),
        _("Description"),
        _("Assigned to"),
        _("Due date"),
        _("Overdue"),
        _("Followers"),
        _("Staff page"),
    ]
    cells = _Cells(
        statuses={value: str(label) for value, label in State.choices},
        yes_no=(_("yes"), _("no")),
        language=(get_language() or "").split("-")[0],
        zone=get_current_timezone(),
        url=absolute_url(reverse("workflow:signal", args=[PLACEHOLDER])),
    )
    rows = queue_export_rows(visible, filters).values(*FIELDS)
    sort = filters.sort

    def after(rows, last: dict):
        key = last["followers_count"] if sort == "followed" else last["created_at"]
        return queue_after(rows, sort, [key, last["id"]])

    # Read by keyset, CHUNK_SIZE rows a query on the queue's own order and indexes: no
    # cursor or transaction held open while a slow client downloads.
    lines = (
        writer.writerow(cells.of(row)) for row in keyset_read(rows, after=after, size=CHUNK_SIZE)
    )
    return batched(chain(["\ufeff" + writer.writerow(header)], lines))
