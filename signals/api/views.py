import hashlib
import json
import re

from django.contrib.gis.geos import Point
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework_gis.pagination import GeoJsonPagination

from config.paging import count_fast
from geo.routing import OutsideTerritory
from signals import mapcells
from signals.api.filters import BBoxFilter, SignalFilter
from signals.api.geojson import features_json
from signals.api.serializers import (
    AggregatesQuerySerializer,
    CategoryTreeSerializer,
    NearbyQuerySerializer,
    NearbySignalSerializer,
    SignalCreatedSerializer,
    SignalCreateInputSerializer,
    SignalPublicSerializer,
)
from signals.api.throttles import SignalCreateThrottle
from signals.categories import categories_by_type
from signals.languages import resident_language
from signals.models import Category, Signal
from signals.selectors import (
    aggregate_cell_size_m,
    categories_under,
    signals_aggregated,
    signals_nearby,
    signals_public,
)
from signals.services import IdempotencyConflict, signal_create, signal_create_idempotent
from signals.tiles import signals_cached

IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,128}")  # printable ASCII, no spaces


class _Page:
    """What DRF's links need from a page, without Django's exact-count Paginator."""

    def __init__(self, number: int, size: int, count: int):
        self.number, self.size, self.count = number, size, count

    def has_next(self) -> bool:
        return self.number * self.size < self.count

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class SignalPagination(GeoJsonPagination):
    page_size = 100
    page_size_query_param = "page_size"
    # A map viewport of 10,000 signals in one response: the GeoJSON is built in SQL.
    max_page_size = 10_000

    def paginate_queryset(self, queryset, request, view=None):
        """The page's queryset (still lazy); it is counted once its rows are known."""
        self.request = request
        self.matches = queryset
        self.size = self.get_page_size(request)
        try:
            self.number = int(request.query_params.get(self.page_query_param) or 1)
        except ValueError:
            self.number = 0
        if self.number < 1:
            raise NotFound(self.invalid_page_message)
        offset = (self.number - 1) * self.size
        return queryset[offset : offset + self.size]

    def get_paginated_json(self, features: str, rows: int) -> HttpResponse:
        """The FeatureCollection of a page of `rows` Features, with the count of every match.

        A page that is not full is the last: its offset and rows are the exact count, and
        the count query (7.5 ms of a 10,000-signal viewport, which a map usually fetches
        whole) is skipped. A full page is counted, exactly up to 10,000, estimated above."""
        offset = (self.number - 1) * self.size
        if not rows and self.number > 1:
            raise NotFound(self.invalid_page_message)
        if rows < self.size:
            count, self.count_is_estimate = offset + rows, False
        else:
            count, self.count_is_estimate = count_fast(self.matches)
            count = max(count, offset + rows)
        self.page = _Page(self.number, self.size, count)
        head = {
            "type": "FeatureCollection",
            "count": self.page.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
        }
        # The features arrive as JSON text from PostgreSQL: spliced in, never re-parsed.
        body = json.dumps(head, separators=(",", ":"))[:-1] + ',"features":' + features + "}"
        response = HttpResponse(body, content_type="application/json")
        if self.count_is_estimate:
            response["X-Count-Estimated"] = "true"
        return response


class SignalListCreateView(generics.ListCreateAPIView):
    """GET: public signals as a GeoJSON FeatureCollection. POST: report a problem."""

    serializer_class = SignalPublicSerializer
    pagination_class = SignalPagination
    filterset_class = SignalFilter
    filter_backends = [*generics.ListCreateAPIView.filter_backends, BBoxFilter]
    bbox_filter_field = "location"
    bbox_filter_include_overlapping = True
    throttle_classes = [SignalCreateThrottle]

    def get_queryset(self):
        # Stable order (id breaks ties) so that pages never skip or repeat a signal.
        return signals_public().order_by("-created_at", "-id")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginator.paginate_queryset(queryset, request, view=self)
        return self.paginator.get_paginated_json(*features_json(page, request=request))

    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
            raise serializers.ValidationError(
                {
                    "Idempotency-Key": [
                        _("The Idempotency-Key header must be 1 to 128 visible ASCII characters.")
                    ]
                }
            )
        data = SignalCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = True
        # Accept-Language: the reporter's acknowledgement and news are written in it.
        language = resident_language(request.LANGUAGE_CODE)
        try:
            if key is None:
                signal = signal_create(
                    source=Signal.Source.API, language=language, **data.validated_data
                )
            else:
                signal, created = signal_create_idempotent(
                    idempotency_key=key,
                    source=Signal.Source.API,
                    language=language,
                    **data.validated_data,
                )
        except OutsideTerritory:
            raise serializers.ValidationError(
                {"location": [_("This location is outside the territory served.")]}
            ) from None
        except IdempotencyConflict:
            return Response(
                {
                    "detail": _(
                        "This Idempotency-Key was already used for a different report; "
                        "use a new key for a new report."
                    )
                },
                status=status.HTTP_409_CONFLICT,
            )
        body = SignalCreatedSerializer(signal, context={"request": request}).data
        response = Response(body, status=status.HTTP_201_CREATED)
        if not created:
            # A retry: the same answer as the first time, marked as a replay.
            response["Idempotent-Replayed"] = "true"
        return response


class SignalAggregatesView(generics.GenericAPIView):
    """Counts per grid cell for the map at low zoom: `?zoom=&bbox=` and the list's filters.

    The map asks for this first; it fetches points only when `total` is small
    enough to draw, so a million stored signals never travel to a phone.
    """

    filterset_class = SignalFilter
    filter_backends = [*generics.GenericAPIView.filter_backends, BBoxFilter]
    bbox_filter_field = "location"
    bbox_filter_include_overlapping = True
    pagination_class = None
    STORED_CELL_PARAMS = {"zoom", "bbox", "category", "status", "format"}

    def get_queryset(self):
        return Signal.objects.all()

    def get(self, request, *args, **kwargs):
        params = AggregatesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        zoom = params.validated_data["zoom"]

        def compute() -> dict:
            cells = self._stored_cells(zoom)
            if cells is None:
                queryset = self.filter_queryset(self.get_queryset())
                cells = signals_aggregated(queryset=queryset, zoom=zoom)
            return {
                "zoom": zoom,
                "cell_size_m": round(aggregate_cell_size_m(zoom=zoom), 1),
                "total": sum(cell["count"] for cell in cells),
                "cells": cells,
            }

        # A whole-city view aggregates every signal: cached until a signal changes.
        key = "aggregates:" + hashlib.sha256(request.GET.urlencode().encode()).hexdigest()
        return Response(signals_cached(key, compute))

    def _stored_cells(self, zoom: int) -> list[dict] | None:
        """The pre-aggregated counts (signals.mapcells) when they can answer the query."""
        params = self.request.query_params
        if set(params) - self.STORED_CELL_PARAMS:
            return None
        filters = self.filterset_class(params, queryset=Signal.objects.none())
        if not filters.is_valid():
            return None  # the live path reports the errors
        data = filters.form.cleaned_data
        bbox = BBoxFilter().get_filter_bbox(self.request)
        return mapcells.cells(
            zoom=zoom,
            bbox=bbox.extent if bbox is not None else None,
            category_ids=categories_under(data["category"]) if data.get("category") else None,
            statuses=list(data["status"]) if data.get("status") else None,
        )


class SignalNearbyView(generics.GenericAPIView):
    """Open signals of one category within `radius` metres (50 by default): "Déjà signalé ?"."""

    pagination_class = None
    # Never listed as such; the browsable API and the schema generator ask for a queryset.
    queryset = Signal.objects.none()

    def get(self, request, *args, **kwargs):
        params = NearbyQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data
        point = Point(query["lon"], query["lat"], srid=4326)
        found = signals_nearby(point=point, category=query["category"], radius_m=query["radius"])
        return Response(NearbySignalSerializer(found, many=True).data)


class SignalDetailView(generics.RetrieveAPIView):
    serializer_class = SignalPublicSerializer

    def get_object(self):
        return get_object_or_404(signals_public(), reference=self.kwargs["reference"])


class CategoryListView(generics.ListAPIView):
    """The active categories: each type with the sub-types a report names, in display order."""

    # Read from the process's copy of the categories (`signals.categories`): no query.

    serializer_class = CategoryTreeSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular reads the model off it while writing the schema, without a
            # request and perhaps without tables (`manage.py check --deploy`).
            return Category.objects.none()
        self.tree = categories_by_type()
        return [kind for kind, _children in self.tree]

    def get_serializer_context(self):
        # The same copy as get_queryset's, which list() calls first.
        tree = getattr(self, "tree", None) or categories_by_type()
        children = {kind.pk: kind_children for kind, kind_children in tree}
        return {**super().get_serializer_context(), "children": children}
