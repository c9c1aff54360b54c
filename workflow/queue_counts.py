"""The triage queue's counts per status, kept by PostgreSQL instead of counted per request.

Beside its page of signals, the queue shows how many of the agent's signals are in each
status under the filters. Counted at each request, that reads every index entry of the
service: 174,000 for a busy service of the benchmark city (~35-66 ms, the bulk of the page's
database time). Instead, as for the map's cells (signals.mapcells):

- a trigger on `signals_signal` (migration workflow 0004) appends a -1 for the old
  (service, category, status) and a +1 for the new one to `workflow_queuecountchange`
  whenever a signal is created, deleted, transferred, re-categorised or changes status, in
  the same transaction, so the counts can never disagree with the signals;
- `fold_changes()` adds those changes into `workflow_queuecount` and deletes them; it runs
  after every `FOLD_EVERY` writes of a worker (signals.folding, shared with the map cells);
- reads add `workflow_queuecount` and the changes not folded yet;
- a TRUNCATE of the signals empties the counts too;
- `manage.py rebuild_queue_counts` recounts everything, after a bulk load with the
  trigger disabled.

The stored counts answer the filters they are keyed by: the user's services, a category (and
its sub-categories), the service filter. Text search, age, overdue and map-area filters
count live (`workflow.queue.status_counts`), over the rows those filters leave.
"""

import itertools

from django.db import connection, transaction

from signals.folding import fold_every, fold_under_lock

FOLD_EVERY = 200
_FOLD_LOCK = 7_204_312  # pg advisory lock key: one fold at a time (map cells use ...311)
_writes = itertools.count(1)
NO_SERVICE = 0  # the key of signals routed to no service


def rebuild() -> None:
    """Recount from the signals, in one transaction (after a bulk load without the trigger)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE signals_signal IN SHARE MODE")  # no write between the two
        cursor.execute("DELETE FROM workflow_queuecountchange")
        cursor.execute("DELETE FROM workflow_queuecount")
        cursor.execute(
            """
            INSERT INTO workflow_queuecount (service_id, category_id, status, count)
            SELECT coalesce(service_id, %s), category_id, status, count(*)
            FROM signals_signal GROUP BY 1, 2, 3
            """,
            [NO_SERVICE],
        )


# Sorted, so the rows are locked in one order; only folds write here.
_FOLD_SQL = """
    WITH moved AS (
        DELETE FROM workflow_queuecountchange RETURNING service_id, category_id, status, count
    )
    INSERT INTO workflow_queuecount AS kept (service_id, category_id, status, count)
    SELECT service_id, category_id, status, sum(count)
    FROM moved GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (service_id, category_id, status) DO UPDATE SET count = kept.count + EXCLUDED.count
"""


def fold_changes() -> None:
    """Add the pending changes into the counts. Skipped if another fold is running."""
    fold_under_lock(_FOLD_LOCK, _FOLD_SQL)


def note_write() -> None:
    """Called after each write of a signal: folds the changes every `FOLD_EVERY` writes."""
    fold_every(FOLD_EVERY, _writes, fold_changes)


def stored_status_counts(
    *, service_ids: list[int] | None, category_ids: list[int] | None
) -> dict[str, int]:
    """How many signals of these services (None: all, unrouted ones included) and
    categories (None: all) are in each status, from the kept counts."""
    where, params = [], {}
    if service_ids is not None:
        where.append("service_id = ANY(%(services)s)")
        params["services"] = service_ids
    if category_ids is not None:
        where.append("category_id = ANY(%(categories)s)")
        params["categories"] = category_ids
    condition = " AND ".join(where) or "TRUE"
    sql = f"""
        SELECT status, sum(count) FROM (
            SELECT status, count FROM workflow_queuecount WHERE {condition}
            UNION ALL
            SELECT status, count FROM workflow_queuecountchange WHERE {condition}
        ) AS found
        GROUP BY status
    """  # noqa: S608 (fixed conditions, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {status: int(total) for status, total in cursor.fetchall() if total}
