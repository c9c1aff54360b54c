from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("signals.urls")),
    path("api/v1/", include("geo.urls")),
    path("", include("workflow.urls")),
    path("", include("opendata.urls")),
    path("", include("publicmap.urls")),
]

if settings.DEBUG:
    # Uploaded photos; in production the front web server serves MEDIA_ROOT.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
