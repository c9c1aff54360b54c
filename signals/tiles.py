"""Signals as Mapbox vector tiles (ST_AsMVT), cached until a signal changes.

A tile shows what the public map shows: the open signals and those closed
in the last `RECENTLY_CLOSED_DAYS` days (years of history stay in the list
API and the exports). Each branch has its own index: the open signals' by
place (a partial GiST index on locations for points, one on tile keys for
clusters), and `closed_at` for the recent ones.

From `POINTS_MIN_ZOOM` on, layer `signals` holds one point per signal with
its public reference, status and category code. Below it, a tile would carry
hundreds of thousands of points: layer `clusters` holds one point per cell
of a 64-pixel grid with the number of signals in it and how many are open,
drawn at the cell's centre.

The 64 × 64 cells of a tile at zoom z are exactly the web-mercator tiles at
zoom z + 6 under it. Each signal stores its tile at zoom `KEY_ZOOM` as a
quadtree key (`Signal.tile_key`: x and y bits interleaved), so a tile's signals
are one range of keys and a cell's are a sub-range, `key >> shift`: a cluster
tile counts keys off two indexes (`signal_open_tile_key`, `signal_closed_at_tile`)
without visiting a single row.

Cache keys carry a version made of a counter bumped on every save or delete
of a signal (shared between workers when `REDIS_URL` is set) and of the
database's latest `updated_at` and id, which every creation and status
change moves — so a worker with its own local-memory cache never serves a
tile older than the last status change either.
"""

import math

from django.core.cache import cache
from django.db import connection, transaction

from workflow.states import OPEN

OPEN_VALUES = sorted(state.value for state in OPEN)

LAYER_POINTS = "signals"
LAYER_CLUSTERS = "clusters"
POINTS_MIN_ZOOM = 14
MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64
CLUSTER_CELL = 64  # tile units per cluster cell: 64 cells across a tile
CELL_ZOOMS = 6  # 2**6 = EXTENT / CLUSTER_CELL cells across: a cell is a tile 6 zooms deeper
KEY_ZOOM = 19  # the zoom of `Signal.tile_key` (migration 0014): cells down to zoom 13 + 6
assert 2**CELL_ZOOMS * CLUSTER_CELL == EXTENT and POINTS_MIN_ZOOM - 1 + CELL_ZOOMS <= KEY_ZOOM
CACHE_SECONDS = 24 * 3600
VERSION_KEY = "signals:tiles:version"
RECENTLY_CLOSED_DAYS = 30


def tile_exists(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tiles_invalidate() -> None:
    """Called on every write of a signal: cached tiles become unreachable."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, None)


def signals_cached(key: str, compute):
    """`compute()`, cached until the next write on a signal (same version as the tiles)."""
    full_key = f"signals:{_version()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, CACHE_SECONDS)
    return value


def _version() -> str:
    counter = cache.get_or_set(VERSION_KEY, 1, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(updated_at), max(id) FROM signals_signal")
        updated, last_id = cursor.fetchone()
    stamp = updated.timestamp() if updated else 0
    return f"{counter}:{stamp}:{last_id or 0}"


# The search box is given as constants (not computed in the query) so that the
# planner sees how many signals it holds and picks the right index per branch.
_BOUNDS = """
    WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile),
    shown AS (
        SELECT s.id, s.location, s.reference, s.status, s.category_id
        FROM signals_signal s
        WHERE s.location && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)
          AND s.status = ANY(%(open)s)
        UNION ALL
        SELECT s.id, s.location, s.reference, s.status, s.category_id
        FROM signals_signal s
        WHERE s.location && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)
          AND s.closed_at IS NOT NULL
          AND s.closed_at >= now() - make_interval(days => %(days)s)
          AND NOT s.status = ANY(%(open)s)
    )
"""


def _lon_lat_box(z: int, x: int, y: int, margin: float) -> dict:
    """The tile's bounds in WGS84, widened by `margin` (a fraction of the tile)."""
    n = 2**z

    def lon(tx: float) -> float:
        return tx / n * 360 - 180

    def lat(ty: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))

    return {
        "w": lon(x - margin),
        "e": lon(x + 1 + margin),
        "n": lat(max(0.0, y - margin)),
        "s": lat(min(float(n), y + 1 + margin)),
    }


POINTS_SQL = (
    _BOUNDS  # noqa: S608 (constants only)
    + """
    SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(s.location, 3857), bounds.tile,
                            %(extent)s, %(buffer)s, true) AS geom,
               s.reference, s.status, c.code AS category
        FROM shown s
        JOIN signals_category c ON c.id = s.category_id, bounds
    ) AS features
    WHERE geom IS NOT NULL
"""
)


def _interleave(x: int, y: int) -> int:
    """The quadtree key of tile (x, y): x's bits on the even bits, y's on the odd ones."""
    key = 0
    for bit in range(max(x.bit_length(), y.bit_length())):
        key |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return key


def tile_key_range(z: int, x: int, y: int) -> tuple[int, int]:
    """The first and last `Signal.tile_key` under tile (z, x, y), both included."""
    shift = 2 * (KEY_ZOOM - z)
    first = _interleave(x, y) << shift
    return first, first + (1 << shift) - 1


def _even_bits(expression: str) -> str:
    """SQL for bits 0, 2, 4… of a `2 * CELL_ZOOMS`-bit number, packed together."""
    # Parenthesised: PostgreSQL gives >>, & and | one precedence, left to right.
    return " | ".join(f"((({expression}) >> {bit}) & {1 << bit})" for bit in range(CELL_ZOOMS))


# Each branch reads one index alone (the visibility map permitting): the open signals'
# keys, and the recently closed ones' dates with their keys and statuses. A cell is the
# key's top bits within the tile, unpacked into its column (i) and row (j) from the top.
# One ST_AsMVTGeom per cell instead of one per signal (tens of thousands at city scale).
CLUSTERS_SQL = f"""
    WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile),
    shown AS (
        SELECT s.tile_key, true AS open
        FROM signals_signal s
        WHERE s.tile_key BETWEEN %(first)s AND %(last)s
          AND s.status = ANY(%(open)s)
        UNION ALL
        SELECT s.tile_key, false
        FROM signals_signal s
        WHERE s.tile_key BETWEEN %(first)s AND %(last)s
          AND s.closed_at IS NOT NULL
          AND s.closed_at >= now() - make_interval(days => %(days)s)
          AND NOT s.status = ANY(%(open)s)
    ),
    cells AS (
        SELECT (tile_key >> %(shift)s) & %(cell_mask)s AS cell,
               count(*) AS count,
               count(*) FILTER (WHERE open) AS open
        FROM shown
        GROUP BY 1
    ),
    grid AS (
        SELECT ST_XMin(tile) AS x0, ST_YMax(tile) AS y0,
               (ST_XMax(tile) - ST_XMin(tile)) * %(cell)s / %(extent)s AS size
        FROM bounds
    )
    SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom')
    FROM (
        SELECT ST_AsMVTGeom(
                   ST_SetSRID(ST_MakePoint(grid.x0 + (i + 0.5) * grid.size,
                                           grid.y0 - (j + 0.5) * grid.size), 3857),
                   bounds.tile, %(extent)s, 0, true) AS geom,
               count, open
        FROM (
            SELECT ({_even_bits("cell")})::float8 AS i,
                   ({_even_bits("cell >> 1")})::float8 AS j,
                   count, open
            FROM cells
        ) AS placed, grid, bounds
    ) AS features
    WHERE geom IS NOT NULL
"""  # noqa: S608 (constants only)


def _render(z: int, x: int, y: int) -> bytes:
    points = z >= POINTS_MIN_ZOOM
    params = {
        "z": z,
        "x": x,
        "y": y,
        "extent": EXTENT,
        "open": OPEN_VALUES,
        "days": RECENTLY_CLOSED_DAYS,
    }
    if points:
        params |= {
            "buffer": BUFFER,
            **_lon_lat_box(z, x, y, BUFFER / EXTENT),
            "layer": LAYER_POINTS,
        }
    else:
        first, last = tile_key_range(z, x, y)
        params |= {
            "first": first,
            "last": last,
            "shift": 2 * (KEY_ZOOM - z - CELL_ZOOMS),
            "cell_mask": 4**CELL_ZOOMS - 1,
            "layer": LAYER_CLUSTERS,
            "cell": CLUSTER_CELL,
        }
    with transaction.atomic(), connection.cursor() as cursor:
        # ST_AsMVTGeom's declared cost makes the planner JIT-compile the query: ~450 ms
        # of compiling for a ~90 ms query (measured on a z11 tile of the bench city).
        cursor.execute("SET LOCAL jit = off")
        if not points:
            # Two workers' start-up cost more than they save on a cluster tile's index
            # scans: 27 ms against 18 ms for a z11 tile of the bench city.
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
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
