"""Statistics for supervisors: counts over a period, time to resolution, overdue signals.

Everything is aggregated in PostgreSQL (percentile_cont), whatever the volume.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, FloatField, Func, QuerySet
from django.db.models.functions import Extract
from django.utils import timezone

from signals.models import Signal
from workflow.queue import with_queue_annotations
from workflow.states import State


class Percentile(Func):
    """percentile_cont(p) WITHIN GROUP (ORDER BY expr): an ordered-set aggregate."""

    contains_aggregate = True
    output_field = FloatField()
    template = "percentile_cont(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def statistics(*, signals: QuerySet[Signal], start: date, end: date) -> dict:
    """Figures for the signals of `signals` reported between `start` and `end` (inclusive)."""
    since, until = _period_bounds(start, end)
    period = signals.filter(created_at__gte=since, created_at__lt=until)

    def counted(field: str, label: str) -> list[dict]:
        rows = (
            period.order_by()
            .values(key=F(field), label=F(label))
            .annotate(count=Count("id"))
            .order_by("-count", "label")
        )
        return [{"key": r["key"], "label": r["label"], "count": r["count"]} for r in rows]

    by_status = {
        r["status"]: r["n"] for r in period.order_by().values("status").annotate(n=Count("id"))
    }
    resolved = period.filter(status=State.RESOLVED, closed_at__isnull=False).aggregate(
        count=Count("id"),
        median=Percentile(Extract(F("closed_at") - F("created_at"), "epoch"), 0.5),
        p90=Percentile(Extract(F("closed_at") - F("created_at"), "epoch"), 0.9),
    )
    overdue = with_queue_annotations(signals).filter(is_overdue=True)
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "total": period.count(),
        "by_status": [
            {"key": s.value, "label": str(s.label), "count": by_status.get(s.value, 0)}
            for s in State
        ],
        "by_category": counted("category__parent__code", "category__parent__name"),
        "by_subcategory": counted("category__code", "category__name"),
        "by_service": counted("service__slug", "service__name"),
        "resolution": {
            "resolved": resolved["count"],
            "median_hours": _hours(resolved["median"]),
            "p90_hours": _hours(resolved["p90"]),
        },
        # Overdue now, whenever reported: what is late today, not only within the period.
        "overdue_now": overdue.count(),
        "overdue_by_service": [
            {"key": r["service__slug"], "label": r["service__name"], "count": r["n"]}
            for r in overdue.order_by()
            .values("service__slug", "service__name")
            .annotate(n=Count("id"))
            .order_by("-n", "service__name")
        ],
    }


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)
