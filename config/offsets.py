"""Deep pages without making PostgreSQL build every row it skips.

`queryset[offset:offset + n]` is an `OFFSET`: PostgreSQL joins, annotates and
serialises each skipped row before dropping it (an Open311 page 399,000 rows deep
took 10.7 s, the public list's page 39,000 4.9 s). Skipping in a subquery that
selects primary keys only lets it walk the ordering's index instead; the joins and
annotations then run for the page's rows alone.
"""

from django.db.models import QuerySet


def skip_to(queryset: QuerySet, offset: int, count: int) -> QuerySet:
    """Rows `offset` to `offset + count` of the ordered `queryset`, in its order, as a
    queryset still open to `select_related`, `annotate` and slicing."""
    if not offset:
        return queryset
    return queryset.filter(pk__in=queryset.values("pk")[offset : offset + count])
