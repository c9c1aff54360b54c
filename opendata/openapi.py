"""The OpenAPI schema of the public API (/api/schema/, drf-spectacular).

The foundation's views say nothing about their errors, so drf-spectacular
documented only their success. These extensions — drf-spectacular's own
mechanism for describing views from outside — add the real request bodies and
every status code the views return, so that clients (and schemathesis) can
trust the schema.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension, OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)


def public_api_only(endpoints):
    """Preprocessing hook: the published schema is the public API under /api/v1/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def geojson_pages(result, generator, request, public):
    """Postprocessing hook: the pages of drf-gis's `GeoJsonPagination` as they are answered.

    Its schema for drf-spectacular keeps the `results` key that the page renames, as
    required, and puts a whole FeatureCollection where the page has its list of Features.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for name, page in schemas.items():
        properties = page.get("properties", {})
        listed = properties.get("features", {}).get("$ref", "").rpartition("/")[2]
        if not name.startswith("Paginated") or listed not in schemas:
            continue
        properties["features"] = schemas[listed]["properties"]["features"]
        page["required"] = ["type", "count", "next", "previous", "features"]
    return result


ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="One list of messages per field.")
DETAIL = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"detail": "…"}`')


class GeoJSONPointFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "signals.api.fields.GeoJSONPointField"

    def map_serializer_field(self, auto_schema, direction):
        point = {
            "type": "object",
            "description": "A GeoJSON Point in WGS84: [longitude, latitude].",
            "properties": {
                "type": {"type": "string", "enum": ["Point"]},
                "coordinates": {
                    "type": "array",
                    "items": {"type": "number"},
                    "minItems": 2,
                    "maxItems": 3,
                    "example": [2.3522, 48.8566],
                },
            },
            "required": ["type", "coordinates"],
        }
        if direction == "request":
            # Multipart forms send it as a JSON string.
            return {"oneOf": [point, {"type": "string"}]}
        return point


class SignalListCreateViewSchema(OpenApiViewExtension):
    target_class = "signals.api.views.SignalListCreateView"

    def view_replacement(self):
        from signals.api.serializers import (
            SignalCreatedSerializer,
            SignalCreateInputSerializer,
            SignalPublicSerializer,
        )

        @extend_schema_view(
            get=extend_schema(
                summary="Public signals as a GeoJSON FeatureCollection",
                responses={
                    200: OpenApiResponse(SignalPublicSerializer, description="A page of signals."),
                    400: ERRORS,
                    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such page."),
                },
            ),
            post=extend_schema(
                summary="Report a problem",
                request={
                    "application/json": SignalCreateInputSerializer,
                    "multipart/form-data": SignalCreateInputSerializer,
                    "application/x-www-form-urlencoded": SignalCreateInputSerializer,
                },
                parameters=[
                    OpenApiParameter(
                        "Idempotency-Key",
                        OpenApiTypes.STR,
                        OpenApiParameter.HEADER,
                        description="Retrying with the same key returns the first answer.",
                        pattern=r"^[!-~]{1,128}$",
                    )
                ],
                responses={
                    201: SignalCreatedSerializer,
                    400: ERRORS,
                    409: DETAIL,
                    413: DETAIL,
                    429: DETAIL,
                },
            ),
        )
        class Fixed(self.target_class):
            pass

        return Fixed


class SignalDetailViewSchema(OpenApiViewExtension):
    target_class = "signals.api.views.SignalDetailView"

    def view_replacement(self):
        from signals.api.serializers import SignalPublicSerializer

        @extend_schema_view(
            get=extend_schema(
                summary="One signal",
                responses={
                    200: OpenApiResponse(
                        SignalPublicSerializer, description="The signal, a GeoJSON Feature."
                    ),
                    404: DETAIL,
                },
            )
        )
        class Fixed(self.target_class):
            pass

        return Fixed


class SignalAggregatesViewSchema(OpenApiViewExtension):
    target_class = "signals.api.views.SignalAggregatesView"

    def view_replacement(self):
        from rest_framework import serializers

        from signals.api.serializers import AggregatesQuerySerializer

        cell = inline_serializer(
            "AggregateCell",
            {
                "count": serializers.IntegerField(),
                "lon": serializers.FloatField(),
                "lat": serializers.FloatField(),
            },
        )
        body = inline_serializer(
            "SignalAggregates",
            {
                "zoom": serializers.IntegerField(),
                "cell_size_m": serializers.FloatField(),
                "total": serializers.IntegerField(),
                "cells": cell.__class__(many=True),
            },
        )

        @extend_schema_view(
            get=extend_schema(
                summary="Counts of signals per map cell",
                parameters=[AggregatesQuerySerializer],
                responses={200: body, 400: ERRORS},
            )
        )
        class Fixed(self.target_class):
            pass

        return Fixed


class SignalNearbyViewSchema(OpenApiViewExtension):
    target_class = "signals.api.views.SignalNearbyView"

    def view_replacement(self):
        from signals.api.serializers import NearbyQuerySerializer, NearbySignalSerializer

        @extend_schema_view(
            get=extend_schema(
                summary="Open signals of a category near a point",
                parameters=[NearbyQuerySerializer],
                responses={200: NearbySignalSerializer(many=True), 400: ERRORS},
            )
        )
        class Fixed(self.target_class):
            pass

        return Fixed


def _is_position(node) -> bool:
    return isinstance(node, list) and len(node) == 2 and all(isinstance(v, float) for v in node)


def local_examples(result, generator, request, public):
    """Postprocessing hook: example coordinates at the map's centre (MAP_CENTER, lon/lat).

    drf-spectacular's examples for GIS fields are Bangalore written latitude first (in
    GeoJSON's longitude-first order, a point in the Arctic Ocean) and rings elsewhere: a
    client trying the documented report would send it outside the territory."""
    lon, lat = (round(value, 4) for value in settings.MAP_CENTER)
    ring = [
        [round(lon + dx, 4), round(lat + dy, 4)]
        for dx, dy in ((-0.001, -0.001), (0.001, -0.001), (0.001, 0.001), (-0.001, -0.001))
    ]

    def local(value):
        """The same shape (a position, a ring, rings, polygons) at the centre; None if
        `value` holds no coordinates."""
        if _is_position(value):
            return [lon, lat]
        if not isinstance(value, list) or not value:
            return None
        if all(_is_position(item) for item in value):
            return [list(position) for position in ring]
        if all(isinstance(item, list) for item in value):
            inner = local(value[0])
            return None if inner is None else [inner]
        return None

    def example(value):
        found = local(value)
        return replaced(value) if found is None else found

    def replaced(node):
        if isinstance(node, dict):
            return {
                key: example(value) if key == "example" else replaced(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [replaced(value) for value in node]
        return node

    return replaced(result)
