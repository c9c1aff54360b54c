"""What residents sent that no agent has acted on yet: a "not fixed" answer
(workflow.feedback) and a reporter's answer to a service's question (workflow.questions).

Either marks its signal in the queue until an agent acts on it; `residents_heard` is the
one place an action clears both.
"""

from django.db.models import Exists, OuterRef, QuerySet

from signals.models import Signal
from workflow.feedback import feedback_acknowledge
from workflow.models import ReporterQuestion


def residents_heard(signal: Signal) -> None:
    """An agent acted on `signal` (call it in the action's transaction). Two statements on
    partial indexes that hold a handful of rows each."""
    feedback_acknowledge(signal)
    ReporterQuestion.objects.filter(signal_id=signal.pk, awaiting_agent=True).update(
        awaiting_agent=False
    )


def with_unread_answer(queryset: QuerySet[Signal]) -> QuerySet[Signal]:
    """`queryset` with `has_unread_answer`: the reporter answered a question and no agent has
    acted since (one probe of a tiny partial index per row)."""
    unread = ReporterQuestion.objects.filter(signal=OuterRef("pk"), awaiting_agent=True)
    return queryset.annotate(has_unread_answer=Exists(unread))


def unread_answers(queryset: QuerySet[Signal]) -> QuerySet[Signal]:
    """The signals of `queryset` whose reporter answered and no agent has acted since: read
    from the few unread answers (a partial index) to the signals, not the other way."""
    unread = ReporterQuestion.objects.filter(awaiting_agent=True).values("signal_id")
    return queryset.filter(pk__in=unread)
