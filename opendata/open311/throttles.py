"""Limits on Open311 POST: per API key, and per client address for failed key attempts.

An API key lets another system post signals. A buggy or leaked client must not
flood the services' queues (`OPEN311_POST_RATE` per key, default 600 an hour),
and nobody may try keys one after another (`OPEN311_KEY_FAILURE_RATE` failed
attempts per address, default 10 an hour; past it, even a right key from that
address waits). Rates use Django REST framework's syntax (`10/minute`);
`none` turns a limit off. Counters live in the cache — Redis when `REDIS_URL`
is set — so that every worker shares them, like the residents' limit.
"""

import math
import time

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimit:
    """At most N events per period for one identity (a sliding window of timestamps)."""

    def __init__(self, scope: str, rate: str):
        self.scope = scope
        rate = str(rate).strip().lower()
        if rate in ("", "none", "off", "0"):
            self.limit = None
            return
        count, _, period = rate.partition("/")
        self.limit, self.period = int(count), PERIODS[period[:1]]

    def _key(self, identity) -> str:
        return f"ratelimit:{self.scope}:{identity}"

    def _recent(self, identity, now: float) -> list[float]:
        return [t for t in cache.get(self._key(identity), []) if t > now - self.period]

    def retry_after(self, identity) -> int | None:
        """Seconds to wait if `identity` has used up its allowance, else None; records nothing."""
        if self.limit is None:
            return None
        now = time.time()
        recent = self._recent(identity, now)
        if len(recent) < self.limit:
            return None
        # Allowed again when the oldest event still counted leaves the window.
        return max(1, math.ceil(min(recent) + self.period - now))

    def hit(self, identity) -> int | None:
        """Count one event if the allowance has room (None); else the seconds to wait."""
        wait = self.retry_after(identity)
        if wait is None and self.limit is not None:
            now = time.time()
            cache.set(self._key(identity), [*self._recent(identity, now), now], self.period)
        return wait
