from django.urls import path

from geo.api import ServiceListView

app_name = "geo-api"

urlpatterns = [
    path("services/", ServiceListView.as_view(), name="service-list"),
]
