"""Settings of the server the benchmark starts: the project's, plus a bare view to compare with."""

from config.settings import *  # noqa: F403
from config.settings import REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
# The load generator is one client on loopback: rate limits would measure themselves.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": [], "DEFAULT_THROTTLE_RATES": {}}
SIGNAL_CREATE_RATE = "none"
