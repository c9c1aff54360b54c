"""An area's category list decides what it routes, at once, however the list changes.

Pieces are stored once per category an area lists (the routing index is on
category and place), and a trigger keeps them in step with the list: these
tests change the list every way an administrator or a script can.
"""

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import connection

from geo.models import ServiceAreaPiece
from geo.routing import COVERS, NEAREST, NEAREST_SQL, OutsideTerritory, service_for_point
from tests.factories import INSIDE_WEST, WEST, CategoryFactory, ServiceFactory, make_area

pytestmark = pytest.mark.django_db

OUTSIDE_WEST = Point(2.325, 48.857, srid=4326)  # about 370 m west of WEST


def routed(point, category):
    try:
        route = service_for_point(point=point, category=category)
    except OutsideTerritory:
        return None
    return route.service.slug, route.method


def test_a_category_added_to_an_area_routes_there_at_once():
    lighting, roads = CategoryFactory(), CategoryFactory()
    area = make_area(ServiceFactory(slug="voirie"), WEST, categories=[roads])
    assert routed(INSIDE_WEST, lighting) is None

    area.categories.add(lighting)

    assert routed(INSIDE_WEST, lighting) == ("voirie", COVERS)
    assert routed(OUTSIDE_WEST, lighting) == ("voirie", NEAREST)
    assert routed(INSIDE_WEST, roads) == ("voirie", COVERS)


def test_a_category_removed_from_an_area_no_longer_routes_there():
    lighting, roads = CategoryFactory(), CategoryFactory()
    area = make_area(ServiceFactory(slug="voirie"), WEST, categories=[roads, lighting])

    area.categories.remove(lighting)

    assert routed(INSIDE_WEST, lighting) is None
    assert routed(OUTSIDE_WEST, lighting) is None
    assert routed(INSIDE_WEST, roads) == ("voirie", COVERS)


def test_an_area_whose_list_is_emptied_handles_every_category():
    roads, anything = CategoryFactory(), CategoryFactory()
    area = make_area(ServiceFactory(slug="voirie"), WEST, categories=[roads])

    area.categories.clear()

    assert routed(INSIDE_WEST, anything) == ("voirie", COVERS)
    assert routed(INSIDE_WEST, roads) == ("voirie", COVERS)
    # One set of pieces, not one per former category.
    assert not ServiceAreaPiece.objects.filter(area=area).exclude(category_key=0).exists()


def test_an_area_handling_everything_given_a_list_handles_only_that():
    roads, anything = CategoryFactory(), CategoryFactory()
    area = make_area(ServiceFactory(slug="voirie"), WEST)
    assert routed(INSIDE_WEST, anything) == ("voirie", COVERS)

    area.categories.set([roads])

    assert routed(INSIDE_WEST, anything) is None
    assert routed(INSIDE_WEST, roads) == ("voirie", COVERS)


def test_pieces_are_kept_once_per_listed_category_and_never_duplicated():
    a, b, c = CategoryFactory(), CategoryFactory(), CategoryFactory()
    area = make_area(ServiceFactory(), WEST, categories=[a, b])
    per_category = ServiceAreaPiece.objects.filter(area=area, category_key=a.pk).count()
    assert per_category >= 1

    area.categories.set([b, c])

    counts = {
        cat.pk: ServiceAreaPiece.objects.filter(area=area, category_key=cat.pk).count()
        for cat in (a, b, c)
    }
    assert counts == {a.pk: 0, b.pk: per_category, c.pk: per_category}
    assert ServiceAreaPiece.objects.filter(area=area).count() == 2 * per_category


def test_deleting_one_of_an_areas_categories_keeps_the_others_routed():
    gone, kept = CategoryFactory(), CategoryFactory()
    make_area(ServiceFactory(slug="voirie"), WEST, categories=[gone, kept])

    gone.delete()

    assert routed(INSIDE_WEST, kept) == ("voirie", COVERS)
    assert not ServiceAreaPiece.objects.filter(category_key=gone.pk).exists()


def test_an_area_whose_only_category_is_deleted_handles_every_category_as_its_list_says():
    gone, anything = CategoryFactory(), CategoryFactory()
    area = make_area(ServiceFactory(slug="voirie"), WEST, categories=[gone])

    gone.delete()

    assert list(area.categories.all()) == []
    assert routed(INSIDE_WEST, anything) == ("voirie", COVERS)


def test_the_nearest_area_of_the_category_wins_over_many_nearer_areas_of_others():
    roads, lighting = CategoryFactory(), CategoryFactory()
    # 60 small lighting sectors all around the point, nearer than the roads area.
    for i in range(60):
        x = 2.300 + (i % 10) * 0.002
        y = 48.850 + (i // 10) * 0.002
        make_area(
            ServiceFactory(slug=f"eclairage-{i}"),
            Polygon.from_bbox((x, y, x + 0.0015, y + 0.0015)),
            categories=[lighting],
        )
    make_area(ServiceFactory(slug="voirie"), WEST, categories=[roads])
    point = Point(2.3105, 48.8555, srid=4326)

    assert routed(point, roads) == ("voirie", NEAREST)


def test_the_nearest_lookup_is_an_index_scan_on_category_and_place():
    roads = CategoryFactory()
    make_area(ServiceFactory(), WEST, categories=[roads.parent])
    params = {"x": 2.2, "y": 48.8, "category": roads.pk, "parent": roads.parent_id}
    with connection.cursor() as cursor:
        # On a handful of rows any planner reads the table and sorts: ask whether it *can*
        # walk the index in distance order, which a city of thousands of areas relies on.
        for plan_kind in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{plan_kind} = off")
        cursor.execute("EXPLAIN " + NEAREST_SQL, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # Each key's KNN walk and box search find pieces by the index's category column, not
    # by filtering every nearer piece of other categories.
    assert plan.count("Index Scan using serviceareapiece_cat_geom_gist") == 6
    assert plan.count("Order By: (geom <-> ") == 3
    assert plan.count("Index Cond: (category_key = ") == 3
    assert plan.count("Index Cond: ((category_key = ") == 3  # with the box: `geom && ...`


def test_the_nearest_in_metres_wins_however_many_pieces_are_nearer_in_degrees():
    """A degree of longitude is two thirds of one of latitude in Paris: the area east of
    the point is nearer in metres than forty small ones north of it, though farther in
    degrees than all of them. A search that kept the N nearest in degrees would lose it."""
    roads = CategoryFactory()
    point = Point(2.30, 48.80, srid=4326)
    for i in range(40):
        x = 2.30 - 0.009 + i * 0.00045
        make_area(
            ServiceFactory(slug=f"nord-{i}"),
            Polygon.from_bbox((x, 48.810, x + 0.0003, 48.8103)),
            categories=[roads],
        )
    make_area(
        ServiceFactory(slug="est"),
        Polygon.from_bbox((2.314, 48.79, 2.32, 48.81)),
        categories=[roads],
    )

    route = service_for_point(point=point, category=roads)

    assert (route.service.slug, route.method) == ("est", NEAREST)
    # 0.014° of longitude at 48.8° N: about 1,027 m (the northern squares are 1,112 m away).
    assert 1_020 < route.distance_m < 1_035
