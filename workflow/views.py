"""The staff pages (server-rendered; every action is a plain form that works without JS)."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from signals.models import Photo, Signal
from signals.photos import InvalidPhoto, photo_clean, photo_read
from workflow.assignment import display_name, members_of
from workflow.feedback import contested, contested_among, current_resolution_id
from workflow.forms import (
    AssignForm,
    BulkForm,
    CategoryChangeForm,
    CommentForm,
    PeriodForm,
    QuestionForm,
    QueueFilterForm,
    TransferForm,
    TransitionForm,
)
from workflow.models import ReporterOptOut, ReporterQuestion
from workflow.questions import question_ask
from workflow.queue import (
    OPEN_VALUES,
    BadCursor,
    next_page_query,
    queue_read,
    with_queue_annotations,
)
from workflow.queue_table import FIELDS as ROW_FIELDS
from workflow.queue_table import queue_table_rows
from workflow.selectors import staff_access, supervised_services
from workflow.services import (
    BulkResult,
    InvalidAction,
    StaleSignal,
    TransitionNotAllowed,
    signal_assign,
    signal_change_category,
    signal_comment,
    signal_transfer,
    signal_transition,
    signals_bulk_assign,
    signals_bulk_transition,
)
from workflow.states import State
from workflow.stats import statistics

PAGE_SIZE = 50


def staff_required(view):
    """Logged in and member of at least one service (or superuser); else a 403 page.

    The view finds the user's services, role and visible signals in `request.staff`
    (`staff_access`: one query for what every staff page needs).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.staff = staff_access(request.user)
        if not request.staff.is_staff_member:
            return render(request, "workflow/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _context(request, **extra) -> dict:
    return {"can_see_stats": request.staff.supervises, **extra}


def _status_boxes(form: QueueFilterForm, counts: dict[str, int]) -> list[tuple]:
    """(value, label, checked, count or None) for each status checkbox of the filters."""
    checked = set(form["status"].value() or [])
    return [(value, label, value in checked, counts.get(value)) for value, label in State.choices]


@staff_required
def queue(request):
    services = request.staff.services
    form = QueueFilterForm(request.GET or None, services=services, initial={"status": OPEN_VALUES})
    if request.GET and not form.is_valid():
        return render(
            request,
            "workflow/queue.html",
            _context(
                request,
                form=form,
                statuses=_status_boxes(form, {}),
                rows=[],
                services=services,
            ),
            status=400,
        )
    filters = form.filters(user=request.user) if request.GET else QueueFilterForm.empty_filters()
    cursor = form.cleaned_data["cursor"] if request.GET else ""
    visible = request.staff.signals()
    try:
        page = queue_read(
            request.user,
            filters,
            cursor=cursor,
            size=PAGE_SIZE,
            visible=visible,
            service_ids=request.staff.service_ids,
            fields=ROW_FIELDS,
        )
    except BadCursor:
        messages.error(request, _("This page link is not valid any more; back to the first page."))
        page = queue_read(
            request.user,
            filters,
            size=PAGE_SIZE,
            visible=visible,
            service_ids=request.staff.service_ids,
            fields=ROW_FIELDS,
        )
        cursor = ""
    # The default view (no parameter) shows the open signals: its links say so, or the next
    # page, whose only other parameter is its cursor, would list every status.
    shown = request.GET.copy() if request.GET else _default_query()
    first_query = shown.copy()
    first_query.pop("cursor", None)
    # Beside the filter: how many resolved signals residents say are not fixed; when there
    # are any, the rows of this page that are among them get a badge.
    contested_count = contested(visible).count()
    return render(
        request,
        "workflow/queue.html",
        _context(
            request,
            form=form,
            statuses=_status_boxes(form, page.counts),
            rows=queue_table_rows(
                page.rows, contested=contested_among(page.rows) if contested_count else set()
            ),
            total=sum(page.counts.values()),
            next_query=next_page_query(shown, page.next_cursor) if page.next_cursor else "",
            first_query=first_query.urlencode(),
            is_first_page=not cursor,
            bulk_targets=[s for s in State if s not in (State.NEW, State.DUPLICATE)],
            services=services,
            contested_count=contested_count,
        ),
    )


def _default_query() -> QueryDict:
    query = QueryDict(mutable=True)
    query.setlist("status", QueueFilterForm.empty_filters().status)
    return query


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


@staff_required
@require_POST
def bulk(request):
    back = _safe_next(request, reverse("workflow:queue"))
    form = BulkForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else field
            messages.error(request, f"{label} : {' '.join(errors)}")
        return HttpResponseRedirect(back)
    pairs = form.cleaned_data["selected"]
    visible = {
        s.reference: s for s in request.staff.signals().filter(reference__in=[r for r, _v in pairs])
    }
    chosen = [(visible[r], v) for r, v in pairs if r in visible]
    if form.cleaned_data["action"] == BulkForm.ASSIGN:
        result = _bulk_assign(request, form.cleaned_data["assign_to"], chosen)
        if result is None:
            return HttpResponseRedirect(back)
    else:
        result = signals_bulk_transition(
            signals=chosen,
            to=form.cleaned_data["to"],
            actor=request.user,
            message=form.cleaned_data["message"],
            note=form.cleaned_data["note"],
            planned_for=form.cleaned_data["planned_for"],
        )
        if result.done:
            messages.success(
                request,
                ngettext(
                    "%(count)d signal moved to “%(status)s”.",
                    "%(count)d signals moved to “%(status)s”.",
                    len(result.done),
                )
                % {"count": len(result.done), "status": State(form.cleaned_data["to"]).label},
            )
    for reference, _version in pairs:
        if reference not in visible:
            result.refused[reference] = _("Not found.")
    for reference, reason in result.refused.items():
        messages.error(request, f"{reference} : {reason}")
    return HttpResponseRedirect(back)


def _bulk_assign(request, assign_to: str, chosen) -> BulkResult | None:
    """The bulk action "assign to": me, nobody, or a colleague of the user's services."""
    if assign_to == "me":
        assignee = request.user
    elif assign_to == "none":
        assignee = None
    else:
        # The same list as the queue's "assigned to" filter.
        assignee = members_of(request.staff.services).filter(username=assign_to).first()
        if assignee is None:
            messages.error(request, _("Choose a colleague of your services."))
            return None
    result = signals_bulk_assign(signals=chosen, assignee=assignee, actor=request.user)
    name = display_name(assignee)
    if result.done:
        messages.success(
            request,
            (
                ngettext(
                    "%(count)d signal assigned to %(name)s.",
                    "%(count)d signals assigned to %(name)s.",
                    len(result.done),
                )
                if assignee
                else ngettext(
                    "%(count)d signal assigned to nobody.",
                    "%(count)d signals assigned to nobody.",
                    len(result.done),
                )
            )
            % {"count": len(result.done), "name": name},
        )
    if result.unchanged:
        messages.info(
            request,
            (
                _("Already assigned to %(name)s: %(references)s.")
                if assignee
                else _("Already assigned to nobody: %(references)s.")
            )
            % {"name": name, "references": ", ".join(result.unchanged)},
        )
    return result


def _signal_page(request, signal=None, *, reference: str = "", status: int = 200, **forms):
    """The signal's page, read afresh (after a refused action too, to show what it is now):
    `signal` as the action found it, or by `reference` for a plain visit."""
    found = {"pk": signal.pk} if signal is not None else {"reference": reference}
    signal = get_object_or_404(
        with_queue_annotations(request.staff.signals())
        .select_related("category__parent", "service", "assignee")
        # Read with the signal: whether its reporter can be asked, and whether anyone did.
        .annotate(
            reporter_opted_out=Exists(ReporterOptOut.objects.filter(signal=OuterRef("pk"))),
            was_asked=Exists(ReporterQuestion.objects.filter(signal=OuterRef("pk"))),
        ),
        **found,
    )
    history = list(
        signal.history.select_related(
            "actor", "duplicate_of", "from_service", "to_service", "assignee"
        ).order_by("-created_at", "-id")
    )
    current = current_resolution_id(signal, history)
    questions = (
        list(signal.questions.select_related("asked_by", "photo")) if signal.was_asked else []
    )
    feedback = [
        (answer, answer.resolution_id == current)
        for answer in signal.feedback.select_related("photo")
    ]
    defaults = {
        "transition_form": TransitionForm(signal=signal),
        "transfer_form": TransferForm(initial={"version": signal.version}),
        "category_form": CategoryChangeForm(initial={"version": signal.version}),
        "comment_form": CommentForm(),
        "question_form": QuestionForm(),
        "assign_form": AssignForm(
            signal=signal, initial={"version": signal.version, "assignee": signal.assignee_id}
        ),
    }
    defaults.update(forms)
    return render(
        request,
        "workflow/signal.html",
        _context(
            request,
            signal=signal,
            history=history,
            feedback=feedback,
            contested=signal.status == State.RESOLVED
            and any(answer.awaiting_reply for answer, _current in feedback),
            # A resident's photo of "not fixed" is shown with their answer, below.
            photos=signal.photos.exclude(kind=Photo.Kind.FEEDBACK),
            questions=questions,
            answer_unread=any(asked.awaiting_agent for asked in questions),
            signal_open=signal.status in OPEN_VALUES,
            reporter_reachable=bool(signal.reporter_email) and not signal.reporter_opted_out,
            # "Take it": for a member of the service in charge, not already its assignee.
            can_take=signal.assignee_id != request.user.pk
            and request.staff.service_ids is not None
            and signal.service_id in request.staff.service_ids,
            map_center=[signal.location.y, signal.location.x],
            tile_url=settings.MAP_TILE_URL,
            tile_attribution=settings.MAP_TILE_ATTRIBUTION,
            **defaults,
        ),
        status=status,
    )


def _visible(request, reference: str):
    return get_object_or_404(request.staff.signals(), reference=reference)


@staff_required
def signal_detail(request, reference: str):
    return _signal_page(request, reference=reference)


def _form_action(request, signal, form_name: str, form, action):
    """Validate `form`, then `action(cleaned_data)`; None when done, else the signal's page
    again with the form as typed: 400 for a refusal, 409 when the signal changed meanwhile."""
    if not form.is_valid():
        return _signal_page(request, signal, status=400, **{form_name: form})
    try:
        action(form.cleaned_data)
    except StaleSignal as error:
        messages.error(request, str(error))
        return _signal_page(request, signal, status=409, **{form_name: form})
    except (TransitionNotAllowed, InvalidAction) as error:
        for field, errors in error.errors.items():
            target = field if field in form.fields else None
            for text in errors:
                form.add_error(target, text)
        return _signal_page(request, signal, status=400, **{form_name: form})
    return None


def _after_action(request, signal):
    # A transfer or a new category may take the signal out of the agent's services.
    if request.staff.signals().filter(pk=signal.pk).exists():
        return redirect("workflow:signal", reference=signal.reference)
    return redirect("workflow:queue")


@staff_required
@require_POST
def signal_transition_view(request, reference: str):
    signal = _visible(request, reference)

    def transition(data):
        after_photo = None
        if data.get("after_photo"):
            try:
                after_photo = photo_clean(data=photo_read(upload=data["after_photo"]), name="after")
            except InvalidPhoto as error:
                raise InvalidAction({"after_photo": [str(error)]}) from None
        signal_transition(
            signal=signal,
            to=data["to"],
            actor=request.user,
            message=data["message"],
            note=data["note"],
            expected_version=data.get("version"),
            planned_for=data.get("planned_for"),
            duplicate_of=data.get("duplicate_of"),
            after_photo=after_photo,
        )

    form = TransitionForm(request.POST, request.FILES, signal=signal)
    refused = _form_action(request, signal, "transition_form", form, transition)
    if refused:
        return refused
    messages.success(
        request,
        _("Status changed to “%(status)s”.") % {"status": State(form.cleaned_data["to"]).label},
    )
    return redirect("workflow:signal", reference=reference)


@staff_required
@require_POST
def signal_transfer_view(request, reference: str):
    signal = _visible(request, reference)
    form = TransferForm(request.POST)
    refused = _form_action(
        request,
        signal,
        "transfer_form",
        form,
        lambda data: signal_transfer(
            signal=signal,
            actor=request.user,
            service=data["service"],
            reason=data["reason"],
            expected_version=data.get("version"),
        ),
    )
    if refused:
        return refused
    messages.success(
        request,
        _("%(reference)s transferred to %(service)s.")
        % {"reference": reference, "service": form.cleaned_data["service"].name},
    )
    return _after_action(request, signal)


@staff_required
@require_POST
def signal_category_view(request, reference: str):
    signal = _visible(request, reference)
    form = CategoryChangeForm(request.POST)
    refused = _form_action(
        request,
        signal,
        "category_form",
        form,
        lambda data: signal_change_category(
            signal=signal,
            actor=request.user,
            category=data["category"],
            note=data["note"],
            expected_version=data.get("version"),
        ),
    )
    if refused:
        return refused
    messages.success(request, _("Category changed; the signal was routed again."))
    return _after_action(request, signal)


@staff_required
@require_POST
def signal_assign_view(request, reference: str):
    signal = _visible(request, reference)
    form = AssignForm(request.POST, signal=signal)
    refused = _form_action(
        request,
        signal,
        "assign_form",
        form,
        lambda data: signal_assign(
            signal=signal,
            actor=request.user,
            assignee=data["assignee"],
            expected_version=data.get("version"),
        ),
    )
    if refused:
        return refused
    assignee = form.cleaned_data["assignee"]
    if assignee is None:
        messages.success(
            request, _("%(reference)s is assigned to nobody.") % {"reference": reference}
        )
    else:
        messages.success(
            request,
            _("%(reference)s is assigned to %(name)s.")
            % {"reference": reference, "name": display_name(assignee)},
        )
    return redirect("workflow:signal", reference=reference)


@staff_required
@require_POST
def signal_comment_view(request, reference: str):
    signal = _visible(request, reference)
    form = CommentForm(request.POST)
    refused = _form_action(
        request,
        signal,
        "comment_form",
        form,
        lambda data: signal_comment(signal=signal, actor=request.user, note=data["note"]),
    )
    if refused:
        return refused
    messages.success(request, _("Comment added."))
    return redirect("workflow:signal", reference=reference)


@staff_required
@require_POST
def signal_question_view(request, reference: str):
    signal = _visible(request, reference)
    form = QuestionForm(request.POST)
    refused = _form_action(
        request,
        signal,
        "question_form",
        form,
        lambda data: question_ask(signal=signal, actor=request.user, question=data["question"]),
    )
    if refused:
        return refused
    messages.success(request, _("Question sent to the reporter."))
    return redirect("workflow:signal", reference=reference)


def _bars(rows: list[dict]) -> list[dict]:
    """Rows with a bar width in % of the largest, for the server-side SVG charts."""
    top = max((row["count"] for row in rows), default=0) or 1
    return [{**row, "width": round(100 * row["count"] / top, 1)} for row in rows]


@staff_required
def stats(request):
    if not request.staff.supervises:
        return render(request, "workflow/forbidden.html", status=403)
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "workflow/stats.html", _context(request, form=form), status=400)
    if not request.GET:
        form.is_valid()  # an unbound form: defaults below
        form.cleaned_data = {}
    start, end = form.period()
    figures = statistics(
        signals=Signal.objects.filter(service__in=supervised_services(request.user)),
        start=start,
        end=end,
    )
    charts = [
        (_("Per status"), _bars(figures["by_status"])),
        (_("Per category"), _bars(figures["by_category"])),
        (_("Per service"), _bars(figures["by_service"])),
        (_("Overdue now, per service"), _bars(figures["overdue_by_service"])),
    ]
    query = request.GET.urlencode()
    # The queue's links from the per-agent table: their open signals, as counted.
    open_query = urlencode([("status", value) for value in OPEN_VALUES])
    return render(
        request,
        "workflow/stats.html",
        _context(
            request, form=form, figures=figures, charts=charts, query=query, open_query=open_query
        ),
    )
