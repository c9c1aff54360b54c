"""The map's pre-aggregated cells always say what counting the signals would say."""

import random
import threading

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from signals import mapcells
from signals.models import MapCellChange, Signal
from signals.selectors import categories_under, signals_aggregated
from tests.factories import (
    EAST,
    WEST,
    CategoryFactory,
    ParentCategoryFactory,
    make_area,
    make_signal,
)
from workflow.services import signal_change_category, signal_transition
from workflow.states import State

AGG = "/api/v1/signals/aggregates/"
ZOOMS = range(5, 15)


@pytest.fixture
def city(db):
    make_area(polygon=WEST)
    make_area(polygon=EAST)
    mapcells.rebuild()  # a flush by an earlier transactional test empties the grid
    voirie = ParentCategoryFactory(code="voirie")
    return {
        "trou": CategoryFactory(code="trou", parent=voirie),
        "bosse": CategoryFactory(code="bosse", parent=voirie),
        "tag": CategoryFactory(code="tag"),
    }


def random_point(rng: random.Random) -> Point:
    return Point(rng.uniform(2.33, 2.37), rng.uniform(48.85, 48.865), srid=4326)


def live(zoom: int, *, category: str | None = None, status: list[str] | None = None):
    queryset = Signal.objects.all()
    if category:
        queryset = queryset.filter(category_id__in=categories_under(category))
    if status:
        queryset = queryset.filter(status__in=status)
    return normalised(signals_aggregated(queryset=queryset, zoom=zoom))


def stored(zoom: int, *, category: str | None = None, status: list[str] | None = None):
    found = mapcells.cells(
        zoom=zoom,
        bbox=None,
        category_ids=categories_under(category) if category else None,
        statuses=status,
    )
    assert found is not None
    return normalised(found)


def normalised(cells: list[dict]) -> list[tuple]:
    return sorted((c["count"], round(c["lon"], 5), round(c["lat"], 5)) for c in cells)


def assert_same_as_counting():
    for zoom in ZOOMS:
        assert stored(zoom) == live(zoom), zoom
        for category in ("trou", "voirie", "tag"):
            assert stored(zoom, category=category) == live(zoom, category=category)
        for status in (["new"], ["accepted", "resolved"]):
            assert stored(zoom, status=status) == live(zoom, status=status)


def test_cells_follow_creations_status_changes_recategorisations_moves_and_deletions(city):
    rng = random.Random(7)
    signals = [make_signal(rng.choice(list(city.values())), random_point(rng)) for _ in range(60)]
    assert_same_as_counting()
    for signal in signals[:20]:
        signal_transition(signal=signal, to=State.ACCEPTED)
    for signal in signals[:8]:
        signal.refresh_from_db()
        signal_transition(signal=signal, to=State.RESOLVED, message="Réparé.")
    for signal in signals[20:26]:
        other = city["bosse"] if signal.category_id != city["bosse"].pk else city["tag"]
        signal_change_category(signal=signal, category=other)
    moved = signals[30]
    moved.location = Point(2.369, 48.851, srid=4326)
    moved.save()
    signals[31].delete()
    assert_same_as_counting()
    mapcells.fold_changes()
    assert not MapCellChange.objects.exists()
    assert_same_as_counting()
    mapcells.rebuild()
    assert_same_as_counting()


def test_a_rolled_back_report_leaves_no_count(city):
    make_signal(city["tag"], random_point(random.Random(1)))
    with pytest.raises(RuntimeError), transaction.atomic():
        make_signal(city["tag"], random_point(random.Random(2)))
        raise RuntimeError
    assert sum(cell[0] for cell in stored(10)) == 1


def test_the_endpoint_shows_a_status_change_at_once(api_client, city):
    signal = make_signal(city["trou"], random_point(random.Random(3)))
    params = {"zoom": 11, "bbox": "2.3,48.8,2.4,48.9"}
    assert api_client.get(AGG, {**params, "status": "new"}).json()["total"] == 1
    signal_transition(signal=signal, to=State.ACCEPTED)
    assert api_client.get(AGG, {**params, "status": "new"}).json()["total"] == 0
    assert api_client.get(AGG, {**params, "status": "accepted"}).json()["total"] == 1
    assert api_client.get(AGG, {**params, "category": "voirie"}).json()["total"] == 1
    assert api_client.get(AGG, {**params, "category": "tag"}).json()["total"] == 0


def test_a_box_takes_the_whole_cells_it_touches_at_that_zoom(api_client, city):
    make_signal(city["tag"], Point(2.3401, 48.857, srid=4326))
    make_signal(city["tag"], Point(2.3605, 48.857, srid=4326))
    # At zoom 8 a cell is ~0.44° wide: both signals lie in the cell the box touches.
    both = api_client.get(AGG, {"zoom": 8, "bbox": "2.339,48.856,2.341,48.858"}).json()
    assert both["total"] == 2
    assert len(both["cells"]) == 1
    # At zoom 14 (~0.007°) the box touches only the west signal's cell.
    west = api_client.get(AGG, {"zoom": 14, "bbox": "2.339,48.856,2.341,48.858"}).json()
    assert west["total"] == 1


def test_a_grid_made_for_another_map_centre_is_not_used(api_client, city, settings):
    make_signal(city["tag"], random_point(random.Random(4)))
    settings.MAP_CENTER = [settings.MAP_CENTER[0], 10.0]
    assert mapcells.cells(zoom=10, bbox=None, category_ids=None, statuses=None) is None
    assert api_client.get(AGG, {"zoom": 10}).json()["total"] == 1  # counted live instead


def test_filters_the_cells_do_not_hold_are_counted_live(api_client, city):
    make_signal(city["tag"], random_point(random.Random(5)))
    body = api_client.get(AGG, {"zoom": 10, "created_after": "2999-01-01T00:00:00Z"}).json()
    assert body["total"] == 0
    assert api_client.get(AGG, {"zoom": 10, "status": "nope"}).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_and_folds_lose_no_count():
    make_area(polygon=WEST)
    make_area(polygon=EAST)
    mapcells.rebuild()
    category = CategoryFactory(code="tag")
    errors = []

    def reporter(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for i in range(15):
                make_signal(category, random_point(rng))
                if i % 5 == 0:
                    mapcells.fold_changes()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=reporter, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    mapcells.fold_changes()
    for zoom in (6, 10, 14):
        assert stored(zoom) == live(zoom)
    assert sum(cell[0] for cell in stored(8)) == 60


def test_emptying_the_signals_table_empties_the_counts(city):
    rng = random.Random(3)
    for _ in range(10):
        make_signal(city["tag"], random_point(rng))
    mapcells.fold_changes()
    with connection.cursor() as cursor:
        # Inside the test's transaction: run the deferred foreign-key checks first, as a
        # commit would, since PostgreSQL refuses to truncate with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE signals_signal CASCADE")
    assert stored(10) == []
    make_signal(city["trou"], random_point(rng))
    assert_same_as_counting()
