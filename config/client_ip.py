"""Who is asking: the client's IP address, as far as we can trust it.

`X-Forwarded-For` is written by whoever sends the request, so it is only
believed for the hops we run ourselves: with `TRUSTED_PROXY_COUNT=N` (the
number of reverse proxies in front of the app) the client is the N-th address
from the right; with 0, the default, it is the connection's address and the
header is ignored. A spoofed header therefore never buys a fresh rate limit or
login counter. Django REST framework's throttles (`NUM_PROXIES`) and
django-axes (`AXES_CLIENT_IP_CALLABLE`) both use this rule.
"""

from django.conf import settings


def client_ip(request) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote_addr
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote_addr
    return hops[-min(proxies, len(hops))]
