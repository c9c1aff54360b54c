"""The residents' pages. Thin: validate, call one service or selector, render."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from geo.routing import OutsideTerritory
from publicmap.forms import FeedbackForm, FollowForm, ReportForm, SignalFilterForm
from publicmap.icons import icon_url
from publicmap.list_page import list_page
from publicmap.maps import map_parts
from signals.api.filters import SignalFilter
from signals.api.serializers import MAX_PHOTOS
from signals.followers import follower_confirm, follower_subscribe
from signals.held_photos import photos_hold, photos_release
from signals.languages import resident_language
from signals.models import Photo, Signal
from signals.selectors import signals_public
from signals.services import signal_create
from signals.unsubscribe import UnknownToken, recipient_for_token, recipient_unsubscribe
from workflow.feedback import FeedbackClosed, feedback_give, feedback_request
from workflow.models import StatusChange
from workflow.states import State

STATUS_COLOURS = {
    State.NEW: "#b3261e",
    State.ACCEPTED: "#b45309",
    State.SCHEDULED: "#7b3fa0",
    State.IN_PROGRESS: "#1d5fa8",
    State.ON_HOLD: "#5b6470",
    State.RESOLVED: "#1e7a3c",
    State.REJECTED: "#2f3b48",
    State.DUPLICATE: "#6b5b45",
}


def _legend():
    return [
        {"code": state.value, "label": state.label, "colour": STATUS_COLOURS[state]}
        for state in State
    ]


def _map_config(**extra) -> dict:
    return {
        "signalsUrl": reverse("signals-api:signal-list"),
        "aggregatesUrl": reverse("signals-api:signal-aggregates"),
        "nearbyUrl": reverse("signals-api:signal-nearby"),
        "signalUrl": reverse("publicmap:signal-detail", kwargs={"reference": "REF"}),
        "statuses": {item["code"]: item for item in _legend()},
        # Beyond this many signals in view, the map shows counts per cell instead of points.
        "pointsLimit": 500,
        "minPointsZoom": 12,
        "strings": {
            "zoomIn": _("Zoom in"),
            "zoomOut": _("Zoom out"),
            "open": _("See the report"),
            "reported": _("Reported on"),
            "photo": _("Photo of the problem"),
            "signals": _("reports"),
            "loading": _("Loading…"),
            "shownOne": _("1 report in view"),
            "shown": _("%(count)s reports in view"),
            "aggregated": _("%(count)s reports in view: zoom in to see them one by one"),
            "error": _("The reports could not be loaded. Try again later."),
            "here": _("The point of your report"),
            "noPosition": _("Your position is not available."),
            "nearbyNone": _("No open report of this kind within 50 m."),
            "nearbyFollow": _("Follow this one instead"),
            "metres": _("%(distance)s m away"),
            "needCategory": _("Choose what the problem is."),
            "needPoint": _(
                "Place the point on the map, use your position, or type its coordinates."
            ),
            "needDescription": _("Describe the problem in a few words."),
            "tooManyPhotos": _("At most 3 photos."),
        },
        **extra,
    }


def favicon(request):
    # What a browser asks for where a page names no icon (an image opened on its own).
    return HttpResponsePermanentRedirect(static("publicmap/icon.svg"))


def home(request):
    filters = SignalFilterForm(request.GET or None)
    return render(
        request,
        "publicmap/home.html",
        {
            "map": map_parts(clustered=True),
            "filters": filters,
            "legend": _legend(),
            "map_config": _map_config(),
        },
    )


@require_http_methods(["GET", "POST"])
def report(request):
    nearby, held_token = [], ""
    if request.method == "POST":
        form = ReportForm(request.POST, files_photos=request.FILES.getlist("photos"))
        if form.is_valid():
            # "Déjà signalé ?" without JavaScript: the page comes back with the open signals
            # of this kind nearby, to follow one of them or to send this report all the same.
            nearby = form.nearby_unseen()
        if form.is_valid() and not nearby:
            try:
                signal = signal_create(
                    source=Signal.Source.WEB,
                    language=resident_language(request.LANGUAGE_CODE),
                    **form.validated,
                )
            except OutsideTerritory:
                form.add_location_error(
                    _(
                        "This place is outside the territory we serve: Dans ma rue cannot "
                        "send this report to anyone. Check the point on the map."
                    )
                )
            else:
                photos_release(token=form.data.get("held_photos", ""))
                return redirect("publicmap:report-done", reference=signal.reference)
        held_token = _keep_photos(request, form)
    else:
        form = ReportForm(initial={"category": request.GET.get("categorie", "")})
    kept = len(form.all_photos) if held_token else 0
    lon, lat = form.data.get("longitude"), form.data.get("latitude")
    return render(
        request,
        "publicmap/report.html",
        {
            "form": form,
            "map": map_parts(zoom=settings.MAP_ZOOM),
            "map_config": _map_config(),
            "held_token": held_token,
            "kept_photos": kept,
            "photo_slots": range(kept + 1, MAX_PHOTOS + 1),
            "point_set": bool(lon and lat),
            "nearby": nearby,
            # Seen now: the next sending goes through unless the category or the point changes.
            "nearby_seen": form.nearby_key() if nearby else form.data.get("nearby_seen", ""),
        },
        status=400 if form.is_bound and not nearby else 200,
    )


def _keep_photos(request, form: ReportForm) -> str:
    """The form comes back: keep its valid photos for the next sending, or forget them if
    the resident asked to. Returns the token the page carries ("" when nothing is kept).
    The page's own script keeps the chosen files in the browser and says so: nothing to keep."""
    token = form.data.get("held_photos", "")
    if form.data.get("drop_held_photos"):
        photos_release(token=token)
        token = ""
    if request.POST.get("photos_in_browser") or not form.all_photos:
        return ""
    if form.fresh_photos:
        token = photos_hold(photos=form.fresh_photos, token=token if form.held else "")
    return token


def report_done(request, reference: str):
    signal = get_object_or_404(signals_public(), reference=reference)
    return render(request, "publicmap/report_done.html", {"signal": signal})


def signal_list(request):
    filters = SignalFilterForm(request.GET or None)
    params = filters.api_params()
    queryset = SignalFilter(params, queryset=signals_public()).qs.order_by("-created_at", "-id")
    page = list_page(queryset, request.GET.get("page"), size=25)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "publicmap/signal_list.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


def signal_detail(request, reference: str):
    signal = get_object_or_404(signals_public(), reference=reference)
    photos = [photo for photo in signal.photos.all() if photo.is_public]
    return render(
        request,
        "publicmap/signal_detail.html",
        {
            "signal": signal,
            "icon": icon_url(signal.category.parent.icon if signal.category.parent else ""),
            # Public messages only: the internal note and the actor never reach this page,
            # nor the internal steps (transfers, comments, assignments), which change no
            # status and would only repeat the current one.
            "timeline": signal.history.filter(kind=StatusChange.Kind.STATUS)
            .order_by("created_at", "id")
            .only("to_state", "message", "created_at"),
            "before": [p for p in photos if p.kind == Photo.Kind.BEFORE],
            "after": [p for p in photos if p.kind == Photo.Kind.AFTER],
            "followers": signal.followers.filter(confirmed_at__isnull=False).count(),
            "follow_form": FollowForm(),
            "colour": STATUS_COLOURS[State(signal.status)],
            "map_config": _map_config(),
            "map": map_parts(
                center=(signal.location.x, signal.location.y),
                zoom=17,
                marker=(signal.location.x, signal.location.y),
            ),
        },
    )


@require_POST
def signal_follow(request, reference: str):
    signal = get_object_or_404(Signal, reference=reference)
    form = FollowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid e-mail address to follow this report."))
        return redirect(reverse("publicmap:signal-detail", args=[reference]) + "#suivre")
    follower_subscribe(
        signal=signal,
        email=form.cleaned_data["email"],
        language=resident_language(request.LANGUAGE_CODE),
    )
    messages.success(
        request,
        _("Almost done: open the link we have just sent to %(email)s to confirm.")
        % {"email": form.cleaned_data["email"]},
    )
    return redirect(reverse("publicmap:signal-detail", args=[reference]) + "#suivre")


def follow_confirm(request, token):
    try:
        follower = follower_confirm(token=token)
    except UnknownToken:
        raise Http404 from None
    messages.success(request, _("Confirmed: you will be informed of each change."))
    return redirect("publicmap:signal-detail", reference=follower.signal.reference)


# The token in the URL is the credential. A mail client's one-click POST (RFC 8058) comes
# without cookies, hence without a CSRF token; the page's own form keeps its CSRF check.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def follow_stop(request, token: str):
    """Stop a follower's or a reporter's e-mails about a signal: the link in each of them."""
    if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
        try:
            recipient = recipient_unsubscribe(token=token)
        except UnknownToken:
            return _follow_stop_invalid(request)
        # RFC 8058: the answer to a one-click POST must not be a redirect.
        return render(request, "publicmap/follow_stop.html", {"recipient": recipient, "done": True})
    return _follow_stop_page(request, token)


@csrf_protect
def _follow_stop_page(request, token: str):
    recipient = recipient_for_token(token=token)
    if recipient is None:
        return _follow_stop_invalid(request)
    # Opening the link only asks: mail scanners open links, and must not unsubscribe anyone.
    if request.method != "POST":
        return render(request, "publicmap/follow_stop.html", {"recipient": recipient})
    try:
        recipient_unsubscribe(token=token)
    except UnknownToken:
        return _follow_stop_invalid(request)
    if recipient.is_reporter:
        messages.success(request, _("Done: you will receive no more e-mails about this report."))
    else:
        messages.success(request, _("Done: you no longer follow this report."))
    return redirect("publicmap:signal-detail", reference=recipient.signal.reference)


def _follow_stop_invalid(request):
    return render(request, "publicmap/follow_stop.html", {"invalid": True}, status=404)


@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request, token: str):
    """Is it fixed? A resident's answer once the service says it is (workflow.feedback)."""
    try:
        asked = feedback_request(token=token)
    except FeedbackClosed as closed:
        recipient = recipient_for_token(token=token)
        return render(
            request,
            "publicmap/feedback.html",
            {"closed": closed.reason, "signal": recipient.signal},
        )
    if asked is None:
        return render(request, "publicmap/feedback.html", {"invalid": True}, status=404)
    if request.method != "POST":
        initial = {}
        if asked.previous is not None:
            initial = {
                "is_fixed": "yes" if asked.previous.is_fixed else "no",
                "comment": asked.previous.comment,
            }
        form = FeedbackForm(initial=initial)
    else:
        form = FeedbackForm(request.POST, request.FILES)
        if not form.is_valid():
            form.keep_photo()
        else:
            data = form.cleaned_data
            feedback_give(
                request=asked,
                is_fixed=data["is_fixed"],
                comment=data["comment"],
                photo=data.get("photo"),
            )
            form.forget_held_photo()
            if form.cleaned_data["is_fixed"]:
                messages.success(request, _("Thank you: the service is told it is fixed."))
            else:
                messages.success(
                    request,
                    _("Thank you: the service is told it is not fixed, and will look at it again."),
                )
            return redirect("publicmap:signal-detail", reference=asked.signal.reference)
    context = {
        "form": form,
        "signal": asked.signal,
        "resolution": asked.resolution,
        "kept_photo": asked.previous is not None and asked.previous.photo_id is not None,
    }
    return render(request, "publicmap/feedback.html", context, status=400 if form.errors else 200)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def follow_stop_former_url(request, token: str):
    """The former stop link: opening it leads to the one above, for good."""
    if request.method == "POST":
        # A one-click POST must not be redirected (RFC 8058): it is answered here.
        return follow_stop(request, token)
    return redirect("publicmap:follow-stop", token=token, permanent=True)
