from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.static import serve

from signals.media import photo_file

# A database outage anywhere in the stack is a 503 with a message, not a 500.
handler500 = "config.unavailable.handler500"

urlpatterns = [
    path("media/photos/<str:shard>/<str:name>", photo_file, name="photo-file"),
    # The admin's login page shows "forgotten your password?" when this name exists: the
    # administrators reset theirs as agents do.
    path(
        "admin/password_reset/",
        RedirectView.as_view(pattern_name="workflow:password-reset"),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("signals.urls")),
    path("api/v1/", include("geo.urls")),
    path("api/v1/", include("workflow.api.urls")),
    path("", include("workflow.urls")),
    path("", include("opendata.urls")),
    path("", include("publicmap.urls")),
]

if settings.DEBUG:
    # Any other uploaded file; photos are served by `signals.media` in every mode.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
