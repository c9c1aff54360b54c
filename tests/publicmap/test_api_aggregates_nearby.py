import pytest
from django.contrib.gis.geos import Point

from tests.factories import (
    EAST,
    INSIDE_EAST,
    INSIDE_WEST,
    WEST,
    CategoryFactory,
    make_area,
    make_signal,
)
from workflow.services import signal_transition
from workflow.states import State

pytestmark = pytest.mark.django_db
AGG = "/api/v1/signals/aggregates/"
NEARBY = "/api/v1/signals/nearby/"
# One metre of latitude, near Paris: 1 / 111,2xx of a degree. Used only to *place*
# points in tests; the code under test measures on the spheroid.
M_LAT = 1 / 111_250


@pytest.fixture
def city():
    make_area(polygon=WEST)
    make_area(polygon=EAST)
    return CategoryFactory(code="tag", name="Tag")


def north_of(point: Point, metres: float) -> Point:
    return Point(point.x, point.y + metres * M_LAT, srid=4326)


def test_aggregates_count_every_signal_in_cells(api_client, city):
    for _ in range(3):
        make_signal(city, INSIDE_WEST)
    make_signal(city, INSIDE_EAST)
    body = api_client.get(AGG, {"zoom": 14}).json()
    assert body["total"] == 4
    assert sorted(cell["count"] for cell in body["cells"]) == [1, 3]
    west = next(cell for cell in body["cells"] if cell["count"] == 3)
    assert (west["lon"], west["lat"]) == pytest.approx((INSIDE_WEST.x, INSIDE_WEST.y))


def test_aggregates_merge_cells_at_low_zoom_and_split_them_at_high_zoom(api_client, city):
    make_signal(city, INSIDE_WEST)
    make_signal(city, INSIDE_EAST)  # ~1.5 km apart
    assert len(api_client.get(AGG, {"zoom": 8}).json()["cells"]) == 1
    assert len(api_client.get(AGG, {"zoom": 15}).json()["cells"]) == 2


def test_aggregates_honour_bbox_and_filters(api_client, city):
    make_signal(city, INSIDE_WEST)
    other = make_signal(CategoryFactory(code="trou"), INSIDE_EAST)
    west_bbox = "2.33,48.85,2.349,48.865"
    assert api_client.get(AGG, {"zoom": 14, "bbox": west_bbox}).json()["total"] == 1
    assert api_client.get(AGG, {"zoom": 14, "category": "trou"}).json()["total"] == 1
    signal_transition(signal=other, to=State.ACCEPTED)
    assert api_client.get(AGG, {"zoom": 14, "status": "accepted"}).json()["total"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"zoom": "x"},
        {"zoom": 30},
        {"zoom": 12, "bbox": "1,2"},
        {"zoom": 12, "bbox": "nan,1,2,3"},
    ],
)
def test_aggregates_bad_parameters_are_a_400(api_client, city, params):
    response = api_client.get(AGG, params)
    assert response.status_code == 400


def test_nearby_finds_open_signals_of_the_category_within_50_metres(api_client, city):
    near = make_signal(city, north_of(INSIDE_WEST, 40))
    make_signal(city, north_of(INSIDE_WEST, 60))
    make_signal(CategoryFactory(code="autre"), INSIDE_WEST)
    closed = make_signal(city, north_of(INSIDE_WEST, 10))
    signal_transition(signal=closed, to=State.REJECTED, message="Domaine privé.")
    response = api_client.get(
        NEARBY, {"lon": INSIDE_WEST.x, "lat": INSIDE_WEST.y, "category": "tag"}
    )
    assert response.status_code == 200
    found = response.json()
    assert [item["reference"] for item in found] == [near.reference]
    assert found[0]["distance_m"] == pytest.approx(40, abs=1)
    assert found[0]["url"] == f"/signalements/{near.reference}/"
    assert "email" not in str(found)


def test_nearby_orders_by_distance_and_takes_a_radius_in_metres(api_client, city):
    far = make_signal(city, north_of(INSIDE_WEST, 120))
    close = make_signal(city, north_of(INSIDE_WEST, 20))
    found = api_client.get(
        NEARBY, {"lon": INSIDE_WEST.x, "lat": INSIDE_WEST.y, "category": "tag", "radius": 150}
    ).json()
    assert [item["reference"] for item in found] == [close.reference, far.reference]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lon": 2.34, "lat": 48.85},
        {"lon": 200, "lat": 48.85, "category": "tag"},
        {"lon": 2.34, "lat": 48.85, "category": "inconnue"},
        {"lon": 2.34, "lat": 48.85, "category": "tag", "radius": 5000},
    ],
)
def test_nearby_bad_parameters_are_a_400(api_client, city, params):
    response = api_client.get(NEARBY, params)
    assert response.status_code == 400
