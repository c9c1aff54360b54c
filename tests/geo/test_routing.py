import math

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import connection

from geo.models import ServiceAreaPiece
from geo.routing import COVERS, NEAREST, OutsideTerritory, service_for_point
from tests.factories import (
    EAST,
    INSIDE_EAST,
    INSIDE_WEST,
    WEST,
    CategoryFactory,
    ServiceFactory,
    make_area,
)

pytestmark = pytest.mark.django_db


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance, an independent check of the database's metres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


@pytest.fixture
def category():
    return CategoryFactory()


@pytest.fixture
def west_east():
    west = make_area(ServiceFactory(slug="ouest"), WEST)
    east = make_area(ServiceFactory(slug="est"), EAST)
    return west, east


def test_point_inside_an_area_goes_to_its_service(west_east, category):
    route = service_for_point(point=INSIDE_EAST, category=category)
    assert route.service.slug == "est"
    assert route.method == COVERS
    assert route.distance_m is None


def test_point_on_a_shared_border_is_routed_and_always_to_the_same_service(west_east, category):
    on_border = Point(2.35, 48.857, srid=4326)
    routes = {service_for_point(point=on_border, category=category).service.slug for _ in range(5)}
    # Same priority, same size: the oldest area wins, every time.
    assert routes == {"ouest"}


def test_point_on_the_outer_edge_counts_as_inside(west_east, category):
    route = service_for_point(point=Point(2.37, 48.86, srid=4326), category=category)
    assert (route.service.slug, route.method) == ("est", COVERS)


def test_higher_priority_area_wins_over_a_covering_one(west_east, category):
    make_area(
        ServiceFactory(slug="centre"), Polygon.from_bbox((2.335, 48.855, 2.345, 48.86)), priority=5
    )
    assert service_for_point(point=INSIDE_WEST, category=category).service.slug == "centre"


def test_smaller_area_wins_at_equal_priority(west_east, category):
    make_area(ServiceFactory(slug="quartier"), Polygon.from_bbox((2.335, 48.855, 2.345, 48.86)))
    assert service_for_point(point=INSIDE_WEST, category=category).service.slug == "quartier"


def test_area_only_takes_the_categories_it_handles(category):
    other = CategoryFactory()
    make_area(ServiceFactory(slug="eclairage"), WEST, categories=[other])
    make_area(ServiceFactory(slug="voirie"), WEST.buffer(0.02), categories=[category])
    assert service_for_point(point=INSIDE_WEST, category=other).service.slug == "eclairage"
    assert service_for_point(point=INSIDE_WEST, category=category).service.slug == "voirie"


def test_area_listing_a_type_handles_its_sub_types(category):
    make_area(ServiceFactory(slug="proprete"), WEST, categories=[category.parent])
    assert service_for_point(point=INSIDE_WEST, category=category).service.slug == "proprete"


def test_inactive_service_gets_nothing(west_east, category):
    west, _ = west_east
    west.service.is_active = False
    west.service.save()
    route = service_for_point(point=INSIDE_WEST, category=category)
    assert route.service.slug == "est"
    assert route.method == NEAREST


def test_outside_every_area_goes_to_the_nearest_within_reach_in_metres(west_east, category):
    outside = Point(2.38, 48.857, srid=4326)  # about 730 m east of EAST
    route = service_for_point(point=outside, category=category)
    assert route.service.slug == "est"
    assert route.method == NEAREST
    expected = haversine_m(outside, Point(2.37, 48.857, srid=4326))
    assert route.distance_m == pytest.approx(expected, rel=0.01)


def test_nearest_is_measured_in_metres_not_degrees(category):
    # North is 0.010° away (≈1,110 m); east is 0.012° away (≈880 m at this latitude).
    point = Point(2.30, 48.80, srid=4326)
    make_area(ServiceFactory(slug="nord"), Polygon.from_bbox((2.29, 48.81, 2.31, 48.82)))
    make_area(ServiceFactory(slug="est"), Polygon.from_bbox((2.312, 48.79, 2.33, 48.81)))
    route = service_for_point(point=point, category=category)
    assert route.service.slug == "est"
    assert route.distance_m == pytest.approx(880, rel=0.02)


@pytest.mark.parametrize("bearing", range(0, 360, 30))
def test_nearest_distance_is_the_geodesic_distance_to_the_polygon(category, bearing):
    # An irregular star, so the closest point is sometimes a vertex, sometimes mid-edge.
    centre = Point(2.35, 48.86, srid=4326)
    ring = [
        (
            centre.x + (0.004 + 0.002 * (i % 2)) * math.cos(math.radians(i * 17)) / 0.66,
            centre.y + (0.004 + 0.002 * (i % 2)) * math.sin(math.radians(i * 17)),
        )
        for i in range(21)
    ]
    area = make_area(ServiceFactory(slug="etoile"), Polygon([*ring, ring[0]]))
    point = Point(
        centre.x + 0.012 * math.cos(math.radians(bearing)) / 0.66,
        centre.y + 0.012 * math.sin(math.radians(bearing)),
        srid=4326,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(geom::geography, %s::geography) FROM geo_servicearea WHERE id = %s",
            [point.ewkt, area.pk],
        )
        (geodesic,) = cursor.fetchone()
    route = service_for_point(point=point, category=category)
    assert route.method == NEAREST
    assert route.distance_m == pytest.approx(geodesic, abs=0.1)


def test_beyond_the_routing_distance_is_outside_the_territory(west_east, category, settings):
    far = Point(2.45, 48.857, srid=4326)  # about 5.9 km east
    with pytest.raises(OutsideTerritory):
        service_for_point(point=far, category=category)
    settings.ROUTING_MAX_DISTANCE_M = 10_000
    assert service_for_point(point=far, category=category).service.slug == "est"


def test_no_area_for_the_category_is_outside_the_territory(category):
    make_area(ServiceFactory(), WEST, categories=[CategoryFactory()])
    with pytest.raises(OutsideTerritory):
        service_for_point(point=INSIDE_WEST, category=category)


def test_a_large_boundary_is_cut_into_small_pieces_and_still_routes(category):
    # A circle of 20,000 vertices around the west square's centre.
    circle = INSIDE_WEST.buffer(0.01, quadsegs=5000)
    area = make_area(ServiceFactory(slug="grand"), circle)
    pieces = ServiceAreaPiece.objects.filter(area=area)
    assert pieces.count() > 50
    assert max(piece.geom.num_points for piece in pieces) <= 256 + 8
    assert service_for_point(point=INSIDE_WEST, category=category).method == COVERS
    assert (
        service_for_point(point=Point(2.3495, 48.857, srid=4326), category=category).method
        == COVERS
    )


def test_a_subnormal_coordinate_is_routed_not_an_error(category):
    # Whatever path it came by (a re-routing of a stored point, an import), not only the API's.
    make_area(ServiceFactory(slug="equateur"), Polygon.from_bbox((-0.01, -0.01, 0.01, 0.01)))
    route = service_for_point(point=Point(5e-324, 5e-324, srid=4326), category=category)
    assert route.service.slug == "equateur"
    route = service_for_point(point=Point(0.02, 5e-324, srid=4326), category=category)
    assert route.method == NEAREST
