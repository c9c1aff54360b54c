"""Statistics for supervisors: counts over a period, time to resolution, overdue signals.

Everything is aggregated in PostgreSQL (percentile_cont), whatever the volume.
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, F, FloatField, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Extract
from django.utils import timezone
from django.utils.translation import gettext as _

from geo.models import Service
from signals.models import Category, Signal
from workflow.assignment import display_name
from workflow.feedback import contested
from workflow.models import Feedback, StatusChange
from workflow.queue import OPEN_VALUES, overdue_only, with_queue_annotations
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
    # One pass over the period, grouped as finely as any figure needs (a few hundred
    # groups): each figure per status, type, category and service is a sum of them. Four
    # passes took four times as long (0.2 s each over the bench city's last 90 days).
    groups = list(
        period.order_by().values("status", "category_id", "service_id").annotate(n=Count("*"))
    )
    categories = Category.objects.select_related("parent").in_bulk(
        {group["category_id"] for group in groups}
    )
    services = Service.objects.in_bulk({group["service_id"] for group in groups} - {None})

    def counted(key_and_label) -> list[dict]:
        counts: dict[tuple, int] = {}
        for group in groups:
            key = key_and_label(group)
            counts[key] = counts.get(key, 0) + group["n"]
        rows = [{"key": key, "label": label, "count": n} for (key, label), n in counts.items()]
        return sorted(rows, key=lambda row: (-row["count"], row["label"] or ""))

    def kind(group) -> tuple:
        parent = categories[group["category_id"]].parent
        return (parent.code, parent.name) if parent else (None, None)

    def category(group) -> tuple:
        found = categories[group["category_id"]]
        return found.code, found.name

    def service(group) -> tuple:
        found = services.get(group["service_id"])
        return (found.slug, found.name) if found else (None, None)

    by_status = counted(lambda group: (group["status"], None))
    status_counts = {row["key"]: row["count"] for row in by_status}
    resolved = period.filter(status=State.RESOLVED, closed_at__isnull=False).aggregate(
        count=Count("id"),
        median=Percentile(Extract(F("closed_at") - F("created_at"), "epoch"), 0.5),
        p90=Percentile(Extract(F("closed_at") - F("created_at"), "epoch"), 0.9),
    )
    overdue_by_service = [
        {"key": r["service__slug"], "label": r["service__name"], "count": r["n"]}
        for r in overdue_only(signals)
        .order_by()
        .values("service__slug", "service__name")
        .annotate(n=Count("id"))
        .order_by("-n", "service__name")
    ]
    # The residents' answers to "is it fixed?", about the period's signals (workflow.feedback).
    answers = Feedback.objects.filter(signal__in=period).aggregate(
        answers=Count("id"), not_fixed=Count("id", filter=Q(is_fixed=False))
    )
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "by_agent": _by_agent(signals, since=since, until=until),
        "total": sum(group["n"] for group in groups),
        "by_status": [
            {"key": s.value, "label": str(s.label), "count": status_counts.get(s.value, 0)}
            for s in State
        ],
        "by_category": counted(kind),
        "by_subcategory": counted(category),
        "by_service": [row for row in counted(service) if row["key"] is not None],
        "resolution": {
            "resolved": resolved["count"],
            "median_hours": _hours(resolved["median"]),
            "p90_hours": _hours(resolved["p90"]),
        },
        # Overdue now, whenever reported: what is late today, not only within the period.
        # Every signal here has a service (the callers' querysets are the supervised ones).
        "overdue_now": sum(row["count"] for row in overdue_by_service),
        "overdue_by_service": overdue_by_service,
        "feedback": {
            "answers": answers["answers"],
            "fixed": answers["answers"] - answers["not_fixed"],
            "not_fixed": answers["not_fixed"],
            # Contested now, whenever reported, as the overdue count.
            "contested_now": contested(signals).count(),
        },
    }


def _by_agent(signals: QuerySet[Signal], *, since: datetime, until: datetime) -> list[dict]:
    """Who has what: per agent, the open signals assigned to them now and how many of those
    are overdue, and the signals they resolved within the period (whenever reported): the
    agent who moved it to "resolved", whoever it was assigned to. Then the open signals
    assigned to nobody. Agents with none of these are not listed."""
    now = timezone.now()
    open_now = {
        row["assignee_id"]: row
        for row in with_queue_annotations(signals.filter(status__in=OPEN_VALUES), now=now)
        .order_by()
        .values("assignee_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    }
    # The same signals as the period's "resolved" figure, each counted for the author of its
    # last resolution (read off the history's signal index, one row per resolved signal).
    resolver = (
        StatusChange.objects.filter(
            signal=OuterRef("pk"), kind=StatusChange.Kind.STATUS, to_state=State.RESOLVED
        )
        .order_by("-created_at", "-id")
        .values("actor_id")[:1]
    )
    resolved = dict(
        signals.filter(status=State.RESOLVED, closed_at__gte=since, closed_at__lt=until)
        .order_by()
        .annotate(resolver=Subquery(resolver))
        .filter(resolver__isnull=False)
        .values("resolver")
        .annotate(n=Count("id"))
        .values_list("resolver", "n")
    )
    agents = get_user_model().objects.in_bulk((open_now.keys() | resolved.keys()) - {None})
    rows = [
        {
            "key": agent.get_username(),
            "label": display_name(agent),
            "open": open_now.get(pk, {}).get("open", 0),
            "overdue": open_now.get(pk, {}).get("overdue", 0),
            "resolved": resolved.get(pk, 0),
        }
        for pk, agent in agents.items()
    ]
    rows.sort(key=lambda row: (-row["open"], -row["resolved"], row["label"].lower()))
    if None in open_now:
        rows.append(
            {
                "key": None,
                "label": str(_("Nobody")),
                "open": open_now[None]["open"],
                "overdue": open_now[None]["overdue"],
                "resolved": 0,
            }
        )
    return rows


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)
