"""Signals as Mapbox vector tiles (ST_AsMVT), cached until a signal changes.

From `POINTS_MIN_ZOOM` on, layer `signals` holds one point per signal with
its public reference, status and category code. Below it, a tile would carry
hundreds of thousands of points: layer `clusters` holds one point per cell
of a 64-pixel grid (`ST_SnapToGrid` in tile coordinates) with the number of
signals in it and how many are open.

Cache keys carry a version made of a counter bumped on every save or delete
of a signal (shared between workers when `REDIS_URL` is set) and of the
database's latest `updated_at` and id, which every creation and status
change moves — so a worker with its own local-memory cache never serves a
tile older than the last status change either.
"""

from django.core.cache import cache
from django.db import connection

from workflow.states import CLOSED

LAYER_POINTS = "signals"
LAYER_CLUSTERS = "clusters"
POINTS_MIN_ZOOM = 14
MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64
CLUSTER_CELL = 64  # tile units per cluster cell: 64 cells across a tile
CACHE_SECONDS = 24 * 3600
VERSION_KEY = "signals:tiles:version"


def tile_exists(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tiles_invalidate() -> None:
    """Called on every write of a signal: cached tiles become unreachable."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, None)


def _version() -> str:
    counter = cache.get_or_set(VERSION_KEY, 1, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(updated_at), max(id) FROM signals_signal")
        updated, last_id = cursor.fetchone()
    stamp = updated.timestamp() if updated else 0
    return f"{counter}:{stamp}:{last_id or 0}"


_BOUNDS = """
    WITH bounds AS (
        SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
               -- The tile plus its buffer, in the signals' own SRID so the GiST index applies.
               ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s,
                                            margin => %(margin)s), 4326) AS search
    )
"""

POINTS_SQL = (
    _BOUNDS  # noqa: S608 (constants only)
    + """
    SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(s.location, 3857), bounds.tile,
                            %(extent)s, %(buffer)s, true) AS geom,
               s.reference, s.status, c.code AS category
        FROM signals_signal s
        JOIN signals_category c ON c.id = s.category_id, bounds
        WHERE s.location && bounds.search
    ) AS features
    WHERE geom IS NOT NULL
"""
)

CLUSTERS_SQL = (
    _BOUNDS  # noqa: S608 (constants only)
    + """
    SELECT ST_AsMVT(cells, %(layer)s, %(extent)s, 'geom')
    FROM (
        SELECT ST_SnapToGrid(geom, %(cell)s, %(cell)s, %(cell)s / 2.0, %(cell)s / 2.0) AS geom,
               count(*) AS count,
               count(*) FILTER (WHERE NOT status = ANY(%(closed)s)) AS open
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(s.location, 3857), bounds.tile,
                                %(extent)s, 0, true) AS geom,
                   s.status
            FROM signals_signal s, bounds
            WHERE s.location && bounds.search
        ) AS points
        WHERE geom IS NOT NULL
        GROUP BY 1
    ) AS cells
"""
)


def _render(z: int, x: int, y: int) -> bytes:
    points = z >= POINTS_MIN_ZOOM
    params = {
        "z": z,
        "x": x,
        "y": y,
        "extent": EXTENT,
        "buffer": BUFFER,
        "margin": BUFFER / EXTENT if points else 0.0,
        "layer": LAYER_POINTS if points else LAYER_CLUSTERS,
        "cell": CLUSTER_CELL,
        "closed": [state.value for state in CLOSED],
    }
    with connection.cursor() as cursor:
        cursor.execute(POINTS_SQL if points else CLUSTERS_SQL, params)
        (tile,) = cursor.fetchone()
    return bytes(tile or b"")


def signal_tile(*, z: int, x: int, y: int) -> bytes:
    """The tile's bytes (Mapbox Vector Tile, possibly empty), from the cache when fresh."""
    key = f"signals:tile:{_version()}:{z}/{x}/{y}"
    tile = cache.get(key)
    if tile is None:
        tile = _render(z, x, y)
        cache.set(key, tile, CACHE_SECONDS)
    return tile
