"""Input of the staff pages (and of the staff API's queue filters)."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from config.widgets import PlainSelect
from geo.models import Service
from signals.categories import category_filter_choices
from signals.models import Category, Signal
from workflow.assignment import assignable_to, display_name, members_of
from workflow.questions import QUESTION_MAX_LENGTH
from workflow.queue import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, OPEN_VALUES, SORTS, QueueFilters
from workflow.states import State


class QueueFilterForm(forms.Form):
    """The queue's filters and page, read the same way by the staff pages and the staff API."""

    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=State.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label=_("Category"), required=False, widget=PlainSelect)
    service = forms.ChoiceField(label=_("Service"), required=False, widget=PlainSelect)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    older_than_days = forms.IntegerField(
        label=_("Older than (days)"), required=False, min_value=0, max_value=3650
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    contested = forms.BooleanField(
        label=_("Resolved, but a resident says it is not fixed"), required=False
    )
    answered = forms.BooleanField(label=_("The reporter answered"), required=False)
    assignee = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))],
    )
    bbox = forms.CharField(
        label=_("Map area"),
        required=False,
        help_text=_("min lon, min lat, max lon, max lat"),
        max_length=120,
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        widget=PlainSelect,
        choices=[
            ("oldest", _("Oldest first")),
            ("newest", _("Newest first")),
            ("followed", _("Most followed")),
        ],
    )
    # The next page's key, from the previous page's link (decoded by `queue_page`).
    cursor = forms.CharField(required=False, strip=False)

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The process's copy of the categories (signals.categories): the list is on every
        # page of the queue, and the table changes a few times a year. Grouped by type, as
        # on the public map: a type (all its sub-types) or one sub-type; then the deactivated
        # ones, which signals keep until an agent re-categorises or closes them.
        choices = category_filter_choices(retired=True)
        self.fields["category"].choices = [("", _("All")), *choices]
        services = services if services is not None else Service.objects.all()
        self.fields["service"].choices = [("", _("All"))] + [(s.slug, s.name) for s in services]
        # "Assigned to": me, nobody, or a colleague by username (one query for the list).
        members = list(members_of(services))
        self.members = members  # also the bulk action's "assign to" choices
        self.colleagues = {user.username: user.pk for user in members}
        self.fields["assignee"].choices = [
            *self.fields["assignee"].choices,
            *((user.username, display_name(user)) for user in members),
        ]

    def clean_bbox(self):
        value = self.cleaned_data["bbox"].strip()
        if not value:
            return None
        try:
            parts = tuple(float(part) for part in value.split(","))
        except ValueError:
            parts = ()
        if (
            len(parts) != 4
            or not (-180 <= parts[0] < parts[2] <= 180)
            or not (-90 <= parts[1] < parts[3] <= 90)
        ):
            raise forms.ValidationError(_("Give four numbers: min lon, min lat, max lon, max lat."))
        return parts

    @staticmethod
    def empty_filters() -> QueueFilters:
        # With no filter at all, the queue shows what still needs work.
        return QueueFilters(status=list(OPEN_VALUES))

    def filters(self, *, user=None) -> QueueFilters:
        """The filters as `workflow.queue` reads them; `user` is who "me" is."""
        data = self.cleaned_data
        assignee = data.get("assignee") or ""
        if assignee == "me":
            assignee = user.pk if user is not None else ""
        elif assignee not in ("", "none"):
            assignee = self.colleagues[assignee]
        return QueueFilters(
            status=data.get("status") or [],
            category=data.get("category") or "",
            service=data.get("service") or "",
            q=data.get("q") or "",
            older_than_days=data.get("older_than_days"),
            overdue=bool(data.get("overdue")),
            contested=bool(data.get("contested")),
            answered=bool(data.get("answered")),
            assignee=assignee,
            bbox=data.get("bbox"),
            sort=data.get("sort") if data.get("sort") in SORTS else "oldest",
        )


class QueueAPIForm(QueueFilterForm):
    """The API's queue also lets the client choose how many signals a page holds."""

    page_size = forms.CharField(required=False)

    def clean_page_size(self) -> int:
        value = self.cleaned_data["page_size"]
        if not value:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(value)
        except ValueError:
            raise forms.ValidationError(_("A whole number.")) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise forms.ValidationError(_("Between 1 and %(max)s."), params={"max": MAX_PAGE_SIZE})
        return size


class DuplicateOfField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return Signal.objects.get(reference=value.strip().upper())
        except Signal.DoesNotExist:
            raise forms.ValidationError(_("No signal has this reference.")) from None


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=State.choices, widget=PlainSelect)
    message = forms.CharField(
        label=_("Public message"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the reporter and followers, and shown on the public page."),
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seen by the services only."),
    )
    planned_for = forms.DateField(
        label=_("Planned for"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    duplicate_of = DuplicateOfField(label=_("Original signal (reference)"), required=False)
    after_photo = forms.ImageField(label=_("“After” photo"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, signal: Signal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if signal is not None:
            from workflow.states import allowed_from

            allowed = allowed_from(signal.status)
            self.fields["to"].choices = [(s.value, s.label) for s in State if s in allowed]
            self.fields["version"].initial = signal.version


class _ListedChoices(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # one query, not `.iterator()`
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A model choice whose few options are read in one query.

    Django's reads them with `.iterator()`, which on PostgreSQL declares a server-side
    cursor: three round trips (DECLARE, FETCH, CLOSE) for a handful of services or
    categories on every signal page.
    """

    iterator = _ListedChoices


class TransferForm(forms.Form):
    service = ListedModelChoiceField(
        label=_("Service"), queryset=Service.objects.filter(is_active=True), widget=PlainSelect
    )
    reason = forms.CharField(
        label=_("Reason (internal)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssignForm(forms.Form):
    """Give the signal to a member of its service, or to nobody (workflow.assignment)."""

    assignee = ListedModelChoiceField(
        label=_("Assigned to"),
        queryset=None,
        required=False,
        empty_label=_("Nobody"),
        widget=PlainSelect,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, signal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_to(signal)
        self.fields["assignee"].label_from_instance = display_name


class CategoryChangeForm(forms.Form):
    category = ListedModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True, parent__isnull=False).select_related(
            "parent"
        ),
        widget=PlainSelect,
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CommentForm(forms.Form):
    note = forms.CharField(
        label=_("Internal comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Question to the reporter"),
        help_text=_(
            "Mailed to the reporter with a link to answer (and send a photo). Neither the "
            "question nor the answer is published."
        ),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BulkForm(forms.Form):
    """Checkboxes carry "REFERENCE:VERSION": what the agent saw is what gets changed.

    Two actions share the selection, each with its own button (`action`): a transition,
    or an assignment to "me", "none" or a colleague's username."""

    TRANSITION, ASSIGN = "transition", "assign"

    selected = forms.MultipleChoiceField(label=_("Signals"), choices=[])
    action = forms.ChoiceField(choices=[(TRANSITION, TRANSITION), (ASSIGN, ASSIGN)], required=False)
    to = forms.ChoiceField(label=_("New status"), choices=State.choices, required=False)
    assign_to = forms.CharField(label=_("Assign to"), required=False, max_length=150)
    message = forms.CharField(label=_("Public message"), required=False, max_length=5000)
    note = forms.CharField(label=_("Internal note"), required=False, max_length=5000)
    planned_for = forms.DateField(
        label=_("Planned for"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any "REF:version" value is acceptable here; visibility is checked by the view.
        values = self.data.getlist("selected") if hasattr(self.data, "getlist") else []
        self.fields["selected"].choices = [(v, v) for v in values]

    def clean_selected(self) -> list[tuple[str, int | None]]:
        pairs = []
        for value in self.cleaned_data["selected"]:
            reference, _sep, version = value.partition(":")
            if "\x00" in reference:  # PostgreSQL cannot compare it: no signal has one
                raise forms.ValidationError(_("Invalid selection."))
            try:
                pairs.append((reference, int(version) if version else None))
            except ValueError:
                raise forms.ValidationError(_("Invalid selection.")) from None
        return pairs

    def clean(self):
        data = super().clean()
        data["action"] = data.get("action") or self.TRANSITION  # Enter in a text field
        if data["action"] == self.TRANSITION and not data.get("to"):
            self.add_error("to", _("This field is required."))
        if data["action"] == self.ASSIGN and not data.get("assign_to"):
            self.add_error("assign_to", _("This field is required."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end comes before the start."))
        return data

    def period(self):
        from datetime import timedelta

        from django.utils import timezone

        today = timezone.localdate()
        end = self.cleaned_data.get("end") or today
        start = self.cleaned_data.get("start") or end - timedelta(days=89)
        return start, end
