"""Rate limit on anonymous reports, per client IP, shared by every worker through the cache."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from config.client_ip import client_ip


class SignalCreateThrottle(AnonRateThrottle):
    """`SIGNAL_CREATE_RATE` reports per client IP (DRF syntax, e.g. `60/hour`; `none` disables).

    Only creation is limited: reading the map stays free. Staff, being
    authenticated, are not counted. The counters live in the default cache,
    Redis when `REDIS_URL` is set, so that all workers share them.
    """

    scope = "signal_create"

    def get_rate(self):
        # Read at each request, not at import, so that the setting can change (tests, reloads).
        rate = str(getattr(settings, "SIGNAL_CREATE_RATE", "60/hour")).strip().lower()
        return None if rate in ("", "none", "off", "0") else rate

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_ident(self, request) -> str:
        return client_ip(request)
