"""The public API of services: the list without geometry, and each service's areas on request,
simplified and paginated (a city's boundaries can weigh megabytes)."""

import math

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geo.models import Service, ServiceArea
from geo.selectors import service_areas_simplified, services_public

DEFAULT_SIMPLIFY_M = 1.0
MAX_SIMPLIFY_M = 5000.0
_EQUATOR_M = 40075016.686


class ServiceSerializer(serializers.ModelSerializer):
    areas_url = serializers.SerializerMethodField()

    class Meta:
        model = Service
        # The contact e-mail stays off the public API: it reaches staff, not residents.
        fields = ["slug", "name", "areas_url"]

    def get_areas_url(self, service: Service) -> str:
        path = reverse("geo-api:service-areas", kwargs={"slug": service.slug})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ServiceListView(generics.ListAPIView):
    """GET /api/v1/services/ — the active services, without their areas' geometry."""

    serializer_class = ServiceSerializer
    pagination_class = None

    def get_queryset(self):
        return services_public().order_by("name")


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON MultiPolygon",
        "properties": {
            "type": {"type": "string", "enum": ["MultiPolygon"]},
            "coordinates": {"type": "array", "items": {"type": "array"}},
        },
    }
)
class SimplifiedGeometryField(GeometryField):
    """An area's boundary as simplified in the database (`service_areas_simplified`)."""


class ServiceAreaFeatureSerializer(GeoFeatureModelSerializer):
    # The simplified boundary, under the model field's name (and schema).
    geom = SimplifiedGeometryField(source="simplified", read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ServiceArea
        geo_field = "geom"
        fields = ["id", "name", "priority", "categories"]


class AreasQuerySerializer(serializers.Serializer):
    simplify = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=MAX_SIMPLIFY_M,
        help_text=_("Smallest detail kept, in metres (0: the exact boundary)."),
    )
    zoom = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=22,
        help_text=_("Or the map's zoom level: details smaller than a screen pixel are dropped."),
    )

    def tolerance_m(self) -> float:
        data = self.validated_data
        if "simplify" in data:
            return data["simplify"]
        if "zoom" in data:
            # The ground width of one 256-px tile pixel at the territory's latitude.
            latitude = math.radians(settings.MAP_CENTER[1])
            return _EQUATOR_M * math.cos(latitude) / (256 * 2 ** data["zoom"])
        return DEFAULT_SIMPLIFY_M


class AreasPagination(GeoJsonPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema(
    parameters=[AreasQuerySerializer],
    responses={
        200: ServiceAreaFeatureSerializer(many=True),
        400: OpenApiTypes.OBJECT,
        404: OpenApiTypes.OBJECT,
    },
)
class ServiceAreaListView(generics.ListAPIView):
    """GET /api/v1/services/<slug>/areas/ — the service's areas as GeoJSON, paginated, their
    boundaries simplified: `?simplify=` metres (1 by default, 0 for the exact boundary) or
    `?zoom=` a map zoom level."""

    serializer_class = ServiceAreaFeatureSerializer
    pagination_class = AreasPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, no request
            return ServiceArea.objects.none()
        service = get_object_or_404(services_public(), slug=self.kwargs["slug"])
        query = AreasQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return service_areas_simplified(service=service, tolerance_m=query.tolerance_m())
