from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from opendata import views
from opendata.ogc import urls as ogc_urls
from opendata.open311 import urls as open311_urls

app_name = "opendata"

urlpatterns = [
    path("opendata/signalements.geojson", views.signals_geojson, name="export-geojson"),
    path("opendata/signalements.csv", views.signals_csv, name="export-csv"),
    path("opendata/dans-ma-rue.csv", views.signals_dansmarue_csv, name="export-dansmarue"),
    path("open311/v2/", include((open311_urls.urlpatterns, "open311"))),
    path("ogc/", include((ogc_urls.urlpatterns, "ogc"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script, so the CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="opendata:schema"), name="docs"),
]
