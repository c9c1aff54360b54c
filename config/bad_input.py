"""Refuse, up front, a query string that no database can store or compare: a NUL byte.

PostgreSQL text cannot contain NUL (0x00); a filter value carrying one would
reach the database and fail there with a 500. Found by the Hypothesis fuzzing
of the read APIs (tests/security/test_fuzz_inputs.py).
"""

from urllib.parse import unquote_to_bytes

from django.http import JsonResponse
from django.utils.translation import gettext as _


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
            return JsonResponse(
                {"detail": _("The address contains a NUL character (%00), which is not allowed.")},
                status=400,
            )
        return self.get_response(request)
