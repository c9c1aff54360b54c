"""Keyset pages for OGC API items: the `next` and `prev` links carry a cursor, not an offset.

An OFFSET makes PostgreSQL build, then drop, every feature it skips: page 5,000 of
a million signals took 14 s, and a harvester following `next` links to the end
did that work a thousand times. A cursor names the last (or first) feature of
the page by its sort key; the following page starts right after it in the index,
whatever its depth. `offset` stays accepted (clients build it themselves); it
skips in an index-only subquery, so a deep offset costs the index entries, not
the features.
"""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from config.paging import beyond, skip_to
from opendata.params import BadParameter

AFTER, BEFORE = "a", "b"


@dataclass(frozen=True)
class Cursor:
    direction: str  # AFTER: the features that follow `key`; BEFORE: those that precede it
    key: tuple


def encode_cursor(direction: str, key: tuple) -> str:
    values = [value.isoformat() if hasattr(value, "isoformat") else value for value in key]
    raw = json.dumps([direction, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str, queryset: QuerySet, fields: tuple[str, ...]) -> Cursor:
    """The cursor of a link this server wrote, its values typed as the sort fields' columns."""
    try:
        padded = raw + "=" * (-len(raw) % 4)
        direction, *values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if direction not in (AFTER, BEFORE) or len(values) != len(fields):
            raise ValueError(direction)
        model_fields = [queryset.model._meta.get_field(name) for name in fields]
        key = tuple(
            field.to_python(value) for field, value in zip(model_fields, values, strict=True)
        )
        # The links carry aware times: a naive one was not written here.
        if any(value is None or getattr(value, "tzinfo", False) is None for value in key):
            raise ValueError(values)
    except (ValueError, TypeError, ValidationError, UnicodeDecodeError):
        raise BadParameter(
            "cursor", _("cursor is not one this server wrote: follow the next and prev links.")
        ) from None
    return Cursor(direction, key)


def page_rows(
    queryset: QuerySet,
    fields: tuple[str, ...],
    rows_of: Callable[[QuerySet], QuerySet],
    *,
    limit: int,
    offset: int = 0,
    cursor: Cursor | None = None,
) -> tuple[list[tuple], bool]:
    """Up to `limit` rows of `rows_of(queryset)` (a values_list that ends with `fields`, the
    order of `queryset`) from the cursor or offset, in order, and whether more lie beyond."""
    if cursor is not None:
        queryset = queryset.filter(beyond(fields, cursor.key, before=cursor.direction == BEFORE))
        if cursor.direction == BEFORE:
            queryset = queryset.reverse()
    # The features' joins and JSON are built for the page's rows only.
    queryset = skip_to(queryset, offset, limit + 1)
    rows = list(rows_of(queryset)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if cursor is not None and cursor.direction == BEFORE:
        rows.reverse()
    return rows, more
