"""Prepared statements on Django's own connection, for the hottest writes and lookups.

Django's cursors bind parameters on the client, which rules preparing out: each
statement is parsed and planned anew. For routing's two lookups and the creation of
a signal, planning costs about as much as running, and every report pays for it.
`prepared_cursor()` binds on the server, so that `execute(..., prepare=True)` is
planned once per connection (a generic plan: `plan_cache_mode` in settings).
`DATABASE_PREPARED_STATEMENTS=false` (settings) turns preparing off for poolers that
cannot keep prepared statements; the same statements then run unprepared.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


class PreparedCursor:
    """A server-binding psycopg cursor whose statements Django's query log sees.

    With DEBUG on, or under `CaptureQueriesContext` in tests, each statement is
    logged as Django logs its own, so that they are counted and shown like any other.
    """

    def __init__(self, cursor: psycopg.Cursor):
        self._cursor = cursor

    def execute(self, sql: str, params=None, *, prepare: bool | None = None):
        if not connection.queries_logged:
            return self._cursor.execute(sql, params, prepare=prepare)
        started = time.monotonic()
        try:
            return self._cursor.execute(sql, params, prepare=prepare)
        finally:
            elapsed = time.monotonic() - started
            connection.queries_log.append({"sql": sql, "time": f"{elapsed:.3f}"})

    def __getattr__(self, name):
        return getattr(self._cursor, name)


@contextmanager
def prepared_cursor() -> Iterator[PreparedCursor]:
    """A cursor on Django's connection that binds on the server.

    It shares the connection and its transaction, and errors come out as Django's
    database errors, as from any other query.
    """
    with connection.wrap_database_errors:
        connection.ensure_connection()
        connection.validate_no_broken_transaction()
        with psycopg.Cursor(connection.connection) as cursor:
            yield PreparedCursor(cursor)
