"""When the database is unreachable: a clean 503 with a message, never a 500 or a traceback.

A PostgreSQL restart or fail-over drops every connection for a few seconds.
Requests during that time get a 503 with `Retry-After`, a message in the
client's language, JSON for API clients; once the database answers again,
Django's connection health checks (`conn_health_checks`) replace the dead
connections and the service recovers with no one touching it. Writes are
atomic, so a request cut short leaves nothing half-written.

The middleware catches errors raised in views; `handler500` catches those
raised anywhere else (another middleware touching the session, say).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.defaults import server_error

from config.error_response import error_response

log = logging.getLogger("dansmarue.unavailable")
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def unavailable_response(request) -> HttpResponse:
    message = _(
        "The service is briefly unavailable (database unreachable). Please try again in a moment; nothing was recorded."
    )
    response = error_response(request, status=503, title=_("Service unavailable"), message=message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            log.error("Database unavailable on %s %s: %s", request.method, request.path, exception)
            return unavailable_response(request)
        return None


def handler500(request, *args, **kwargs):
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return unavailable_response(request)
    return server_error(request, *args, **kwargs)
