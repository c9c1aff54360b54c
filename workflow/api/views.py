"""The staff REST API: token (or session) authenticated, scoped by `signals_visible_to`."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import authentication, permissions, serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from signals.models import Signal
from signals.photos import InvalidPhoto, photo_clean, photo_read
from workflow.api.serializers import (
    AssignmentInputSerializer,
    CategoryInputSerializer,
    CommentInputSerializer,
    HistorySerializer,
    QuestionInputSerializer,
    QuestionSerializer,
    StaffSignalDetailSerializer,
    StaffSignalSerializer,
    TransferInputSerializer,
    TransitionInputSerializer,
)
from workflow.assignment import assignable_to
from workflow.forms import PeriodForm, QueueAPIForm
from workflow.questions import question_ask
from workflow.queue import BadCursor, next_page_query, queue_read, with_queue_annotations
from workflow.selectors import signals_visible_to, staff_access, supervised_services
from workflow.services import (
    InvalidAction,
    StaleSignal,
    TransitionNotAllowed,
    signal_assign,
    signal_change_category,
    signal_comment,
    signal_transfer,
    signal_transition,
)
from workflow.states import State
from workflow.stats import statistics


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class StaffAPIView(APIView):
    authentication_classes = [
        authentication.TokenAuthentication,
        authentication.SessionAuthentication,
    ]
    permission_classes = [permissions.IsAuthenticated]

    def visible_signal(self, reference: str, *, annotated: bool = False):
        queryset = signals_visible_to(self.request.user).select_related(
            "category__parent", "service", "assignee"
        )
        if annotated:
            queryset = with_queue_annotations(queryset).prefetch_related(
                "history__actor",
                "history__assignee",
                "feedback__photo",
                "questions__asked_by",
                "questions__photo",
            )
        # Another service's signal is a 404, exactly like one that does not exist.
        return get_object_or_404(queryset, reference=reference)

    def detail(self, reference: str, code: int = status.HTTP_200_OK) -> Response:
        signal = self.visible_signal(reference, annotated=True)
        return Response(StaffSignalDetailSerializer(signal).data, status=code)

    def validated(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def act(self, call, **kwargs):
        try:
            return call(**kwargs)
        except StaleSignal as error:
            raise Conflict({"detail": str(error), "code": "conflict"}) from None
        except (TransitionNotAllowed, InvalidAction) as error:
            raise ValidationError(error.errors) from None


QUEUE_PAGE = inline_serializer(
    "StaffQueuePage",
    {
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "next": serializers.URLField(allow_null=True),
        "results": StaffSignalSerializer(many=True),
    },
)
TRANSFERRED = inline_serializer(
    "StaffTransferred",
    {
        "reference": serializers.CharField(),
        "service": serializers.CharField(),
        "version": serializers.IntegerField(),
    },
)
RECATEGORISED = inline_serializer(
    "StaffRecategorised",
    {
        "reference": serializers.CharField(),
        "category": serializers.CharField(),
        "service": serializers.CharField(),
        "version": serializers.IntegerField(),
    },
)
# Every staff call may also meet 401 (no or bad token) and 403 (not allowed).
ERRORS = {
    400: OpenApiTypes.OBJECT,
    401: OpenApiTypes.OBJECT,
    403: OpenApiTypes.OBJECT,
    404: OpenApiTypes.OBJECT,
}
ACTION_ERRORS = {**ERRORS, 409: OpenApiTypes.OBJECT}
# The queue's filters are a form (QueueAPIForm, shared with the staff pages), which
# drf-spectacular cannot read: they are described here.
QUEUE_PARAMETERS = [
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        many=True,
        enum=[state.value for state in State],
        description=_lazy("Repeatable; none: every status."),
    ),
    OpenApiParameter(
        "category",
        OpenApiTypes.STR,
        description=_lazy("A category code; a type's code includes its sub-types."),
    ),
    OpenApiParameter("service", OpenApiTypes.STR, description=_lazy("One of your services' slug.")),
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description=_lazy("A reference, or words of the description or the address."),
    ),
    OpenApiParameter(
        "older_than_days",
        OpenApiTypes.INT,
        description=_lazy("Reported at least this many days ago (0 to 3650)."),
    ),
    OpenApiParameter(
        "overdue", OpenApiTypes.BOOL, description=_lazy("Only signals past their due date.")
    ),
    OpenApiParameter(
        "contested",
        OpenApiTypes.BOOL,
        description=_lazy(
            "Only resolved signals that a resident, answering the e-mail, says are not fixed."
        ),
    ),
    OpenApiParameter(
        "answered",
        OpenApiTypes.BOOL,
        description=_lazy(
            "Only signals whose reporter answered a question of the service, and on which no "
            "agent has acted since."
        ),
    ),
    OpenApiParameter(
        "assignee",
        OpenApiTypes.STR,
        description=_lazy(
            "`me`: the signals assigned to you; `none`: those assigned to nobody; a "
            "colleague's username: theirs."
        ),
    ),
    OpenApiParameter(
        "bbox",
        OpenApiTypes.STR,
        description=_lazy("min_lon,min_lat,max_lon,max_lat in WGS84 degrees."),
    ),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=["oldest", "newest", "followed"]),
    OpenApiParameter("cursor", OpenApiTypes.STR, description=_lazy("From the `next` link.")),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=_lazy("1 to 200; 50 by default.")),
]


class QueueView(StaffAPIView):
    """GET /api/v1/staff/signals/ — the queue, same filters as the staff pages.

    Keyset pagination: follow `next` (a `cursor` parameter); `page_size` ≤ 200.
    """

    @extend_schema(
        operation_id="staff_queue",
        parameters=QUEUE_PARAMETERS,
        responses={200: QUEUE_PAGE, **ERRORS},
    )
    def get(self, request):
        access = staff_access(request.user)
        form = QueueAPIForm(request.query_params, services=access.services)
        if not form.is_valid():
            raise ValidationError(form.errors)
        try:
            page = queue_read(
                request.user,
                form.filters(user=request.user),
                cursor=form.cleaned_data["cursor"],
                size=form.cleaned_data["page_size"],
                visible=access.signals(),
                service_ids=access.service_ids,
            )
        except BadCursor:
            raise ValidationError({"cursor": [_("Invalid cursor.")]}) from None
        next_url = None
        if page.next_cursor:
            query = next_page_query(request.query_params, page.next_cursor)
            next_url = request.build_absolute_uri(f"{request.path}?{query}")
        return Response(
            {
                "counts": page.counts,
                "next": next_url,
                "results": StaffSignalSerializer(page.rows, many=True).data,
            }
        )


@extend_schema(responses={200: StaffSignalDetailSerializer, **ERRORS})
class SignalDetailView(StaffAPIView):
    """GET /api/v1/staff/signals/<reference>/ — with history, internal notes and version."""

    def get(self, request, reference):
        return self.detail(reference)


@extend_schema(
    request=TransitionInputSerializer,
    responses={200: StaffSignalDetailSerializer, **ACTION_ERRORS},
)
class TransitionView(StaffAPIView):
    """POST /api/v1/signals/<reference>/transitions/ — change the status.

    `{"to": "...", "message": "...", "note": "...", "version": 3}`; `planned_for`
    (scheduled), `duplicate_of` (a reference), `after_photo` (multipart, resolved).
    400: a message per field; 404: not one of your services' signals; 409: the
    signal changed since `version`.
    """

    def post(self, request, reference):
        signal = self.visible_signal(reference)
        values = dict(self.validated(TransitionInputSerializer))
        photo = values.pop("after_photo", None)
        after_photo = None
        if photo is not None:
            try:
                after_photo = photo_clean(data=photo_read(upload=photo), name="after")
            except InvalidPhoto as error:
                raise ValidationError({"after_photo": [str(error)]}) from None
        self.act(
            signal_transition,
            signal=signal,
            actor=request.user,
            to=values["to"],
            message=values.get("message", ""),
            note=values.get("note", ""),
            expected_version=values.get("version"),
            planned_for=values.get("planned_for"),
            duplicate_of=values.get("duplicate_of"),
            after_photo=after_photo,
        )
        return self.detail(reference)


@extend_schema(request=TransferInputSerializer, responses={200: TRANSFERRED, **ACTION_ERRORS})
class TransferView(StaffAPIView):
    """POST /api/v1/signals/<reference>/transfer/ — `{"service": "<slug>", "reason": "..."}`."""

    def post(self, request, reference):
        signal = self.visible_signal(reference)
        data = self.validated(TransferInputSerializer)
        signal = self.act(
            signal_transfer,
            signal=signal,
            actor=request.user,
            service=data["service"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        # The signal may have left the caller's services: answer with what they may still see.
        body = {"reference": signal.reference, "service": signal.service.slug}
        body["version"] = signal.version
        return Response(body)


@extend_schema(request=CategoryInputSerializer, responses={200: RECATEGORISED, **ACTION_ERRORS})
class CategoryView(StaffAPIView):
    """POST /api/v1/signals/<reference>/category/ — re-categorise (and re-route)."""

    def post(self, request, reference):
        signal = self.visible_signal(reference)
        data = self.validated(CategoryInputSerializer)
        signal = self.act(
            signal_change_category,
            signal=signal,
            actor=request.user,
            category=data["category"],
            note=data.get("note", ""),
            expected_version=data.get("version"),
        )
        return Response(
            {
                "reference": signal.reference,
                "category": signal.category.code,
                "service": signal.service.slug,
                "version": signal.version,
            }
        )


@extend_schema(
    request=AssignmentInputSerializer,
    responses={200: StaffSignalDetailSerializer, **ACTION_ERRORS},
)
class AssignmentView(StaffAPIView):
    """POST /api/v1/signals/<reference>/assignment/ — `{"assignee": "<username>" | null}`:
    give the signal to a member of its service, or to nobody."""

    def post(self, request, reference):
        signal = self.visible_signal(reference)
        data = self.validated(AssignmentInputSerializer)
        assignee = None
        if data["assignee"] is not None:
            assignee = assignable_to(signal).filter(username=data["assignee"]).first()
            if assignee is None:
                raise ValidationError(
                    {"assignee": [_("Choose an active member of the service in charge.")]}
                )
        self.act(
            signal_assign,
            signal=signal,
            actor=request.user,
            assignee=assignee,
            expected_version=data.get("version"),
        )
        return self.detail(reference)


@extend_schema(request=CommentInputSerializer, responses={201: HistorySerializer, **ERRORS})
class CommentView(StaffAPIView):
    """POST /api/v1/signals/<reference>/comments/ — an internal note in the history."""

    def post(self, request, reference):
        signal = self.visible_signal(reference)
        data = self.validated(CommentInputSerializer)
        change = self.act(signal_comment, signal=signal, actor=request.user, note=data["note"])
        return Response(HistorySerializer(change).data, status=status.HTTP_201_CREATED)


@extend_schema(request=QuestionInputSerializer, responses={201: QuestionSerializer, **ERRORS})
class QuestionView(StaffAPIView):
    """POST /api/v1/signals/<reference>/questions/ — mail a question to the reporter (an
    open signal whose reporter left an address and did not stop the mails)."""

    def post(self, request, reference):
        signal = self.visible_signal(reference)
        data = self.validated(QuestionInputSerializer)
        asked = self.act(question_ask, signal=signal, actor=request.user, question=data["question"])
        return Response(
            QuestionSerializer(asked, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(responses={200: OpenApiTypes.OBJECT, **ERRORS})
class StatisticsView(StaffAPIView):
    """GET /api/v1/staff/statistics/?start=YYYY-MM-DD&end=YYYY-MM-DD — supervisors only."""

    def get(self, request):
        if not supervised_services(request.user).exists():
            raise PermissionDenied(_("Statistics are for the services' supervisors."))
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        start, end = form.period()
        return Response(
            statistics(
                signals=Signal.objects.filter(service__in=supervised_services(request.user)),
                start=start,
                end=end,
            )
        )
