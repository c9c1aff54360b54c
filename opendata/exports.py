"""Full exports, written by PostgreSQL and streamed in constant memory.

The CSV file and the GeoJSON Features are written by PostgreSQL itself
(`COPY (SELECT ...) TO STDOUT`, read through psycopg's `cursor.copy()`):
Python formats nothing and only joins rows into ~64 kB chunks for the
socket. A million signals leave at the speed PostgreSQL writes them, where
formatting each row in Python (csv writer, time zones) managed ~10,000 a second.

A COPY holds its connection, in a transaction, for the whole download. If
the client goes away, the WSGI server closes the response, which closes
these generators: psycopg cancels the COPY, `transaction.atomic` rolls back,
and the connection is idle again for the next request (a test checks it).
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from opendata.selectors import CSV_COLUMNS, signal_feature_lines, signal_rows

CHUNK_SIZE = 2000
# Rows are joined into chunks of about this many bytes before they are sent: one
# write to the socket per chunk instead of one per row (measured by `make bench`).
SEND_CHUNK = 64 * 1024

# JSON text never holds a raw control character (JSON escapes them), so with these as
# CSV quote and delimiter, COPY writes each Feature exactly as PostgreSQL made it.
_AS_IS = "FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'"


def copied(rows: QuerySet, *, options: str, time_zone: str) -> Iterator[memoryview]:
    """The rows of a `values_list` queryset as COPY writes them: one line per row, `\\n` ended.

    `time_zone` is the session's while it runs (`SET LOCAL`): what `to_char`
    and JSON use for timestamps.
    """
    sql, params = rows.query.sql_with_params()
    statement = connection.ops.compose_sql(f"COPY ({sql}) TO STDOUT WITH ({options})", params)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [time_zone])
        with cursor.copy(statement) as copy:
            yield from copy
        # Inside an enclosing transaction (tests), leave the session as Django set it.
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [connection.timezone_name])


def joined(
    lines: Iterator[memoryview],
    *,
    head: bytes = b"",
    tail: bytes = b"",
    newline: bytes = b"\n",
    skip_first: int = 0,
) -> Iterator[bytes]:
    """COPY's lines joined into ~64 kB chunks between `head` and `tail`.

    Each line loses its `\\n` for `newline`; the first line also loses its
    first `skip_first` bytes. Closing this closes `lines` (and so the COPY).
    """
    try:
        parts, size = [head], len(head)
        first = next(lines, None)
        if first is not None:
            parts.append(first[skip_first:-1])
            parts.append(newline)
        for line in lines:
            parts.append(line[:-1])
            parts.append(newline)
            size += len(line)
            if size >= SEND_CHUNK:
                yield b"".join(parts)
                parts, size = [], 0
        parts.append(tail)
        yield b"".join(parts)
    finally:
        lines.close()


def geojson_stream(queryset: QuerySet) -> Iterator[bytes]:
    # Each line is ",{Feature}"; the first one's comma goes. Dates stay in UTC as in the API's
    # GeoJSON of old (JSON's own rendering of timestamptz, with the session's zone).
    lines = copied(signal_feature_lines(queryset), options=_AS_IS, time_zone="UTC")
    return joined(
        lines, head=b'{"type":"FeatureCollection","features":[\n', tail=b"]}\n", skip_first=1
    )


def signals_csv_stream(queryset: QuerySet) -> Iterator[bytes]:
    # What Python's csv writer wrote: a byte-order mark (spreadsheets then read UTF-8
    # accents right), minimal quoting, and lines ending in \r\n (RFC 4180).
    header = ("\ufeff" + ",".join(CSV_COLUMNS) + "\r\n").encode()
    lines = copied(signal_rows(queryset), options="FORMAT csv", time_zone=settings.TIME_ZONE)
    return joined(lines, head=header, newline=b"\r\n")


# --- Python-formatted CSV (the Dans ma rue layout) ------------------------------


def batched(pieces: Iterable[str], size: int = SEND_CHUNK) -> Iterator[str]:
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


class _Line:
    """A file-like object whose `write` hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, float):
        return round(value, 7)  # a centimetre: storage noise beyond that is not information
    return value


def csv_stream(header: list[str], rows: Iterable, delimiter: str = ",") -> Iterator[str]:
    writer = csv.writer(_Line(), delimiter=delimiter)
    # A byte-order mark so that spreadsheet software reads the UTF-8 accents right.
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_value(value) for value in row])
