"""The answer the project gives when it refuses a request before any view ran.

Open-data clients get the error document of their standard (`REFUSAL_FORMATS`: OGC
API's exception, Open311's error list); other API clients (and anything asking for
JSON) get `{"detail": message}`; browsers get a minimal page in the request's language.
Used by the NUL guard (400), the size cap (413) and the database-outage guard (503),
which cannot rely on templates or the database.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.module_loading import import_string

API_PREFIXES = ("/api/", "/opendata/")  # the standards of REFUSAL_FORMATS aside


def error_response(request, *, status: int, title: str, message: str) -> HttpResponse:
    for prefix, refusal in settings.REFUSAL_FORMATS.items():
        if request.path_info.startswith(prefix):
            return import_string(refusal)(request, status=status, message=message)
    wants_json = request.path.startswith(API_PREFIXES) or "json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        return JsonResponse({"detail": message}, status=status)
    language = escape(getattr(request, "LANGUAGE_CODE", "fr"))
    title = escape(title)
    return HttpResponse(
        f'<!doctype html><html lang="{language}"><meta charset=utf-8><title>{title}</title>'
        f"<h1>{title}</h1><p>{escape(message)}</p></html>",
        status=status,
    )
