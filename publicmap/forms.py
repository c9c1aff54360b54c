"""The residents' forms. The report form validates with the API's own serializer,
so the page without JavaScript and the API refuse exactly the same things."""

from datetime import timedelta

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.widgets import PlainSelect
from signals.api.serializers import MAX_PHOTOS, SignalCreateInputSerializer
from signals.categories import categories_to_report, category_filter_choices
from signals.held_photos import photos_held, photos_hold, photos_release
from signals.photos import (
    CleanPhoto,
    InvalidPhoto,
    InvalidPhotos,
    photo_clean,
    photo_read,
    photos_clean,
)
from signals.selectors import signals_nearby
from workflow.feedback import COMMENT_MAX_LENGTH
from workflow.questions import ANSWER_MAX_LENGTH
from workflow.states import State


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What is the problem?"), widget=forms.RadioSelect)
    longitude = forms.FloatField(label=_("Longitude"), required=False)
    latitude = forms.FloatField(label=_("Latitude"), required=False)
    description = forms.CharField(
        label=_("Describe it"),
        help_text=_("Where exactly, what you see. Do not write your name or phone number."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
    )
    email = forms.EmailField(
        label=_("Your e-mail (optional)"),
        help_text=_("To be informed when the problem is dealt with. It is never published."),
        required=False,
    )
    # "Déjà signalé ?": the category and point whose nearby signals the resident has seen
    # (in the page with JavaScript, or on the page the server sent back without it).
    nearby_seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)
    # Without JavaScript, the photos of an earlier sending of this form, kept on the server
    # (signals.held_photos): a browser cannot refill a file input.
    held_photos = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    drop_held_photos = forms.BooleanField(required=False)  # its label is in the page

    # Errors of what is not a plain field: the point (from the map) and the photos.
    EXTRA = ("location", "photos")

    def __init__(self, *args, files_photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.photos = list(files_photos)
        # Kept from an earlier sending, then the valid ones among those sent now.
        self.held, self.held_gone, self.fresh_photos = [], False, []
        if self.is_bound and not self.data.get("drop_held_photos"):
            token = self.data.get("held_photos", "")
            held = photos_held(token=token)
            self.held, self.held_gone = held or [], bool(token) and held is None
        # The list shown, from the process's copy of the categories: no query.
        self.to_report = categories_to_report()
        self.fields["category"].choices = [
            (c.code, c.display_name) for _kind, choices in self.to_report for c in choices
        ]
        self.extra_errors: dict[str, list[str]] = {}
        self.validated: dict = {}

    def clean(self):
        data = super().clean()
        lon, lat = data.get("longitude"), data.get("latitude")
        if lon is None or lat is None:
            self.extra_errors["location"] = [
                str(_("Place the point on the map, use your position, or type its coordinates."))
            ]
        payload = {
            "category": self.data.get("category", ""),
            "description": self.data.get("description", ""),
            "email": self.data.get("email", ""),
        }
        if lon is not None and lat is not None:
            payload["location"] = {"type": "Point", "coordinates": [lon, lat]}
        self._clean_photos()
        serializer = SignalCreateInputSerializer(data=payload)
        if serializer.is_valid():
            self.validated = {**serializer.validated_data, "photos": self.all_photos}
        else:
            for field, messages in serializer.errors.items():
                messages = _flatten(messages)
                if field in self.EXTRA:
                    self.extra_errors.setdefault(field, []).extend(messages)
                elif field in self.fields and field not in self.errors:
                    for message in messages:
                        self.add_error(field, message)
        if self.extra_errors:
            raise forms.ValidationError(_("Some information is missing or wrong: see below."))
        return data

    def _clean_photos(self) -> None:
        # The photos are checked here, not by the serializer, so that the valid ones can be
        # kept for the next sending even when another field is wrong.
        photos_errors = self.extra_errors.setdefault("photos", [])
        if self.held_gone:
            photos_errors.append(
                str(_("The photos you sent earlier were kept for an hour only: choose them again."))
            )
        if len(self.held) + len(self.photos) > MAX_PHOTOS:
            photos_errors.append(str(_("At most %(max)d photos.") % {"max": MAX_PHOTOS}))
        elif self.photos:
            try:
                self.fresh_photos = photos_clean(
                    files=self.photos, first_position=len(self.held) + 1
                )
            except InvalidPhotos as error:
                photos_errors.extend(error.messages)
        if not photos_errors:
            del self.extra_errors["photos"]

    @property
    def all_photos(self) -> list:
        return [*self.held, *self.fresh_photos]

    def nearby_key(self) -> str:
        """What `nearby_seen` holds once the resident has seen the signals near this report."""
        location = self.validated["location"]
        return f"{self.validated['category'].code}@{location.x:.6f},{location.y:.6f}"

    def nearby_unseen(self) -> list:
        """Open signals of this category near this point that the resident has not been shown
        yet: a valid report waits for them to choose between following one and sending."""
        if self.cleaned_data.get("nearby_seen") == self.nearby_key():
            return []
        return signals_nearby(point=self.validated["location"], category=self.validated["category"])

    def add_location_error(self, message: str) -> None:
        self.extra_errors.setdefault("location", []).append(message)
        self.add_error(None, _("Some information is missing or wrong: see below."))

    def category_groups(self):
        """[(type, [(choice, checked)])] for the two-level radio list: a type's sub-types, or
        the type itself when it has none."""
        chosen = self.data.get("category") if self.is_bound else self.initial.get("category")
        return [
            (kind, [(choice, choice.code == chosen) for choice in choices])
            for kind, choices in self.to_report
        ]


def _flatten(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in _flatten(value)]
    return [str(messages)]


class FollowForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail"))


class ResidentLinkForm(FollowForm):
    """ "Mes signalements": the address to send the link to (signals.resident_links)."""


class KeepsItsPhoto(forms.Form):
    """A form with one optional `photo` that keeps it when it comes back with an error: the
    photo waits on the server (signals.held_photos) under a token the page carries, and goes
    with the next sending, since a browser cannot refill a file input. A new photo replaces
    it."""

    held_photo = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    photo_name = "photo"  # the stored file's name stem

    def clean_photo(self) -> CleanPhoto | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return photo_clean(data=photo_read(upload=upload), name=self.photo_name)
        except InvalidPhoto as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        data = super().clean()
        if not data.get("photo") and "photo" not in self.errors:
            held = photos_held(token=data.get("held_photo", ""))
            if held:
                data["photo"] = held[0]
        return data

    @property
    def photo_kept(self) -> bool:
        return bool(self.is_bound and self.data.get("held_photo"))

    def keep_photo(self) -> None:
        """The form comes back with an error: hold its new valid photo for the next sending
        (it replaces one held before), or go on holding the earlier one."""
        token = self.data.get("held_photo", "")
        if self.files.get("photo") and "photo" not in self.errors:
            photos_release(token=token)
            token = photos_hold(photos=[self.cleaned_data["photo"]])
        elif photos_held(token=token) is None:
            token = ""
        self.data = self.data.copy()
        self.data["held_photo"] = token

    def forget_held_photo(self) -> None:
        """Sent: the held photo went with it, or a new one replaced it."""
        photos_release(token=self.data.get("held_photo", ""))


class FeedbackForm(KeepsItsPhoto):
    """The question of the link in the "resolved" e-mail: is it fixed? (workflow.feedback)."""

    is_fixed = forms.TypedChoiceField(
        label=_("Is the problem fixed?"),
        choices=[("yes", _("Yes, it is fixed")), ("no", _("No, it is not fixed"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no.")},
    )
    comment = forms.CharField(
        label=_("A word for the service (optional)"),
        help_text=_("What is still wrong, if anything. Only the service reads it."),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photo = forms.FileField(
        label=_("A photo (optional)"),
        help_text=_(
            "What you see now, if it is not fixed. Only the service sees it; its details "
            "(place, date, device) are removed."
        ),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )

    photo_name = "feedback"


class AnswerForm(KeepsItsPhoto):
    """The reporter's answer to a service's question (workflow.questions)."""

    answer = forms.CharField(
        label=_("Your answer"),
        help_text=_("Only the service reads it."),
        max_length=ANSWER_MAX_LENGTH,
        required=False,  # a photo alone may answer "where exactly?"
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photo = forms.FileField(
        label=_("A photo (optional)"),
        help_text=_(
            "If it helps to answer. Only the service sees it; its details (place, date, "
            "device) are removed."
        ),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )

    photo_name = "answer"

    def clean(self):
        data = super().clean()
        if (
            not data.get("answer", "").strip()
            and not data.get("photo")
            and "photo" not in self.errors
        ):
            self.add_error("answer", _("Write your answer, or send a photo."))
        return data


PERIODS = {
    "7": timedelta(days=7),
    "30": timedelta(days=30),
    "365": timedelta(days=365),
}


class SignalFilterForm(forms.Form):
    """The map's and the list's filters, translated into the API's query parameters."""

    category = forms.ChoiceField(label=_("Category"), required=False, widget=PlainSelect)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *State.choices],
        widget=PlainSelect,
    )
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            ("", _("at any time")),
            ("7", _("in the last 7 days")),
            ("30", _("in the last 30 days")),
            ("365", _("in the last 12 months")),
        ],
        widget=PlainSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # From the process's copy of the categories: the map and the list show this on every
        # visit, and the table changes a few times a year.
        self.fields["category"].choices = [("", _("All")), *category_filter_choices()]

    def api_params(self) -> QueryDict:
        params = QueryDict(mutable=True)
        if not self.is_valid():
            return params
        if self.cleaned_data["category"]:
            params["category"] = self.cleaned_data["category"]
        if self.cleaned_data["status"]:
            params["status"] = self.cleaned_data["status"]
        if self.cleaned_data["period"]:
            since = timezone.now() - PERIODS[self.cleaned_data["period"]]
            params["created_after"] = since.isoformat()
        return params
