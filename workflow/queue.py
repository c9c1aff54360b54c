"""The triage queue: filters, overdue flag, counts per status and keyset pagination.

Shared by the staff pages and the staff API so that both list the same thing.
Pages are cut with a keyset (WHERE (created_at, id) > (last seen)) rather than
OFFSET, so page 10,000 of a million signals costs what page 1 costs.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.gis.geos import Polygon
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.paging import beyond
from geo.models import Service
from signals.models import Signal
from signals.selectors import categories_under, signals_matching_text
from workflow.awaiting import unread_answers, with_unread_answer
from workflow.feedback import contested
from workflow.queue_counts import stored_status_counts
from workflow.selectors import signals_visible_to
from workflow.states import OPEN, State

SORTS = ("oldest", "newest", "followed")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# In the workflow's order, so that links built from it read the same every time.
OPEN_VALUES = [state.value for state in State if state in OPEN]


class BadCursor(ValueError):
    pass


@dataclass
class QueueFilters:
    status: list[str] = field(default_factory=list)
    category: str = ""
    service: str = ""
    q: str = ""
    older_than_days: int | None = None
    overdue: bool = False
    contested: bool = False
    # The reporter answered a question of the service and no agent has acted since.
    answered: bool = False
    # "" (anyone), "none" (nobody) or a user's id.
    assignee: str | int = ""
    bbox: tuple[float, float, float, float] | None = None
    sort: str = "oldest"


def with_queue_annotations(queryset: QuerySet[Signal], *, now: datetime | None = None):
    now = now or timezone.now()
    due_at = ExpressionWrapper(
        F("created_at")
        + ExpressionWrapper(
            F("category__service_level_days") * Value(timedelta(days=1)),
            output_field=DurationField(),
        ),
        output_field=DateTimeField(),
    )
    return queryset.annotate(due_at=due_at).annotate(
        is_overdue=Case(
            When(Q(status__in=OPEN_VALUES, due_at__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def overdue_only(queryset: QuerySet[Signal], *, now: datetime | None = None):
    """The signals of `queryset` past their service level now, annotated as above.

    Filtering on `is_overdue` would hide the status test inside a CASE, and PostgreSQL
    would read every signal, closed ones included, to evaluate it (0.6 s a million); the
    status test in the WHERE lets it read the open ones off their partial indexes."""
    now = now or timezone.now()
    return with_queue_annotations(queryset, now=now).filter(status__in=OPEN_VALUES, due_at__lt=now)


@dataclass(frozen=True)
class QueueScope:
    """The ids that the category and service filters name, resolved once for a page and
    its counts (two tiny queries): ids rather than joins let the planner walk the partial
    index `signal_queue_open` in date order and stop after a page."""

    category_ids: list[int] | None  # None: no category filter
    service_ids: list[int] | None  # None: no service filter


def queue_scope(filters: QueueFilters) -> QueueScope:
    return QueueScope(
        category_ids=categories_under(filters.category) if filters.category else None,
        service_ids=(
            list(Service.objects.filter(slug=filters.service).values_list("id", flat=True))
            if filters.service
            else None
        ),
    )


def queue_queryset(
    visible: QuerySet[Signal], filters: QueueFilters, scope: QueueScope | None = None
) -> QuerySet[Signal]:
    """`visible` (the user's signals) under every filter but the status, as the counts per
    status read it: without the rows' joins, which an index-only count has no use for
    (`queue_rows_queryset` adds them, and the status filter)."""
    scope = scope or queue_scope(filters)
    queryset = visible
    if scope.category_ids is not None:
        queryset = queryset.filter(category_id__in=scope.category_ids)
    if scope.service_ids is not None:
        queryset = queryset.filter(service_id__in=scope.service_ids)
    if filters.q:
        queryset = queryset.filter(signals_matching_text(filters.q))
    if filters.older_than_days is not None:
        queryset = queryset.filter(
            created_at__lte=timezone.now() - timedelta(days=filters.older_than_days)
        )
    if filters.overdue:
        # The one filter that needs the category's service level, hence a join.
        queryset = overdue_only(queryset)
    if filters.bbox:
        queryset = queryset.filter(location__intersects=Polygon.from_bbox(filters.bbox))
    if filters.contested:
        queryset = contested(queryset)
    if filters.answered:
        queryset = unread_answers(queryset)
    if filters.assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assignee:
        queryset = queryset.filter(assignee_id=filters.assignee)
    return queryset


def queue_rows_queryset(
    filtered: QuerySet[Signal], filters: QueueFilters, *, fields: Sequence[str] = ()
) -> QuerySet[Signal]:
    """The rows of a `queue_queryset`: the status filter, the overdue flag, what a row shows
    (`fields`: only these columns, for a caller that shows few)."""
    rows = filtered.filter(status__in=filters.status) if filters.status else filtered
    if not filters.overdue:  # else annotated already
        rows = with_queue_annotations(rows)
    rows = with_unread_answer(rows)
    if fields:
        # No geometry to decode nor service to build for a table that shows neither.
        return rows.select_related("category__parent", "assignee").only(*fields)
    return rows.select_related("category__parent", "service", "assignee")


def status_counts(queryset: QuerySet[Signal]) -> dict[str, int]:
    """How many signals of `queryset` (a `queue_queryset`) are in each state, counted now."""
    rows = (
        queryset.order_by()
        .values("status")
        .annotate(n=Count("*"))  # not Count("id"): the id is not in the index
    )
    found = {row["status"]: row["n"] for row in rows}
    return {state.value: found.get(state.value, 0) for state in State}


def queue_status_counts(
    filtered: QuerySet[Signal],
    filters: QueueFilters,
    scope: QueueScope,
    *,
    service_ids: list[int] | None,
) -> dict[str, int]:
    """The counts beside a page: kept by PostgreSQL (workflow.queue_counts) when the filters
    are ones they are keyed by, else counted over `filtered`. `service_ids`: the user's
    services (None: every service, a superuser)."""
    if (
        filters.q
        or filters.older_than_days is not None
        or filters.overdue
        or filters.bbox
        or filters.contested
        or filters.answered
        or filters.assignee
    ):
        return status_counts(filtered)
    if scope.service_ids is not None:
        chosen = set(scope.service_ids)
        service_ids = (
            [i for i in service_ids if i in chosen] if service_ids is not None else [*chosen]
        )
    found = stored_status_counts(service_ids=service_ids, category_ids=scope.category_ids)
    return {state.value: found.get(state.value, 0) for state in State}


# --- keyset pagination ------------------------------------------------------


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if sort == "followed":
            count, pk = int(values[0]), int(values[1])
            return [count, pk]
        moment = parse_datetime(values[0])
        if moment is None:
            raise BadCursor
        return [moment, int(values[1])]
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error, json.JSONDecodeError):
        raise BadCursor from None


def queue_ordered(queryset: QuerySet[Signal], sort: str) -> QuerySet[Signal]:
    if sort == "newest":
        return queryset.order_by("-created_at", "-id")
    if sort == "followed":
        return queryset.order_by("-followers_count", "id")
    return queryset.order_by("created_at", "id")


def queue_after(queryset: QuerySet[Signal], sort: str, key: list) -> QuerySet[Signal]:
    """The rows of `queryset` (in `queue_ordered`) after the one whose key is `key`, as one
    range of the index that order reads (`config.paging.beyond`)."""
    first, pk = key
    if sort == "newest":
        return queryset.filter(beyond(("created_at", "id"), (first, pk), before=True))
    if sort == "followed":  # down the count, up the id: two directions, written here
        return queryset.filter(
            Q(followers_count__lte=first), Q(followers_count__lt=first) | Q(id__gt=pk)
        )
    return queryset.filter(beyond(("created_at", "id"), (first, pk)))


def _key(signal: Signal, sort: str) -> list:
    if sort == "followed":
        return [signal.followers_count, signal.pk]
    return [signal.created_at.isoformat(), signal.pk]


def queue_page(
    queryset: QuerySet[Signal], *, sort: str, cursor: str = "", size: int = DEFAULT_PAGE_SIZE
) -> tuple[list[Signal], str]:
    """One page and the cursor of the next ("" on the last page). Raises `BadCursor`."""
    sort = sort if sort in SORTS else "oldest"
    size = max(1, min(size, MAX_PAGE_SIZE))
    queryset = queue_ordered(queryset, sort)
    if cursor:
        queryset = queue_after(queryset, sort, decode_cursor(cursor, sort))
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode_cursor(_key(rows[-1], sort)) if more and rows else "")


@dataclass
class QueuePage:
    rows: list[Signal]
    next_cursor: str  # "" on the last page
    counts: dict[str, int]  # per status, under every filter but the status


# "The caller does not know the user's service ids": the counts are then counted live.
_UNKNOWN = object()


def queue_read(
    user,
    filters: QueueFilters,
    *,
    cursor: str = "",
    size: int = DEFAULT_PAGE_SIZE,
    visible: QuerySet[Signal] | None = None,
    service_ids=_UNKNOWN,
    fields: Sequence[str] = (),
) -> QueuePage:
    """One page of `user`'s queue and the counts beside it: the page and the API. `visible`
    and `service_ids`: the user's signals and services when the caller has them already
    (`StaffAccess`); `fields`: only these columns of the rows. Raises `BadCursor`."""
    scope = queue_scope(filters)
    filtered = queue_queryset(
        signals_visible_to(user) if visible is None else visible, filters, scope
    )
    rows, next_cursor = queue_page(
        queue_rows_queryset(filtered, filters, fields=fields),
        sort=filters.sort,
        cursor=cursor,
        size=size,
    )
    if service_ids is _UNKNOWN:
        counts = status_counts(filtered)
    else:
        counts = queue_status_counts(filtered, filters, scope, service_ids=service_ids)
    return QueuePage(rows=rows, next_cursor=next_cursor, counts=counts)


def next_page_query(params: QueryDict, cursor: str) -> str:
    """The query string of the next page: the same filters, the next cursor."""
    params = params.copy()
    params["cursor"] = cursor
    return params.urlencode()
