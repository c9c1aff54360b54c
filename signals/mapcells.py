"""Pre-aggregated counts per map cell, so a whole-city view never scans a million rows.

The map's aggregates (signals.selectors.signals_aggregated) group signals into
cells of about 80 px at the map's zoom. At low zoom a view covers the whole
city: counting its signals at each request reads every row (seconds at a
million signals). Instead, for the zoom levels `LEVELS`, PostgreSQL keeps how
many signals of each category and status lie in each cell, with the sums of
their coordinates (a count is drawn at its signals' mean position):

- a trigger on `signals_signal` (migration 0005) appends a -1 for the old (cell, category,
  status) and a +1 for the new one to `signals_mapcellchange` whenever a signal
  is created, deleted, moved, re-categorised or changes status — in the same
  transaction, so the counts can never disagree with the signals;
- `fold_changes()` adds those changes into `signals_mapcell` and deletes them;
  it runs after every `FOLD_EVERY` writes of a worker, and takes a few ms;
- reads add `signals_mapcell` and the changes not folded yet;
- a TRUNCATE of the signals empties the counts too (a statement trigger, migration 0010);
- `manage.py rebuild_map_cells` recounts everything: after a bulk load with the
  trigger disabled, or a change of `MAP_CENTER` (the cells' height
  depends on it; until then the stored grid is ignored, never misread).

Grids nest (each zoom halves the previous step, exactly, in floating point),
so a zoom below the lowest level regroups that level's cells: floor(gx / 2^k).
Other filters than category and status (dates, service) and zooms above the
highest level use the live query, which is fast there because a view at
those zooms holds few signals.
"""

import itertools
import math

from django.db import connection, transaction

from signals.folding import fold_every, fold_under_lock
from signals.selectors import aggregate_grid

LEVELS = range(8, 15)
FOLD_EVERY = 200
_FOLD_LOCK = 7_204_311  # pg advisory lock key: one fold at a time
_writes = itertools.count(1)

_CELL_COLUMNS = "level, gx, gy, category_id, status, count, sum_lon, sum_lat"


def rebuild() -> None:
    """Recount every cell from the signals (after a bulk load, or if the map's
    centre moved: the latitude step depends on it). One pass, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE signals_mapgrid, signals_mapcell, signals_mapcellchange")
        for level in LEVELS:
            lon_step, lat_step = aggregate_grid(zoom=level)
            cursor.execute(
                "INSERT INTO signals_mapgrid (level, lon_step, lat_step) VALUES (%s, %s, %s)",
                [level, lon_step, lat_step],
            )
        cursor.execute(
            f"""
            INSERT INTO signals_mapcell ({_CELL_COLUMNS})
            SELECT g.level, floor(ST_X(s.location) / g.lon_step)::int,
                   floor(ST_Y(s.location) / g.lat_step)::int, s.category_id, s.status,
                   count(*), sum(ST_X(s.location)), sum(ST_Y(s.location))
            FROM signals_signal s, signals_mapgrid g
            GROUP BY 1, 2, 3, 4, 5
            """  # noqa: S608 (constants only)
        )


# Sorted, so the rows are locked in one order; only folds write here.
_FOLD_SQL = f"""
    WITH moved AS (DELETE FROM signals_mapcellchange RETURNING {_CELL_COLUMNS})
    INSERT INTO signals_mapcell AS cell ({_CELL_COLUMNS})
    SELECT level, gx, gy, category_id, status, sum(count), sum(sum_lon), sum(sum_lat)
    FROM moved GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (level, gx, gy, category_id, status) DO UPDATE
    SET count = cell.count + EXCLUDED.count,
        sum_lon = cell.sum_lon + EXCLUDED.sum_lon,
        sum_lat = cell.sum_lat + EXCLUDED.sum_lat
"""  # noqa: S608 (constants only)


def fold_changes() -> None:
    """Add the pending changes into the cells. Skipped if another fold is running."""
    fold_under_lock(_FOLD_LOCK, _FOLD_SQL)


def note_write() -> None:
    """Called after each write of a signal: folds the changes every `FOLD_EVERY` writes."""
    fold_every(FOLD_EVERY, _writes, fold_changes)


def cells(
    *,
    zoom: int,
    bbox: tuple[float, float, float, float] | None,
    category_ids: list[int] | None,
    statuses: list[str] | None,
) -> list[dict] | None:
    """The counts per cell at `zoom`, from the stored cells; None if they cannot answer."""
    if zoom > LEVELS[-1]:
        return None
    level = max(zoom, LEVELS[0])
    shift = 2 ** (level - zoom)  # cells of `level` per cell of `zoom`, on each axis
    lon_step, lat_step = aggregate_grid(zoom=level)
    where, params = ["level = %(level)s"], {"level": level, "shift": shift}
    if bbox is not None:
        west, south, east, north = bbox
        where.append("gx BETWEEN %(x0)s AND %(x1)s AND gy BETWEEN %(y0)s AND %(y1)s")
        # Whole cells of `zoom` that the box touches: the same cells the live query fills.
        params.update(
            x0=_floor_div(west, lon_step * shift) * shift,
            x1=(_floor_div(east, lon_step * shift) + 1) * shift - 1,
            y0=_floor_div(south, lat_step * shift) * shift,
            y1=(_floor_div(north, lat_step * shift) + 1) * shift - 1,
        )
    if category_ids is not None:
        where.append("category_id = ANY(%(categories)s)")
        params["categories"] = category_ids
    if statuses is not None:
        where.append("status = ANY(%(statuses)s)")
        params["statuses"] = statuses
    condition = " AND ".join(where)
    sql = f"""
        SELECT sum(count), sum(sum_lon) / sum(count), sum(sum_lat) / sum(count)
        FROM (
            SELECT gx, gy, count, sum_lon, sum_lat FROM signals_mapcell WHERE {condition}
            UNION ALL
            SELECT gx, gy, count, sum_lon, sum_lat FROM signals_mapcellchange WHERE {condition}
        ) AS found
        GROUP BY floor(gx::float / %(shift)s), floor(gy::float / %(shift)s)
        HAVING sum(count) > 0
    """  # noqa: S608 (fixed conditions, values as parameters)
    with connection.cursor() as cursor:
        if not _grid_matches(cursor):
            return None
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        {"count": int(count), "lon": round(lon, 6), "lat": round(lat, 6)}
        for count, lon, lat in rows
    ]


def _grid_matches(cursor) -> bool:
    cursor.execute("SELECT level, lon_step, lat_step FROM signals_mapgrid ORDER BY level")
    return cursor.fetchall() == [(level, *aggregate_grid(zoom=level)) for level in LEVELS]


def _floor_div(value: float, step: float) -> int:
    # As PostgreSQL's floor(x / step) in the trigger, not Python's `//` (which can differ by one).
    return math.floor(value / step)
