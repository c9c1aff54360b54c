"""Vector tiles of signals: what is in a tile, and that a status change shows at once."""

import math

import pytest
from django.core.cache import cache

from tests.factories import INSIDE_EAST, INSIDE_WEST, WEST, CategoryFactory, make_area, make_signal
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db


def tile_of(point, z: int) -> tuple[int, int]:
    """The XYZ tile holding a lon/lat point (the slippy-map formula)."""
    n = 2**z
    lat = math.radians(point.y)
    x = int((point.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(lat)) / math.pi) / 2 * n)
    return x, y


def url(point, z: int) -> str:
    x, y = tile_of(point, z)
    return f"/api/v1/tiles/{z}/{x}/{y}.mvt"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def signal():
    make_area(polygon=WEST)
    return make_signal(CategoryFactory(code="encombrant"), INSIDE_WEST, email="me@example.org")


def test_a_tile_at_street_zoom_carries_each_signal_public_fields(client, signal):
    response = client.get(url(INSIDE_WEST, 16))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    tile = response.content
    assert b"signals" in tile
    assert signal.reference.encode() in tile
    assert b"encombrant" in tile
    assert b"new" in tile
    assert b"me@example.org" not in tile


def test_a_tile_elsewhere_is_empty(client, signal):
    response = client.get(url(INSIDE_EAST, 18))
    assert response.status_code == 200
    assert signal.reference.encode() not in response.content


def test_a_status_change_reaches_the_cached_tile(client, signal):
    first = client.get(url(INSIDE_WEST, 15)).content
    assert b"accepted" not in first
    assert client.get(url(INSIDE_WEST, 15)).content == first  # served from the cache
    signal_transition(signal=signal, to="accepted")
    assert b"accepted" in client.get(url(INSIDE_WEST, 15)).content


def test_a_new_signal_reaches_the_cached_tile(client, signal):
    assert client.get(url(INSIDE_WEST, 15)).content.count(b"DMR-") == 1
    make_signal(signal.category, INSIDE_WEST)
    assert client.get(url(INSIDE_WEST, 15)).content.count(b"DMR-") == 2


def test_low_zoom_tiles_hold_clusters_not_points(client, signal):
    make_signal(signal.category, INSIDE_WEST)
    tile = client.get(url(INSIDE_WEST, 10)).content
    assert b"clusters" in tile
    assert b"DMR-" not in tile


@pytest.mark.parametrize("path", ["3/8/0", "3/0/8", "23/0/0"])
def test_tiles_outside_the_grid_are_404(client, path):
    assert client.get(f"/api/v1/tiles/{path}.mvt").status_code == 404


def test_only_get(client, signal):
    assert client.post(url(INSIDE_WEST, 14)).status_code == 405


def test_aggregates_are_cached_until_a_signal_changes(
    client, signal, django_assert_max_num_queries
):
    url = "/api/v1/signals/aggregates/?zoom=12"
    assert client.get(url).json()["total"] == 1
    with django_assert_max_num_queries(1):  # the version stamp only
        assert client.get(url).json()["total"] == 1
    make_signal(signal.category, INSIDE_WEST)
    assert client.get(url).json()["total"] == 2
