"""The answer the project gives when it refuses a request before any view ran.

API clients (and anything asking for JSON) get `{"detail": message}`; browsers get
a minimal page in the request's language. Used by the size cap (413) and the
database-outage guard (503), which cannot rely on templates or the database.
"""

from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

API_PREFIXES = ("/api/", "/open311/")


def error_response(request, *, status: int, title: str, message: str) -> HttpResponse:
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
