from django.urls import path

from geo.api import ServiceAreaListView, ServiceListView

app_name = "geo-api"

urlpatterns = [
    path("services/", ServiceListView.as_view(), name="service-list"),
    path("services/<str:slug>/areas/", ServiceAreaListView.as_view(), name="service-areas"),
]
