"""Reads on signals."""

import math

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Avg, Count, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Floor

from geo.routing import GEOMETRY, GeographyDistance
from signals.models import Category, Signal


def signals_public() -> QuerySet[Signal]:
    """Every signal as the public may see it (the serializers choose the public fields)."""
    return Signal.objects.with_public_relations().prefetch_related("photos")


def signals_matching_text(text: str) -> Q:
    """Signals whose reference is `text`, or whose description or address contains it,
    whatever the case. Each part is read off an index (the references' unique one, the
    trigram ones of signals.models), so a search never reads a whole service's signals."""
    text = text.strip()
    # References are stored upper-case.
    return Q(reference=text.upper()) | Q(description__icontains=text) | Q(address__icontains=text)


def offered_categories() -> QuerySet[Category]:
    """The categories residents see: active, and for a sub-type, under an active type (a
    deactivated type takes its sub-types off the lists and out of new reports)."""
    return Category.objects.filter(is_active=True).exclude(parent__is_active=False)


def categories_reportable() -> QuerySet[Category]:
    """The categories a report may name: offered, and without an active sub-category; a
    type with active sub-types is refused."""
    return offered_categories().exclude(children__is_active=True).select_related("parent")


def categories_under(code: str) -> list[int]:
    """The category with this code and, for a type, its sub-categories (the API's filter)."""
    return list(
        Category.objects.filter(Q(code=code) | Q(parent__code=code)).values_list("id", flat=True)
    )


# A map tile is 256 px wide and covers 360 / 2**zoom degrees of longitude.
AGGREGATE_CELL_PX = 80
_EQUATOR_M = 40075016.686


def aggregate_grid(*, zoom: int) -> tuple[float, float]:
    """The grid step (longitude, latitude) in degrees for cells of ~80 px at `zoom`.

    Screen pixels to degrees is how web maps define zoom levels, not a distance
    conversion. Mercator stretches latitude by 1/cos(lat); scaling the latitude
    step by cos(lat) of the territory keeps the cells about square on screen.
    """
    lon_step = 360 / (256 * 2**zoom) * AGGREGATE_CELL_PX
    return lon_step, lon_step * math.cos(math.radians(settings.MAP_CENTER[1]))


def aggregate_cell_size_m(*, zoom: int) -> float:
    """About how wide a cell is on the ground at the territory's latitude, for clients."""
    return (
        _EQUATOR_M
        * math.cos(math.radians(settings.MAP_CENTER[1]))
        / (256 * 2**zoom)
        * AGGREGATE_CELL_PX
    )


class _X(Func):
    function = "ST_X"
    output_field = FloatField()


class _Y(Func):
    function = "ST_Y"
    output_field = FloatField()


def signals_aggregated(*, queryset: QuerySet[Signal], zoom: int) -> list[dict]:
    """Counts of `queryset` per grid cell of the map at `zoom`, computed in PostgreSQL.

    Cells are numbered by two integers (floor of the coordinate over the step),
    which PostgreSQL groups with a hash; grouping by a snapped geometry
    (`ST_SnapToGrid`) sorts geometries instead and was five times slower with a
    million signals in view. Each count sits at the mean position of its signals.
    """
    lon_step, lat_step = aggregate_grid(zoom=zoom)
    rows = (
        queryset.order_by()
        .annotate(gx=Floor(_X("location") / lon_step), gy=Floor(_Y("location") / lat_step))
        .values("gx", "gy")
        .annotate(count=Count("id"), lon=Avg(_X("location")), lat=Avg(_Y("location")))
        .values_list("count", "lon", "lat")
    )
    return [
        {"count": count, "lon": round(lon, 6), "lat": round(lat, 6)} for count, lon, lat in rows
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
