"""Reads on signals."""

from django.contrib.gis.db.models import Collect
from django.contrib.gis.db.models.functions import Centroid, SnapToGrid, Transform
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Count, F, QuerySet, Value

from geo.routing import GEOMETRY, GeographyDistance
from signals.models import Category, Signal


def signals_public() -> QuerySet[Signal]:
    """Every signal as the public may see it (the serializers choose the public fields)."""
    return Signal.objects.with_public_relations().prefetch_related("photos")


def categories_reportable() -> QuerySet[Category]:
    """The sub-categories a resident can report under."""
    return Category.objects.filter(is_active=True, children__isnull=True).select_related("parent")


def category_tree() -> QuerySet[Category]:
    return (
        Category.objects.filter(is_active=True, parent__isnull=True)
        .prefetch_related("children")
        .order_by("position", "name")
    )


# Web Mercator's width at zoom 0, in its own metres: 256 px wide tiles.
_MERCATOR_WORLD_M = 40075016.686
AGGREGATE_CELL_PX = 80


def aggregate_cell_size_m(*, zoom: int) -> float:
    """The side of a grid cell, in Web Mercator metres, that covers ~80 px at `zoom`."""
    return _MERCATOR_WORLD_M / (256 * 2**zoom) * AGGREGATE_CELL_PX


def signals_aggregated(*, queryset: QuerySet[Signal], zoom: int) -> list[dict]:
    """Counts of `queryset` per square grid cell of the map at `zoom`, computed in PostgreSQL.

    Cells are snapped in Web Mercator (EPSG:3857), the map's own projection, so
    they are squares on screen; each count sits at the centroid of its signals.
    The grid is a display device, not a measure, so 3857's stretch is harmless.
    """
    size = aggregate_cell_size_m(zoom=zoom)
    rows = (
        queryset.order_by()
        .annotate(cell=SnapToGrid(Transform("location", 3857), size))
        .values("cell")
        .annotate(count=Count("id"), center=Centroid(Collect("location")))
        .values_list("count", "center")
    )
    return [
        {"count": count, "lon": round(center.x, 6), "lat": round(center.y, 6)}
        for count, center in rows
    ]


def signals_nearby(
    *, point: Point, category: Category, radius_m: float = 50.0, limit: int = 10
) -> list[Signal]:
    """Open signals of `category` within `radius_m` metres of `point`, nearest first.

    A square of `radius_m` drawn in Lambert-93 (metres) gives an index-assisted
    first cut; the exact test is then a distance on the WGS84 spheroid.
    """
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    projected = point.transform(2154, clone=True)
    envelope = Polygon.from_bbox(
        (
            projected.x - radius_m,
            projected.y - radius_m,
            projected.x + radius_m,
            projected.y + radius_m,
        )
    )
    envelope.srid = 2154
    envelope.transform(4326)
    candidates = (
        signals_public()
        .open()
        .filter(category=category, location__intersects=envelope)
        .annotate(distance_m=GeographyDistance(F("location"), Value(point, output_field=GEOMETRY)))
        .filter(distance_m__lte=radius_m)
        .order_by("distance_m", "-created_at")
    )
    return list(candidates[:limit])
