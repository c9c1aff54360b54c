"""One cap on the size of every request body, checked before anything reads it.

Django limits form fields (`DATA_UPLOAD_MAX_MEMORY_SIZE`) and we limit each
photo (`PHOTO_MAX_BYTES`), but nothing stopped a client from sending a body of
any size: the server would read and spool all of it before a view refused it.
`REQUEST_MAX_BYTES` (default: three photos of 10 MB plus 2 MB of form fields)
is the most any request may send.

Two pieces, because a body comes in two ways:

- with a `Content-Length`: `RequestSizeLimitMiddleware` compares it with the
  cap and answers 413 at once, before CSRF or a parser touches the body (the
  client may still be sending it);
- chunked (`Transfer-Encoding: chunked`, no length), which gunicorn accepts
  but Django, reading `Content-Length` bytes, would silently take as empty:
  `ChunkedBodyLimit` (WSGI, around Django) reads it up to the cap into a
  temporary file and hands Django a body of known length — or, past the cap,
  stops reading and flags the request, which the middleware answers with 413.
"""

import tempfile

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from config.error_response import error_response

TOO_LARGE = "dansmarue.body_too_large"
# Chunked bodies up to this stay in memory; beyond, the temporary file goes to disk.
SPOOL_IN_MEMORY = 1024 * 1024
READ_SIZE = 64 * 1024


def request_max_bytes() -> int:
    return settings.REQUEST_MAX_BYTES


def too_large_response(request) -> HttpResponse:
    limit_mb = request_max_bytes() / (1024 * 1024)
    message = _(
        "This request is too large: at most %(limit)s MB may be sent at once "
        "(three photos of 10 MB and the form). Send smaller photos, or fewer."
    ) % {"limit": f"{limit_mb:g}"}
    response = error_response(request, status=413, title=_("Request too large"), message=message)
    # The rest of the body is never read: the connection cannot be reused.
    response["Connection"] = "close"
    return response


class RequestSizeLimitMiddleware:
    """413 for a body over `REQUEST_MAX_BYTES`, judged by its declared length alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body at all for a malformed length
        if request.META.get(TOO_LARGE) or length > request_max_bytes():
            return too_large_response(request)
        return self.get_response(request)


class ChunkedBodyLimit:
    """WSGI wrapper: a chunked body becomes a body of known length, at most the cap."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            self._buffer(environ)
        return self.application(environ, start_response)

    @staticmethod
    def _buffer(environ) -> None:
        limit = request_max_bytes()
        # Not a `with`: the file is the request's body, read by Django after we return.
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        stream, size = environ["wsgi.input"], 0
        while size <= limit:
            chunk = stream.read(min(READ_SIZE, limit + 1 - size))
            if not chunk:
                break
            body.write(chunk)
            size += len(chunk)
        if size > limit:
            body.close()
            environ[TOO_LARGE] = True
            size = 0
            body = tempfile.SpooledTemporaryFile(max_size=1)  # noqa: SIM115
        body.seek(0)
        environ["wsgi.input"] = body
        environ["CONTENT_LENGTH"] = str(size)
