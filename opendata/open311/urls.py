from django.urls import re_path

from opendata.open311 import views

FMT = r"\.(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^discovery{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", views.services, name="services"),
    re_path(rf"^services/(?P<code>[^/]+?){FMT}$", views.service_definition, name="service"),
    re_path(rf"^requests{FMT}$", views.requests_collection, name="requests"),
    re_path(rf"^requests/(?P<request_id>[^/]+?){FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+?){FMT}$", views.token, name="token"),
    re_path(r"^(?P<rest>.*?)\.(?P<fmt>xml)$", views.not_found),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
