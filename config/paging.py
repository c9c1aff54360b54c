"""Pages and counts of large tables: what every list of a million signals needs.

`queryset[offset:offset + n]` is an `OFFSET`: PostgreSQL joins, annotates and
serialises each skipped row before dropping it (an Open311 page 399,000 rows deep
took 10.7 s, the public list's page 39,000 4.9 s). Skipping in a subquery that
selects primary keys only lets it walk the ordering's index instead; the joins and
annotations then run for the page's rows alone.

An exact count of a million rows costs more than the page it describes (80 ms, and
0.4 s for a city centre's bbox): lists count up to EXACT_COUNT_LIMIT and, above,
either say the planner's estimate as one or leave the count out.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

# Below this many matches a count is exact; above, the planner's estimate or none.
EXACT_COUNT_LIMIT = 10_000


def skip_to(queryset: QuerySet, offset: int, count: int) -> QuerySet:
    """Rows `offset` to `offset + count` of the ordered `queryset`, in its order, as a
    queryset still open to `select_related`, `annotate` and slicing."""
    if not offset:
        return queryset
    return queryset.filter(pk__in=queryset.values("pk")[offset : offset + count])


def beyond(fields: tuple[str, ...], key: tuple, *, before: bool = False) -> Q:
    """Rows strictly after (or `before`) `key` in the order of `fields` (all ascending, or
    all descending for `before`), written so that PostgreSQL reads them as one range of the
    index on those fields: a keyset page, whatever its depth."""
    op = "lt" if before else "gt"
    first = fields[0]
    condition = Q(**{f"{first}__{op}": key[0]})
    if len(fields) > 1:
        condition |= Q(**{first: key[0]}) & beyond(fields[1:], key[1:], before=before)
        # The bound on the leading column alone is what the index scan starts from: without
        # it, PostgreSQL read the index from its start and filtered (120 ms to reach the
        # middle of a million signals, against 0.6 ms).
        condition &= Q(**{f"{first}__{op}e": key[0]})
    return condition


def keyset_read(
    rows: QuerySet, *, after: Callable[[QuerySet, Any], QuerySet], size: int = 2000
) -> Iterator:
    """Every row of `rows` (ordered by a unique key), `size` per query, each query starting
    after the last row read (`after(rows, last_row)`, on the index of that order).

    Constant memory without a server-side cursor: behind a pooler in transaction mode
    (DATABASE_SERVER_SIDE_CURSORS=false) Django's `.iterator()` reads everything at once."""
    last = None
    while True:
        batch = list((rows if last is None else after(rows, last))[:size])
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1]


def _keys_sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.values("pk").order_by().query.sql_with_params()


def _count_up_to_limit(sql: str, params) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ({sql} LIMIT {EXACT_COUNT_LIMIT + 1}) AS capped",  # noqa: S608
            params,
        )
        (count,) = cursor.fetchone()
    return count if count <= EXACT_COUNT_LIMIT else None


def count_capped(queryset: QuerySet) -> int | None:
    """The exact count if it is at most EXACT_COUNT_LIMIT, else None: the rows beyond the
    limit are never read."""
    return _count_up_to_limit(*_keys_sql(queryset))


def count_fast(queryset: QuerySet) -> tuple[int, bool]:
    """(count, is_estimate): exact up to EXACT_COUNT_LIMIT, the planner's estimate above."""
    sql, params = _keys_sql(queryset)
    count = _count_up_to_limit(sql, params)
    if count is not None:
        return count, False
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return max(estimate, EXACT_COUNT_LIMIT + 1), True
