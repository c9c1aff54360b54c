"""Counts kept by appending changes and folding them in now and then.

The map's cells (signals.mapcells) and the triage queue's counts (workflow.queue_counts)
are kept the same way: a trigger appends a +1 and a -1 row per change of a signal, in the
signal's own transaction, so concurrent writes never wait on a shared counter row; every
few hundred writes of a worker, one fold moves the appended rows into the counts.
"""

from django.db import connection, transaction


def fold_under_lock(lock_key: int, sql: str) -> None:
    """Run `sql` (a `DELETE ... RETURNING` of the changes feeding an upsert of the counts)
    in a transaction of its own, unless another fold holds `lock_key`: one fold at a time,
    and a worker that finds one running leaves its changes to it or to the next."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_key])
        if cursor.fetchone()[0]:
            cursor.execute(sql)


def fold_every(every: int, writes, fold) -> None:
    """Count one write on `writes` (an `itertools.count`); on every `every`-th, run `fold`
    once the current transaction commits (at once outside one)."""
    if next(writes) % every == 0:
        transaction.on_commit(fold)
