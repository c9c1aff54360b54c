"""Full exports that stream from the database in constant memory.

`QuerySet.iterator(chunk_size=...)` reads through a PostgreSQL server-side
cursor, so only one chunk of rows is ever held in Python; the response is a
generator that Django (and GZipMiddleware, or `gzip_page`) sends as it goes.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from opendata.selectors import CSV_COLUMNS, signal_features_json, signal_rows

CHUNK_SIZE = 2000
# Rows are joined into chunks of about this many characters before they are sent: one
# write to the socket per chunk instead of one per row (measured by `make bench`).
SEND_CHUNK = 64 * 1024


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


def geojson_stream(queryset: QuerySet) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    separator = ""
    for feature in signal_features_json(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield separator + feature
        separator = ",\n"
    yield "]}\n"


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


def signals_csv_stream(queryset: QuerySet) -> Iterator[str]:
    return csv_stream(CSV_COLUMNS, signal_rows(queryset).iterator(chunk_size=CHUNK_SIZE))
