"""Which service handles a signal at a given point: the heart of the product.

1. The areas that *cover* the point (a point on a shared border counts as
   inside) and handle the category; the highest priority wins, then the
   smallest area, then the oldest — deterministic for a given point.
2. Otherwise the nearest such area, measured in metres on the spheroid, if it
   lies within `ROUTING_MAX_DISTANCE_M`.
3. Otherwise the point is outside the territory served.

Both lookups run on the subdivided pieces and use their GiST index: `covers`
is index-assisted, and the nearest candidates come from `<->` KNN ordering.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeometryDistance
from django.contrib.gis.geos import Point
from django.db.models import F, FloatField, Func, Q, Value

from geo.models import Service, ServiceArea, ServiceAreaPiece

COVERS = "covers"
NEAREST = "nearest"
# KNN candidates ranked in degrees, then re-ranked in metres: the two orders
# differ only by the latitude's stretch, which 32 pieces absorb comfortably.
NEAREST_CANDIDATES = 32
GEOMETRY = GeometryField(srid=4326)


class OutsideTerritory(Exception):
    """No area handling this category lies within the routing distance."""


@dataclass(frozen=True)
class Route:
    service: Service
    area: ServiceArea
    method: str
    distance_m: float | None


class GeographyDistance(Func):
    """ST_Distance on geography: metres on the WGS84 spheroid."""

    function = "ST_Distance"
    arg_joiner = "::geography, "
    template = "%(function)s(%(expressions)s::geography)"
    output_field = FloatField()


def _pieces_handling(category):
    """Pieces of active areas that handle `category`: all categories, it, or its parent type."""
    handles = Q(area__categories__isnull=True) | Q(area__categories=category)
    if category.parent_id:
        handles |= Q(area__categories=category.parent_id)
    return ServiceAreaPiece.objects.filter(handles, area__service__is_active=True).select_related(
        "area__service"
    )


def service_for_point(*, point: Point, category, max_distance_m: float | None = None) -> Route:
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    pieces = _pieces_handling(category)

    covering = (
        pieces.filter(geom__covers=point)
        .order_by("-area__priority", "area__area_m2", "area_id")
        .first()
    )
    if covering is not None:
        return Route(
            service=covering.area.service, area=covering.area, method=COVERS, distance_m=None
        )

    limit = settings.ROUTING_MAX_DISTANCE_M if max_distance_m is None else max_distance_m
    candidates = list(
        pieces.annotate(knn=GeometryDistance("geom", point))
        .order_by("knn")
        .annotate(distance_m=GeographyDistance(F("geom"), Value(point, output_field=GEOMETRY)))[
            :NEAREST_CANDIDATES
        ]
    )
    in_reach = [piece for piece in candidates if piece.distance_m <= limit]
    if not in_reach:
        raise OutsideTerritory
    best = min(
        in_reach,
        key=lambda piece: (
            round(piece.distance_m, 3),
            -piece.area.priority,
            piece.area.area_m2,
            piece.area_id,
        ),
    )
    return Route(
        service=best.area.service,
        area=best.area,
        method=NEAREST,
        distance_m=round(best.distance_m, 1),
    )
