"""Refuse, up front, what no database can store or compare: a NUL byte.

PostgreSQL text cannot contain NUL (0x00). A value carrying one that reaches a query
fails there with a 500, wherever it came from: the query string (found by the
Hypothesis fuzzing of the read APIs, tests/security/test_fuzz_inputs.py), the path
(a reference, a slug) or a request body (a category code, a service slug, a
reference to merge into: found by schemathesis on the staff API). The middleware
answers the address; the API's parsers answer a body, with one message per field.
"""

from urllib.parse import unquote_to_bytes

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from config.error_response import error_response

NUL_IN_FIELD = gettext_lazy("Null characters are not allowed.")  # DRF's own CharField message


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = unquote_to_bytes(request.META.get("QUERY_STRING", ""))
        if "\x00" in request.path_info or b"\x00" in query:
            message = _("The address contains a NUL character (%00), which is not allowed.")
            return error_response(request, status=400, title=_("Bad request"), message=message)
        return self.get_response(request)


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


def _fields_holding_nul(data) -> list[str]:
    if hasattr(data, "lists"):  # a QueryDict: every value of a repeated field counts
        data = dict(data.lists())
    if not isinstance(data, dict):
        return [api_settings.NON_FIELD_ERRORS_KEY] if _holds_nul(data) else []
    return [str(key) for key, value in data.items() if _holds_nul(key) or _holds_nul(value)]


class _RefuseNul:
    """A parser whose body is refused when a field, at any depth, holds a NUL byte.

    Uploaded files are not looked at: they are bytes, not text, and NULs are common there.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        fields = _fields_holding_nul(getattr(parsed, "data", parsed))
        if fields:
            raise ValidationError({field: [NUL_IN_FIELD] for field in fields})
        return parsed


class JSONParser(_RefuseNul, parsers.JSONParser):
    pass


class FormParser(_RefuseNul, parsers.FormParser):
    pass


class MultiPartParser(_RefuseNul, parsers.MultiPartParser):
    pass
