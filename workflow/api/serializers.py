from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo.models import Service
from signals.api.fields import GeoJSONPointField
from signals.api.serializers import CategoryRefSerializer, ServiceRefSerializer
from signals.models import Category, Signal
from workflow.feedback import current_resolution_id
from workflow.models import Feedback, ReporterQuestion, StatusChange
from workflow.questions import QUESTION_MAX_LENGTH
from workflow.states import State


def photo_link(photo, context: dict) -> str | None:
    """The link of a resident's private photo (served to the services in charge only)."""
    if photo is None:
        return None
    request = context.get("request")
    return request.build_absolute_uri(photo.image.url) if request else photo.image.url


class HistorySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    # Set on the rows of a transfer, or of a merge into another signal; null on the others.
    from_service = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    to_service = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    duplicate_of = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    # Set on assignments: the username of the agent given the signal (null: nobody).
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = StatusChange
        fields = [
            "kind",
            "from_state",
            "to_state",
            "actor",
            "message",
            "note",
            "planned_for",
            "duplicate_of",
            "from_service",
            "to_service",
            "assignee",
            "created_at",
        ]

    def get_actor(self, change: StatusChange) -> str | None:
        return change.actor.get_username() if change.actor_id else None


class FeedbackSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(
        help_text=_(
            "True when the answer is about the resolution the signal is in now, "
            "false when the signal was reopened since."
        )
    )

    photo = serializers.SerializerMethodField(
        help_text=_(
            "The photo the resident sent with the answer (services only, never public), or null."
        )
    )

    class Meta:
        model = Feedback
        fields = [
            "is_fixed",
            "comment",
            "photo",
            "from_reporter",
            "created_at",
            "current",
            "awaiting_reply",
        ]

    def get_current(self, feedback: Feedback) -> bool:
        return feedback.resolution_id == self.context.get("current_resolution_id")

    def get_photo(self, feedback: Feedback) -> str | None:
        return photo_link(feedback.photo, self.context)


class QuestionSerializer(serializers.ModelSerializer):
    """A service's question to the reporter, and the reporter's answer once given."""

    id = serializers.IntegerField(read_only=True)
    asked_by = serializers.CharField(
        source="asked_by.get_username", read_only=True, allow_null=True, default=None
    )
    photo = serializers.SerializerMethodField(
        help_text=_("The link of the photo sent with the answer (services only), or null.")
    )

    class Meta:
        model = ReporterQuestion
        fields = ["id", "question", "asked_by", "asked_at", "answer", "answered_at", "photo"]

    def get_photo(self, question: ReporterQuestion) -> str | None:
        return photo_link(question.photo, self.context)


class AssigneeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class StaffSignalSerializer(serializers.ModelSerializer):
    """A signal as the staff API shows it: status, version (for 409s), overdue flag."""

    answer_unread = serializers.SerializerMethodField(
        help_text=_(
            "The reporter answered a question of the service and no agent has acted on the "
            "signal since."
        )
    )

    category = CategoryRefSerializer()
    service = ServiceRefSerializer(allow_null=True)
    location = GeoJSONPointField()
    status_label = serializers.CharField(source="get_status_display")
    followers_count = serializers.IntegerField(read_only=True, default=None)
    is_overdue = serializers.BooleanField(read_only=True, default=None)
    due_at = serializers.DateTimeField(read_only=True, default=None)
    assignee = AssigneeSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The agent of the service who handles it; null: nobody yet."),
    )

    class Meta:
        model = Signal
        fields = [
            "reference",
            "status",
            "status_label",
            "version",
            "category",
            "service",
            "description",
            "address",
            "location",
            "created_at",
            "updated_at",
            "closed_at",
            "due_at",
            "is_overdue",
            "followers_count",
            "assignee",
            "answer_unread",
        ]

    def get_answer_unread(self, signal: Signal) -> bool:
        annotated = getattr(signal, "has_unread_answer", None)  # the queue's rows
        if annotated is not None:
            return annotated
        return any(question.awaiting_agent for question in signal.questions.all())


class StaffSignalDetailSerializer(StaffSignalSerializer):
    history = HistorySerializer(many=True, read_only=True)
    # Not an EmailField: an OpenAPI "email" string cannot be empty, and it is when the
    # resident gave none, or once it has been erased (anonymize_reporters).
    reporter_email = serializers.CharField(
        read_only=True, help_text=_("The reporter's e-mail address; empty when there is none.")
    )

    reporter_language = serializers.CharField(
        read_only=True,
        help_text=_(
            "The language the reporter used on the site, in which their e-mails are written; "
            "empty for the site's language."
        ),
    )

    feedback = serializers.SerializerMethodField(
        help_text=_("Residents' answers to the question of the “resolved” e-mail: is it fixed?")
    )

    questions = QuestionSerializer(
        many=True,
        read_only=True,
        help_text=_("The services' questions to the reporter, newest first, with the answers."),
    )

    class Meta(StaffSignalSerializer.Meta):
        fields = [
            *StaffSignalSerializer.Meta.fields,
            "reporter_email",
            "reporter_language",
            "history",
            "feedback",
            "questions",
        ]

    @extend_schema_field(FeedbackSerializer(many=True))
    def get_feedback(self, signal: Signal) -> list[dict]:
        context = {"current_resolution_id": current_resolution_id(signal)}
        return FeedbackSerializer(signal.feedback.all(), many=True, context=context).data


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=State.choices)
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you read; if the signal changed since, the answer is a 409."),
    )
    planned_for = serializers.DateField(required=False)
    duplicate_of = serializers.SlugRelatedField(
        slug_field="reference", queryset=Signal.objects.all(), required=False
    )
    after_photo = serializers.ImageField(required=False)


class TransferInputSerializer(serializers.Serializer):
    service = serializers.SlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False, min_value=1)


class CategoryInputSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(required=False, min_value=1)


class AssignmentInputSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        allow_null=True,
        max_length=150,
        help_text=_("The username of an active member of the service in charge; null: nobody."),
    )
    version = serializers.IntegerField(required=False, min_value=1)


class CommentInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)


class QuestionInputSerializer(serializers.Serializer):
    question = serializers.CharField(
        max_length=QUESTION_MAX_LENGTH,
        help_text=_("Mailed to the reporter with a link to answer; never published."),
    )
