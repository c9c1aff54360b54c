from rest_framework import generics, serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geo.models import Service, ServiceArea


class ServiceAreaFeatureSerializer(GeoFeatureModelSerializer):
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ServiceArea
        geo_field = "geom"
        fields = ["id", "name", "priority", "categories"]


class ServiceSerializer(serializers.ModelSerializer):
    areas = serializers.SerializerMethodField()

    class Meta:
        model = Service
        # The contact e-mail stays off the public API: it reaches staff, not residents.
        fields = ["slug", "name", "areas"]

    def get_areas(self, service: Service) -> dict:
        return ServiceAreaFeatureSerializer(service.areas.all(), many=True).data


class ServiceListView(generics.ListAPIView):
    serializer_class = ServiceSerializer
    pagination_class = None

    def get_queryset(self):
        return Service.objects.filter(is_active=True).prefetch_related("areas__categories")
