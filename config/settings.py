"""Settings for Dans ma rue.

Every value that differs between a laptop and a city's server comes from an
environment variable; the README lists them. The defaults are those of the
database and server that `make run` sets up, so `manage.py` needs no
environment at all on a developer's machine.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import xstatic.pkg.font_awesome
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)
# A fixed development key is fine on a laptop; production refuses to start without its own.
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# --- HTTPS (production: DJANGO_DEBUG=0 turns all of it on) -------------------
# Behind our own TLS-terminating proxy, its X-Forwarded-Proto says whether the client used HTTPS.
if env_int("TRUSTED_PROXY_COUNT", 0) > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    # Index expressions with an operator class (the search's trigram indexes, signals.models).
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "leaflet",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "geo",
    "signals",
    "workflow",
    "publicmap",
    "opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Mails committed by a request are sent once its response is out (workflow/middleware.py).
    "workflow.middleware.MailsAfterResponseMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response (policy below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A body over REQUEST_MAX_BYTES: a 413 before CSRF or a parser reads it (config/request_size.py).
    "config.request_size.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A NUL byte in the path or query string: a 400, before it reaches PostgreSQL (config/bad_input.py).
    "config.bad_input.RefuseNulBytesMiddleware",
    # Database unreachable in a view: a 503 with a message (config/unavailable.py).
    "config.unavailable.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # {{ CSP_NONCE }}: the attribute every inline <script> must carry.
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DEFAULT_DATABASE_URL = "postgis://dansmarue:dansmarue@127.0.0.1:5432/dansmarue"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", DEFAULT_DATABASE_URL),
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Routing's two lookups are prepared once per connection and run with their generic plan
# (config.prepared): planning them cost as much as running them. Django's own
# queries bind parameters on the client and are never prepared, whatever is set here.
# DATABASE_PREPARED_STATEMENTS=false behind a pooler that cannot keep prepared statements
# (PgBouncer in transaction mode before 1.21).
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["prepare_threshold"] = 5
    _options["options"] = (
        _options.get("options", "") + " -c plan_cache_mode=force_generic_plan"
    ).strip()
# Behind a pooler in transaction mode (PgBouncer), a cursor cannot outlive its transaction,
# and Django's `.iterator()` outside one (the admin's and forms' choice lists) would fail:
# DATABASE_SERVER_SIDE_CURSORS=false reads them in one go. The exports are unaffected: the
# open-data ones are COPYs inside their own transaction, the Paris-format and the staff
# queue's CSVs read by keyset (opendata.exports).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = not env_bool(
    "DATABASE_SERVER_SIDE_CURSORS", True
)
# No JIT compilation: PostgreSQL compiles any statement its planner prices above 100,000,
# and the app's are short whatever their price (a live count of a service's matches is
# priced like a scan of the table): compiling took 56 ms of a 190 ms count on the bench
# city, and no export got faster with it. DATABASE_JIT=true leaves the server's setting, e.g. behind
# a pooler that refuses startup options (then `ALTER ROLE ... SET jit = off` does the same).
if not env_bool("DATABASE_JIT", False):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c jit=off").strip()
if env_str("TEST_DATABASE_NAME", ""):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
if env_str("REDIS_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL", ""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Internationalisation: French first, English available ----------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
# Third-party assets come from PyPI xstatic packages, served under their own prefix:
# no CDN, nothing pasted into the repository.
STATICFILES_DIRS += [
    ("leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
    ("fontawesome", xstatic.pkg.font_awesome.BASE_DIR),
]
# Uploaded photos live outside the code tree.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    # The file system, noting the photos written in a transaction so that a rollback
    # removes them (signals/storage.py).
    "default": {"BACKEND": "signals.storage.TransactionalFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The send right after a commit happens inside a resident's or an agent's request: a relay
# that does not answer may hold it this long at most (the mail then waits for the timer's
# `send_pending_mail`, which allows EMAIL_TIMEOUT).
EMAIL_INLINE_TIMEOUT = env_int("EMAIL_INLINE_TIMEOUT", 2)
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Dans ma rue <ne-pas-repondre@dansmarue.example>"
)
# Absolute links in e-mails are built from this, not from the request's Host header.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- Staff side (workflow) --------------------------------------------------
# Agents choose their own passwords (the account page): Django's usual checks.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "workflow:login"
LOGIN_REDIRECT_URL = "workflow:queue"
LOGOUT_REDIRECT_URL = "workflow:login"
# A forgotten password: the link mailed to the account's address is valid this long, once
# (workflow/password_reset.py). Links asked per client IP and per address, as below.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_MINUTES", 60) * 60
PASSWORD_RESET_RATE = env_str("PASSWORD_RESET_RATE", "5/hour")

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # DRF's own, refusing a NUL byte in any field with a 400 (config/bad_input.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.bad_input.JSONParser",
        "config.bad_input.FormParser",
        "config.bad_input.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # X-Forwarded-For is believed only for our own proxies (see config/client_ip.py).
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0),
}

# How each open-data standard says "refused" when a guard answers before any view ran
# (config/error_response.py); elsewhere, `{"detail": ...}` or a small page.
REFUSAL_FORMATS = {
    "/ogc/": "opendata.ogc.views.refusal",
    "/open311/": "opendata.open311.views.refusal",
}

# The most one request may send: three photos of 10 MB, the form's fields and the multipart
# overhead. Larger: 413 (config/request_size.py).
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 34 * 1024 * 1024)

# Days after a signal is closed before `anonymize_reporters` erases its reporter's e-mail.
REPORTER_EMAIL_RETENTION_DAYS = env_int("REPORTER_EMAIL_RETENTION_DAYS", 365)
# Days the outbox keeps a mail once sent (or given up): its address, body and links.
MAIL_RETENTION_DAYS = env_int("MAIL_RETENTION_DAYS", 30)
# Days after a signal is resolved during which the link in the e-mail asks "is it fixed?".
FEEDBACK_DAYS = env_int("FEEDBACK_DAYS", 30)
# How long the link of a "Mes signalements" e-mail lists the resident's signals.
RESIDENT_LINK_DAYS = env_int("RESIDENT_LINK_DAYS", 7)

# --- Abuse and sessions ------------------------------------------------------
# Reverse proxies we run in front of the app; 0 means the connection's address is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Anonymous reports per client IP, in DRF's syntax ("60/hour", "5/minute"); "none" disables.
SIGNAL_CREATE_RATE = env_str("SIGNAL_CREATE_RATE", "60/hour")
# Open311 POST: requests per API key, and failed api_key attempts per client IP (same syntax).
OPEN311_POST_RATE = env_str("OPEN311_POST_RATE", "600/hour")
OPEN311_KEY_FAILURE_RATE = env_str("OPEN311_KEY_FAILURE_RATE", "10/hour")
# "Mes signalements": links asked per client IP and per e-mail address (same syntax).
RESIDENT_LINK_RATE = env_str("RESIDENT_LINK_RATE", "5/hour")
AUTHENTICATION_BACKENDS = [
    "config.auth_backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address: locked out for 30 minutes (429).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("LOGIN_LOCKOUT_MINUTES", 30.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_VERBOSE = False
# Only staff have sessions (residents report anonymously): they end after a working day,
# and when the browser closes.
SESSION_COOKIE_AGE = env_int("STAFF_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Dans ma rue ------------------------------------------------------------
# Beyond this distance from every service area, a point is outside the territory served.
ROUTING_MAX_DISTANCE_M = env_float("ROUTING_MAX_DISTANCE_M", 5000.0)
# Public references read PREFIX-YEAR-NUMBER, e.g. DMR-2026-000123.
SIGNAL_REFERENCE_PREFIX = env_str("SIGNAL_REFERENCE_PREFIX", "DMR")
# Where the public map opens: lon, lat, zoom (the demo territory is central Paris).
MAP_CENTER = [float(v) for v in env_list("MAP_CENTER", ["2.3488", "48.8534"])]
MAP_ZOOM = env_int("MAP_ZOOM", 13)
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)


def tile_origin(url: str) -> str:
    """The CSP source of the basemap tiles: `{s}.` sub-domains become a wildcard."""
    parts = urlsplit(url.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "'self'"


# Only our own scripts run: files from our static folder, and inline scripts that carry
# this response's nonce (`nonce="{{ CSP_NONCE }}"`). Images from us and the tile server.
# Styles may be inline: Leaflet and folium set them, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": sorted({SELF, "data:", "blob:", tile_origin(MAP_TILE_URL)}),
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# GeoDjango warns that GDAL < 3.9 cannot block network access from spatial
# references. Only staff-run imports (`import_areas`) hand files to GDAL;
# nothing a resident sends goes through it. Debian 12 ships GDAL 3.6.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- OpenAPI (drf-spectacular): the public API's schema at /api/schema/, docs at /api/docs/
SPECTACULAR_SETTINGS = {
    "TITLE": "Dans ma rue API",
    "DESCRIPTION": "Report problems in the public space and follow them. "
    "Open311 GeoReport v2 is at /open311/v2/, OGC API – Features at /ogc/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["opendata.openapi.public_api_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "opendata.openapi.geojson_pages",
        "opendata.openapi.local_examples",
    ],
    # The workflow's states appear in several serializers: one name for one choice set.
    "ENUM_NAME_OVERRIDES": {"SignalStatusEnum": "workflow.states.State"},
    # Swagger UI from our own static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to swagger.io's online validator: the docs page talks to this server only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# The admin's map widget (django-leaflet): assets from our static files, tiles from our setting.
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (MAP_CENTER[1], MAP_CENTER[0]),
    "DEFAULT_ZOOM": MAP_ZOOM,
    "TILES": [("", MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION})],
    "NO_GLOBALS": False,
}
