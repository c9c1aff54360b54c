"""Open311 GeoReport v2 at /open311/v2/: thin views over documents.py and forms.py."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from config.client_ip import client_ip
from config.paging import skip_to
from geo.routing import OutsideTerritory
from opendata.open311.documents import (
    definition_document,
    discovery_document,
    request_documents,
    requests_queryset,
    service_document,
)
from opendata.open311.formats import render, render_errors
from opendata.open311.forms import read_post
from opendata.open311.throttles import RateLimit
from opendata.params import BadParameter, parse_instant, parse_int
from opendata.selectors import signals_open_data
from opendata.services import api_key_authenticate, open311_request_create
from signals.languages import resident_language
from signals.selectors import categories_reportable
from workflow.states import CLOSED

DEFAULT_SPAN = timedelta(days=90)  # the specification's default window
MAX_PAGE_SIZE = 1000


def refusal(request, *, status: int, message: str):
    """A request refused before any view ran (config.error_response), as GeoReport errors."""
    fmt = "xml" if request.path_info.endswith(".xml") else "json"
    return render_errors(fmt, status, [message])


def _services():
    return categories_reportable().annotate(attribute_count=Count("open311_attributes"))


@require_GET
def discovery(request, fmt):
    return render(fmt, "discovery", discovery_document(request.build_absolute_uri("/open311/v2/")))


@require_GET
def services(request, fmt):
    documents = [service_document(category) for category in _services()]
    return render(fmt, "services", documents)


@require_GET
def service_definition(request, fmt, code):
    category = _services().filter(code=code).prefetch_related("open311_attributes").first()
    if category is None:
        return render_errors(fmt, 404, [_("No service with the code “%(code)s”.") % {"code": code}])
    return render(fmt, "service_definition", definition_document(category))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def requests_filtered(params):
    """The GET requests filters of the specification, plus the page/page_size extension."""
    queryset = signals_open_data().order_by("-created_at", "-id")
    ids = _split(params.get("service_request_id", ""))
    if ids:
        # The specification: with service_request_id, the other parameters are ignored.
        return queryset.filter(reference__in=ids), 1, MAX_PAGE_SIZE
    if params.get("service_code"):
        queryset = queryset.filter(category__code__in=_split(params["service_code"]))
    start = parse_instant("start_date", params["start_date"]) if params.get("start_date") else None
    end = parse_instant("end_date", params["end_date"]) if params.get("end_date") else None
    if start and end and start > end:
        raise BadParameter("start_date", _("start_date is after end_date."))
    if start is None and end is None:
        start = timezone.now() - DEFAULT_SPAN
    if start:
        queryset = queryset.filter(created_at__gte=start)
    if end:
        queryset = queryset.filter(created_at__lte=end)
    if params.get("status"):
        statuses = set(_split(params["status"]))
        if not statuses <= {"open", "closed"}:
            raise BadParameter("status", _("status takes open, closed or open,closed."))
        closed = Q(status__in=[state.value for state in CLOSED])
        if statuses == {"open"}:
            queryset = queryset.exclude(closed)
        elif statuses == {"closed"}:
            queryset = queryset.filter(closed)
    page = parse_int("page", params["page"], minimum=1, maximum=10**6) if params.get("page") else 1
    size = MAX_PAGE_SIZE
    if params.get("page_size"):
        size = parse_int("page_size", params["page_size"], minimum=1, maximum=MAX_PAGE_SIZE)
    return queryset, page, size


def _requests_list(request, fmt):
    try:
        queryset, page, size = requests_filtered(request.GET)
    except BadParameter as error:
        return render_errors(fmt, 400, [str(error)])
    # The last public message and photo are looked up for the page's rows only.
    skipped = skip_to(queryset, (page - 1) * size, size + 1)
    rows = list(requests_queryset(skipped)[: size + 1])
    has_next = len(rows) > size
    response = render(fmt, "service_requests", request_documents(rows[:size], request))
    if has_next:
        query = request.GET.copy()
        query["page"] = str(page + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(query, doseq=True)}")
        response["Link"] = f'<{next_url}>; rel="next"'
    return response


def _too_many(fmt: str, seconds: int, message: str):
    response = render_errors(fmt, 429, [message % {"seconds": seconds}])
    response["Retry-After"] = str(seconds)
    return response


def _requests_create(request, fmt):
    # Failed key attempts are counted per address, and checked before the key itself, so
    # that someone trying keys in turn cannot tell when one of them is right.
    address = client_ip(request)
    failures = RateLimit("open311-key-failures", settings.OPEN311_KEY_FAILURE_RATE)
    wait = failures.retry_after(address)
    if wait:
        message = _(
            "Too many attempts with a wrong api_key from your address. "
            "Try again in %(seconds)s seconds."
        )
        return _too_many(fmt, wait, message)
    key = api_key_authenticate(secret=(request.POST.get("api_key") or "").strip())
    if key is None:
        failures.hit(address)
        return render_errors(fmt, 403, [_("A valid api_key is required to post a request.")])
    wait = RateLimit("open311-post", settings.OPEN311_POST_RATE).hit(key.pk)
    if wait:
        message = _("This api_key has posted too many requests. Try again in %(seconds)s seconds.")
        return _too_many(fmt, wait, message)
    posted = read_post(request.POST, request.FILES)
    if posted.errors:
        return render_errors(fmt, 400, posted.errors)
    try:
        signal = open311_request_create(
            category=posted.category,
            description=posted.description,
            location=posted.location,
            email=posted.email,
            # Accept-Language: the reporter's acknowledgement and news are written in it.
            language=resident_language(request.LANGUAGE_CODE),
            address=posted.address,
            photos=posted.photos,
            attributes=posted.attributes,
        )
    except OutsideTerritory:
        return render_errors(fmt, 400, [_("This location is outside the territory served.")])
    body = [
        {
            "service_request_id": signal.reference,
            "token": str(signal.uuid),
            "service_notice": "",
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", body, status=201)


@csrf_exempt  # a machine-to-machine API authenticated by api_key, not by a session cookie
@require_http_methods(["GET", "POST"])
def requests_collection(request, fmt):
    if request.method == "POST":
        return _requests_create(request, fmt)
    return _requests_list(request, fmt)


@require_GET
def request_detail(request, fmt, request_id):
    row = requests_queryset(signals_open_data().filter(reference=request_id)).first()
    if row is None:
        return render_errors(
            fmt, 404, [_("No request with the id “%(id)s”.") % {"id": request_id[:40]}]
        )
    return render(fmt, "service_requests", request_documents([row], request))


@require_GET
def token(request, fmt, token):
    try:
        token_uuid = uuid.UUID(token)
    except ValueError:
        token_uuid = None
    reference = (
        signals_open_data().filter(uuid=token_uuid).values_list("reference", flat=True).first()
        if token_uuid
        else None
    )
    if reference is None:
        return render_errors(fmt, 404, [_("No request with this token.")])
    return render(fmt, "service_requests", [{"service_request_id": reference, "token": token}])


def not_found(request, fmt="json", rest=""):
    return render_errors(fmt, 404, [_("No such GeoReport v2 resource.")])
