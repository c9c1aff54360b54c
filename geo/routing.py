"""Which service handles a signal at a given point: the heart of the product.

1. The areas that *cover* the point (a point on a shared border counts as
   inside) and handle the category; the highest priority wins, then the
   smallest area, then the oldest — deterministic for a given point.
2. Otherwise the nearest such area, measured in metres on the spheroid, if it
   lies within `ROUTING_MAX_DISTANCE_M`.
3. Otherwise the point is outside the territory served.

Both lookups run on the subdivided pieces and use their GiST index on
(category_key, geom), so they only ever meet pieces of areas that handle the
category: `covers` is index-assisted, and the nearest search is a `<->` KNN walk
followed by a bounded box search (see NEAREST_SQL), exact however the pieces lie.

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
from django.db.models import FloatField, Func

from config.prepared import prepared_cursor
from geo.models import Service, ServiceArea

COVERS = "covers"
NEAREST = "nearest"
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


# The columns of the area (its geometry deferred: it can weigh megabytes) and its service.
_AREA_COLUMNS = [f.attname for f in ServiceArea._meta.concrete_fields if f.attname != "geom"]
_SERVICE_COLUMNS = [f.attname for f in Service._meta.concrete_fields]
_SELECT = ", ".join([f"a.{c}" for c in _AREA_COLUMNS] + [f"s.{c}" for c in _SERVICE_COLUMNS])

# An area handles a signal's category if it lists it, lists its parent type, or lists
# nothing (every category). Pieces are stored once per listed category (key 0: every
# one) and indexed on (category_key, geom), so each of the three is one index scan that
# meets only pieces of areas handling the category. The casts matter: btree_gist has no
# cross-type operators, and an int4 literal against the bigint key leaves it unindexed.
# A key no area lists costs a nearest search dearly (the index's inner pages hold key
# ranges, so a missing key between two present ones is looked for in many subtrees):
# the category list's own index answers that first, and the scan is skipped. Not EXISTS:
# the planner expects a sequential scan to meet a common category's row early, and it
# reads thousands when they lie at the end; asked for the first area in order, it probes
# the (category_id, servicearea_id) index (migration geo 0004) instead.
_LISTED = (
    "(SELECT servicearea_id FROM geo_servicearea_categories WHERE category_id = %({})s"
    " ORDER BY servicearea_id LIMIT 1) IS NOT NULL"
)
_HANDLED_BY = [
    f"p.category_key = %(category)s::bigint AND {_LISTED.format('category')}",
    # NULL for a top-level category: no rows.
    f"p.category_key = %(parent)s::bigint AND {_LISTED.format('parent')}",
    # 0 is the lowest key: the index finds it at its edge, no gate needed.
    "p.category_key = 0::bigint",
]

# One statement each, not the ORM: it would load every area's full geometry
# and cost several times the lookup itself to build (see bench/RESULTS.md).
_COVERING = "\n        UNION ALL\n".join(
    f"""        SELECT p.area_id FROM geo_serviceareapiece p
        WHERE {handled} AND ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326))"""  # noqa: S608
    for handled in _HANDLED_BY
)
COVERS_SQL = f"""
    SELECT {_SELECT}
    FROM (
{_COVERING}
    ) AS hit
    JOIN geo_servicearea a ON a.id = hit.area_id
    JOIN geo_service s ON s.id = a.service_id
    WHERE s.is_active
    ORDER BY a.priority DESC, a.area_m2, a.id
    LIMIT 1
"""  # noqa: S608 (model column names only)

# The nearest area is found exactly, in two index searches per key, in a local frame
# where longitudes are scaled by k = cos(latitude) (metres up to a constant):
# 1. `<->` finds the nearest piece in degrees; its distance in the scaled frame, m, is
#    an upper bound on the nearest piece's.
# 2. Every piece within m of the point in that frame meets the box of half-sides m / k
#    degrees of longitude and m of latitude: an index search (`&&`) finds them all,
#    however many lie nearer in degrees, and only those within 1 % of the best are
#    measured on the spheroid (the margin covers the frame's small error across a city).
_ACTIVE_PIECES = """geo_serviceareapiece p
             JOIN geo_servicearea a ON a.id = p.area_id
             JOIN geo_service s ON s.id = a.service_id"""
_NEAREST_IN_DEGREES = "\n            UNION ALL\n".join(
    f"""            (SELECT p.geom FROM {_ACTIVE_PIECES}
             WHERE {handled} AND s.is_active
             ORDER BY p.geom <-> q.point
             LIMIT 1)"""  # noqa: S608
    for handled in _HANDLED_BY
)
_WITHIN_BOUND = "\n            UNION ALL\n".join(
    f"""            SELECT p.area_id, p.geom FROM {_ACTIVE_PIECES}
             WHERE {handled} AND s.is_active
               AND p.geom && ST_Expand(q.point, bound.m * 1.01 / q.k, bound.m * 1.01)"""  # noqa: S608
    for handled in _HANDLED_BY
)
NEAREST_SQL = f"""
    WITH q AS (
        SELECT ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326) AS point,
               cos(radians(%(y)s)) AS k
    ),
    bound AS (
        SELECT min(ST_Distance(ST_Scale(first.geom, q.k, 1), ST_Scale(q.point, q.k, 1))) AS m
        FROM q, LATERAL (
{_NEAREST_IN_DEGREES}
        ) AS first
    ),
    candidate AS (
        SELECT c.area_id, c.geom,
               ST_Distance(ST_Scale(c.geom, q.k, 1), ST_Scale(q.point, q.k, 1)) AS m
        FROM q, bound, LATERAL (
{_WITHIN_BOUND}
        ) AS c
    )
    SELECT {_SELECT},
           ST_Distance(
               ST_Scale(ST_ClosestPoint(ST_Scale(candidate.geom, q.k, 1),
                                        ST_Scale(q.point, q.k, 1)),
                        1 / q.k, 1)::geography,
               q.point::geography) AS distance_m
    FROM q, candidate
    JOIN geo_servicearea a ON a.id = candidate.area_id
    JOIN geo_service s ON s.id = a.service_id
    WHERE candidate.m <= (SELECT min(m) FROM candidate) * 1.01
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
        "category": category.pk,
        "parent": category.parent_id,
    }
    with prepared_cursor() as cursor:
        cursor.execute(COVERS_SQL, params, prepare=True)
        row = cursor.fetchone()
        if row is not None:
            return _route(row, COVERS, None)
        cursor.execute(NEAREST_SQL, params, prepare=True)
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
