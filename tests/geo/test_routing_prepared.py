"""Routing's lookups are prepared once per connection and behave like Django's queries."""

import pytest
from django.contrib.gis.geos import Point
from django.db import DatabaseError, connection, transaction

from config.prepared import prepared_cursor
from geo.routing import COVERS, NEAREST, service_for_point
from tests.factories import INSIDE_WEST, WEST, CategoryFactory, ServiceFactory, make_area

pytestmark = pytest.mark.django_db


def _prepared() -> dict[str, tuple[int, int]]:
    """Routing's prepared statements on this connection, with their plan counts."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%%geo_serviceareapiece%%'"
        )
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


def test_both_lookups_are_planned_once_and_reused():
    roads = CategoryFactory()
    make_area(ServiceFactory(slug="voirie"), WEST, categories=[roads])
    outside = Point(2.325, 48.857, srid=4326)

    service_for_point(point=INSIDE_WEST, category=roads)
    service_for_point(point=outside, category=roads)
    before = _prepared()  # earlier tests on this connection may have run them already
    assert len(before) == 2

    for _ in range(3):
        assert service_for_point(point=INSIDE_WEST, category=roads).method == COVERS
        assert service_for_point(point=outside, category=roads).method == NEAREST

    after = _prepared()
    assert after.keys() == before.keys()
    runs = {
        "ST_Expand" in statement: (generic - before[statement][0], custom - before[statement][1])
        for statement, (generic, custom) in after.items()
    }
    # Each run reused its statement's generic plan; none was planned for its parameters.
    # The covering lookup runs for all six points, the nearest one for the three outside.
    assert runs == {False: (6, 0), True: (3, 0)}


def test_a_failing_statement_is_a_django_database_error_and_rolls_back_cleanly():
    with pytest.raises(DatabaseError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM geo_serviceareapiece", prepare=True)
    # The connection is usable afterwards, as after any failed Django query.
    roads = CategoryFactory()
    make_area(ServiceFactory(slug="voirie"), WEST, categories=[roads])
    assert service_for_point(point=INSIDE_WEST, category=roads).service.slug == "voirie"


@pytest.mark.django_db(transaction=True)
def test_without_prepared_statements_routing_still_answers():
    connection.close()
    options = connection.settings_dict["OPTIONS"]
    saved = options.pop("prepare_threshold", None)
    try:
        options["prepare_threshold"] = None
        connection.ensure_connection()
        roads = CategoryFactory()
        make_area(ServiceFactory(slug="voirie"), WEST, categories=[roads])
        assert service_for_point(point=INSIDE_WEST, category=roads).service.slug == "voirie"
        assert _prepared() == {}
    finally:
        connection.close()
        options["prepare_threshold"] = saved
