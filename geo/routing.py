"""Which service handles a signal at a given point: the heart of the product.

1. The areas that *cover* the point (a point on a shared border counts as
   inside) and handle the category; the highest priority wins, then the
   smallest area, then the oldest — deterministic for a given point.
2. Otherwise the nearest such area, measured in metres on the spheroid, if it
   lies within `ROUTING_MAX_DISTANCE_M`.
3. Otherwise the point is outside the territory served.

Both lookups run on the subdivided pieces and use their GiST index: `covers`
is index-assisted, and the nearest candidates come from `<->` KNN ordering.

The nearest fallback does not measure each candidate polygon on the spheroid
(a geodesic distance to a 256-vertex piece costs ~0.3 ms, ten times the rest
of the lookup). It finds each candidate's closest point in a local equirectangular
frame (longitudes scaled by cos(latitude): metres up to a constant, accurate to
a fraction of a percent across a city), then measures that one point-to-point
distance on the spheroid. The result differs from the polygon's geodesic distance
by well under a millimetre at city scale (tested against `ST_Distance` on geography).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import FloatField, Func

from geo.models import Service, ServiceArea

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
    """ST_Distance on geography: metres on the WGS84 spheroid (for ORM queries elsewhere)."""

    function = "ST_Distance"
    arg_joiner = "::geography, "
    template = "%(function)s(%(expressions)s::geography)"
    output_field = FloatField()


# Areas that handle the category: no category listed (all), it, or its parent type.
_HANDLES = """
    s.is_active AND (
        NOT EXISTS (SELECT 1 FROM geo_servicearea_categories ac WHERE ac.servicearea_id = a.id)
        OR EXISTS (SELECT 1 FROM geo_servicearea_categories ac
                   WHERE ac.servicearea_id = a.id AND ac.category_id = ANY(%(categories)s)))
"""
# The columns of the area (its geometry deferred: it can weigh megabytes) and its service.
_AREA_COLUMNS = [f.attname for f in ServiceArea._meta.concrete_fields if f.attname != "geom"]
_SERVICE_COLUMNS = [f.attname for f in Service._meta.concrete_fields]
_SELECT = ", ".join([f"a.{c}" for c in _AREA_COLUMNS] + [f"s.{c}" for c in _SERVICE_COLUMNS])

# One statement each, not the ORM: it would load every area's full geometry
# and cost several times the lookup itself to build (see bench/RESULTS.md).
COVERS_SQL = f"""
    SELECT {_SELECT}
    FROM geo_serviceareapiece p
    JOIN geo_servicearea a ON a.id = p.area_id
    JOIN geo_service s ON s.id = a.service_id
    WHERE ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)) AND {_HANDLES}
    ORDER BY a.priority DESC, a.area_m2, a.id
    LIMIT 1
"""  # noqa: S608 (model column names only)
# `<->` gives each candidate's planar distance in degrees, d. Longitudes shrink by
# k = cos(latitude), so a piece's distance in metres lies between k·d and d (times a
# degree's length): a candidate with k·d above the best d cannot be the nearest, and
# only the few left are measured. The 1 % margin covers the spheroid's own stretch
# (a degree of latitude is not exactly a degree of longitude over k).
NEAREST_SQL = f"""
    SELECT {_SELECT},
           ST_Distance(
               ST_Scale(ST_ClosestPoint(ST_Scale(near.geom, near.k, 1),
                                        ST_Scale(near.point, near.k, 1)),
                        1 / near.k, 1)::geography,
               near.point::geography) AS distance_m
    FROM (
        SELECT candidate.*, q.point, q.k, min(candidate.degrees) OVER () AS best
        FROM (SELECT ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326) AS point,
                     cos(radians(%(y)s)) AS k) AS q,
             LATERAL (
                 SELECT p.area_id, p.geom, p.geom <-> q.point AS degrees
                 FROM geo_serviceareapiece p
                 JOIN geo_servicearea a ON a.id = p.area_id
                 JOIN geo_service s ON s.id = a.service_id
                 WHERE {_HANDLES}
                 ORDER BY p.geom <-> q.point
                 LIMIT %(candidates)s
             ) AS candidate
    ) AS near
    JOIN geo_servicearea a ON a.id = near.area_id
    JOIN geo_service s ON s.id = a.service_id
    WHERE near.k * near.degrees <= near.best * 1.01
"""  # noqa: S608 (model column names only)


def _route(row, method: str, distance_m: float | None) -> Route:
    split = len(_AREA_COLUMNS)
    area = ServiceArea.from_db("default", _AREA_COLUMNS, row[:split])
    service = Service.from_db(
        "default", _SERVICE_COLUMNS, row[split : split + len(_SERVICE_COLUMNS)]
    )
    area.service = service
    return Route(service=service, area=area, method=method, distance_m=distance_m)


def service_for_point(*, point: Point, category, max_distance_m: float | None = None) -> Route:
    if point.srid not in (None, 4326):
        point = point.transform(4326, clone=True)
    params = {
        # To the nanodegree (0.1 mm): a subnormal float such as 5e-324 would make
        # PostgreSQL's radians() underflow into an error, whatever path the point came by.
        "x": round(point.x, 9),
        "y": round(point.y, 9),
        "categories": [category.pk, *([category.parent_id] if category.parent_id else [])],
        "candidates": NEAREST_CANDIDATES,
    }
    with connection.cursor() as cursor:
        cursor.execute(COVERS_SQL, params)
        row = cursor.fetchone()
        if row is not None:
            return _route(row, COVERS, None)
        cursor.execute(NEAREST_SQL, params)
        candidates = cursor.fetchall()

    limit = settings.ROUTING_MAX_DISTANCE_M if max_distance_m is None else max_distance_m
    in_reach = [row for row in candidates if row[-1] <= limit]
    if not in_reach:
        raise OutsideTerritory
    area = _AREA_COLUMNS.index
    best = min(
        in_reach,
        key=lambda row: (
            round(row[-1], 3),
            -row[area("priority")],
            row[area("area_m2")],
            row[area("id")],
        ),
    )
    return _route(best, NEAREST, round(best[-1], 1))
