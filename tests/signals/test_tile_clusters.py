"""Low-zoom tiles: each cluster says how many signals a map user would find in its cell.

The expected counts are worked out here from each signal's longitude and latitude with
the slippy-map formulas, independently of the tile key the server counts with: a cell
of a zoom-z tile (64 across) is the zoom z + 6 tile under it.
"""

import math
import random
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from signals.models import Signal
from signals.tiles import POINTS_MIN_ZOOM, RECENTLY_CLOSED_DAYS
from tests.factories import INSIDE_EAST, INSIDE_WEST, WEST, CategoryFactory, make_area, make_signal
from tests.mvt import decode
from workflow.services import signal_transition
from workflow.states import CLOSED, OPEN, State

pytestmark = pytest.mark.django_db

CLUSTER_ZOOMS = range(POINTS_MIN_ZOOM)
CELLS = 64  # cluster cells across a tile
CELL_UNITS = 4096 // CELLS
REASON = "Hors du domaine public."


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int] | None:
    """The XYZ tile holding a point, None off the web-mercator square."""
    n = 2**z
    x = math.floor((lon + 180) / 360 * n)
    y = math.floor((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return (x, y) if 0 <= x < n and 0 <= y < n else None


def tile_edge(z: int, x: int, y: int) -> tuple[float, float]:
    """Longitude and latitude of the tile's north-west corner."""
    n = 2**z
    return x / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def shown(signal: Signal, now) -> bool:
    """What the public map shows: open, or closed in the last RECENTLY_CLOSED_DAYS days."""
    if signal.status in OPEN:
        return True
    return signal.closed_at >= now - timedelta(days=RECENTLY_CLOSED_DAYS)


def expected_clusters(signals, z: int, x: int, y: int) -> dict:
    """{(column, row): (count, open)} for tile (z, x, y), counted signal by signal."""
    now = timezone.now()
    cells: dict[tuple[int, int], tuple[int, int]] = {}
    for signal in signals:
        deep = tile_of(signal.location.x, signal.location.y, z + 6)
        if not shown(signal, now) or deep is None or (deep[0] >> 6, deep[1] >> 6) != (x, y):
            continue
        cell = (deep[0] % CELLS, deep[1] % CELLS)
        count, open_ = cells.get(cell, (0, 0))
        cells[cell] = (count + 1, open_ + (signal.status in OPEN))
    return cells


def clusters_drawn(client, z: int, x: int, y: int) -> dict:
    """{(column, row): (count, open)} as the map draws the tile: a point per cell, at its centre."""
    response = client.get(f"/api/v1/tiles/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    layers = decode(response.content)
    assert set(layers) <= {"clusters"}
    drawn = {}
    for feature in layers.get("clusters", []):
        [(px, py)] = feature["points"]
        assert px % CELL_UNITS == py % CELL_UNITS == CELL_UNITS // 2  # the cell's centre
        cell = (px // CELL_UNITS, py // CELL_UNITS)
        assert cell not in drawn
        drawn[cell] = (feature["properties"]["count"], feature["properties"]["open"])
    return drawn


def tiles_around(signals, z: int) -> set[tuple[int, int]]:
    """Every tile holding a signal, and their neighbours (which must hold none of them)."""
    tiles = set()
    for signal in signals:
        tile = tile_of(signal.location.x, signal.location.y, z)
        if tile is not None:
            tiles |= {
                (tx, ty)
                for tx in range(tile[0] - 1, tile[0] + 2)
                for ty in range(tile[1] - 1, tile[1] + 2)
                if 0 <= tx < 2**z and 0 <= ty < 2**z
            }
    return tiles


def assert_tiles_match(client, signals, zooms=CLUSTER_ZOOMS) -> None:
    for z in zooms:
        for x, y in sorted(tiles_around(signals, z)):
            assert clusters_drawn(client, z, x, y) == expected_clusters(signals, z, x, y), (z, x, y)


def stored(location: Point, status: str, closed_days_ago: float | None = None) -> Signal:
    """A signal as an import would leave it (no routing): any place, any status."""
    now = timezone.now()
    return Signal(
        category=CategoryFactory(code="encombrant"),
        description="Encombrant",
        location=location,
        status=status,
        closed_at=None if closed_days_ago is None else now - timedelta(days=closed_days_ago),
    )


def bulk(signals: list[Signal]) -> list[Signal]:
    for n, signal in enumerate(signals):
        signal.reference = f"TEST-{n:06d}"
    return Signal.objects.bulk_create(signals)


def test_clusters_count_every_shown_signal_in_its_cell_at_every_zoom(client):
    rng = random.Random(6)
    signals = []
    for _ in range(400):
        status = rng.choice(list(State))
        closed = rng.uniform(0, 2 * RECENTLY_CLOSED_DAYS) if status in CLOSED else None
        # The test city and a margin, so that some cells hold several signals at z13.
        point = Point(rng.uniform(2.32, 2.38), rng.uniform(48.84, 48.87), srid=4326)
        signals.append(stored(point, status, closed))
    assert_tiles_match(client, bulk(signals))


def test_a_signal_on_either_side_of_a_cell_edge_lands_in_its_own_cell(client):
    # The corner of a zoom-13 tile: a tile corner at zooms up to 13, a cell corner at every
    # cluster zoom (cells are tiles 6 zooms deeper). A centimetre off it on each side.
    lon, lat = tile_edge(13, *tile_of(2.35, 48.857, 13))
    offsets = [(-1e-7, -1e-7), (-1e-7, 1e-7), (1e-7, -1e-7), (1e-7, 1e-7)]
    signals = bulk([stored(Point(lon + dx, lat + dy, srid=4326), State.NEW) for dx, dy in offsets])
    assert_tiles_match(client, signals)
    # The four are in four cells of four tiles at z13.
    assert len({tile_of(s.location.x, s.location.y, 13) for s in signals}) == 4


def test_a_signal_exactly_on_a_tile_corner_is_counted_once(client):
    lon, lat = tile_edge(11, *tile_of(2.35, 48.857, 11))
    bulk([stored(Point(lon, lat, srid=4326), State.NEW)])
    for z in CLUSTER_ZOOMS:
        x, y = tile_of(lon, lat, z)
        counts = [
            sum(count for count, _ in clusters_drawn(client, z, tx, ty).values())
            for tx in (x - 1, x)
            for ty in (y - 1, y)
            if tx >= 0 and ty >= 0
        ]
        assert sum(counts) == 1, (z, counts)


def test_recently_closed_signals_show_as_not_open_and_long_closed_ones_not_at_all(client):
    make_area(polygon=WEST)
    category = CategoryFactory(code="encombrant")
    recent = make_signal(category, INSIDE_WEST)
    signal_transition(signal=recent, to=State.REJECTED, message=REASON)
    old = make_signal(category, INSIDE_WEST)
    signal_transition(signal=old, to=State.REJECTED, message=REASON)
    Signal.objects.filter(pk=old.pk).update(
        closed_at=timezone.now() - timedelta(days=RECENTLY_CLOSED_DAYS + 1)
    )
    still_open = make_signal(category, INSIDE_WEST)
    for z in (5, 11, 13):
        assert list(clusters_drawn(client, z, *tile_of(2.34, 48.857, z)).values()) == [(2, 1)]
    assert {recent.pk, old.pk, still_open.pk} == set(Signal.objects.values_list("pk", flat=True))
    assert_tiles_match(client, list(Signal.objects.all()))


def test_a_reopened_signal_counts_as_open_again(client):
    make_area(polygon=WEST)
    signal = make_signal(CategoryFactory(code="encombrant"), INSIDE_WEST)
    signal_transition(signal=signal, to=State.REJECTED, message=REASON)
    z, (x, y) = 12, tile_of(2.34, 48.857, 12)
    assert list(clusters_drawn(client, z, x, y).values()) == [(1, 0)]
    signal_transition(signal=signal, to=State.ACCEPTED, message="Finalement recevable.")
    assert list(clusters_drawn(client, z, x, y).values()) == [(1, 1)]


def test_a_moved_signal_leaves_its_old_cell_for_its_new_one(client):
    make_area(polygon=WEST)
    signal = make_signal(CategoryFactory(code="encombrant"), INSIDE_WEST)
    z, (x, y) = 13, tile_of(2.34, 48.857, 13)
    assert tile_of(2.36, 48.857, 13) == (x, y)  # both places in one tile, in two cells
    [before] = clusters_drawn(client, z, x, y)
    signal.location = INSIDE_EAST
    signal.save()
    [after] = clusters_drawn(client, z, x, y)
    assert after != before
    assert_tiles_match(client, [Signal.objects.get(pk=signal.pk)], zooms=[8, 13])


def test_signals_on_every_side_of_the_prime_meridian_and_the_equator(client):
    tiny = 1e-6
    places = [
        (-58.38, -34.6),  # Buenos Aires
        (151.2, -33.87),  # Sydney
        (-tiny, tiny),
        (tiny, -tiny),
        (-tiny, -tiny),
        (tiny, tiny),
        (-179.99999, 85.05),  # the map's top-left corner
        (179.99999, -85.05),  # its bottom-right one
    ]
    signals = bulk([stored(Point(lon, lat, srid=4326), State.NEW) for lon, lat in places])
    assert_tiles_match(client, signals, zooms=[0, 1, 4, 9, 13])


def test_a_signal_beyond_the_map_s_edge_is_in_no_tile(client):
    # Web-mercator stops at ±85.05°: no tile covers the pole, as before.
    bulk([stored(Point(10, 89.5, srid=4326), State.NEW)])
    assert clusters_drawn(client, 0, 0, 0) == {}


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_signals_stored_before_it_their_place_in_the_tiles(client):
    make_area(polygon=WEST)
    signal = make_signal(CategoryFactory(code="encombrant"), INSIDE_WEST)
    executor = MigrationExecutor(connection)
    executor.migrate([("signals", "0011_held_photos")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM signals_signal")
        assert cursor.fetchone() == (1,)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert_tiles_match(client, [Signal.objects.get(pk=signal.pk)], zooms=[3, 11, 13])
