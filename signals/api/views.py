from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework_gis.pagination import GeoJsonPagination

from geo.routing import OutsideTerritory
from signals.api.filters import BBoxFilter, SignalFilter
from signals.api.serializers import (
    CategoryTreeSerializer,
    SignalCreatedSerializer,
    SignalCreateInputSerializer,
    SignalPublicSerializer,
)
from signals.models import Signal
from signals.selectors import category_tree, signals_public
from signals.services import signal_create


class SignalPagination(GeoJsonPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class SignalListCreateView(generics.ListCreateAPIView):
    """GET: public signals as a GeoJSON FeatureCollection. POST: report a problem."""

    serializer_class = SignalPublicSerializer
    pagination_class = SignalPagination
    filterset_class = SignalFilter
    filter_backends = [*generics.ListCreateAPIView.filter_backends, BBoxFilter]
    bbox_filter_field = "location"
    bbox_filter_include_overlapping = True

    def get_queryset(self):
        # Stable order (id breaks ties) so that pages never skip or repeat a signal.
        return signals_public().order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        data = SignalCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            signal = signal_create(source=Signal.Source.API, **data.validated_data)
        except OutsideTerritory:
            raise serializers.ValidationError(
                {"location": [_("This location is outside the territory served.")]}
            ) from None
        body = SignalCreatedSerializer(signal, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class SignalDetailView(generics.RetrieveAPIView):
    serializer_class = SignalPublicSerializer

    def get_object(self):
        return get_object_or_404(signals_public(), reference=self.kwargs["reference"])


class CategoryListView(generics.ListAPIView):
    serializer_class = CategoryTreeSerializer
    pagination_class = None

    def get_queryset(self):
        return category_tree()
