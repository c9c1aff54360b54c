"""The administrators' pages for areas and categories: what they show, at a cost that does
not grow with the number of categories or with the size of the areas' geometries."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import WEST, CategoryFactory, ParentCategoryFactory, ServiceFactory, make_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-root-1"))
    return client


def _sub_types(parent, count: int) -> list:
    return [
        CategoryFactory(code=f"{parent.code}-{n}", name=f"{parent.name} {n}", parent=parent)
        for n in range(count)
    ]


def _queries(client, url: str) -> tuple[int, str, list[str]]:
    client.get(url)  # the admin's own first-time lookups (content types) are cached after
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return (
        len(captured.captured_queries),
        response.content.decode(),
        [query["sql"] for query in captured.captured_queries],
    )


@pytest.mark.parametrize("page", ["area", "type"])
def test_a_page_naming_categories_by_type_runs_as_many_queries_for_30_as_for_3(admin_client, page):
    """An area's category list, a type's parent choices: each "Type › Sub-type"."""
    voirie = ParentCategoryFactory(code="voirie", name="Voirie")
    _sub_types(voirie, 3)
    if page == "area":
        area = make_area(ServiceFactory(slug="voirie-ouest", name="Voirie Ouest"), WEST)
        url = f"/admin/geo/servicearea/{area.pk}/change/"
    else:
        url = f"/admin/signals/category/{voirie.pk}/change/"
    few, html, _sql = _queries(admin_client, url)
    assert "Voirie › Voirie 2" in html

    _sub_types(ParentCategoryFactory(code="proprete", name="Propreté"), 27)
    many, html, _sql = _queries(admin_client, url)
    assert "Propreté › Propreté 26" in html
    assert many == few


def test_the_areas_list_shows_each_area_without_reading_its_geometry(admin_client):
    service = ServiceFactory(slug="eclairage", name="Éclairage public")
    make_area(service, WEST, name="Secteur nord")
    make_area(service, WEST, name="Secteur sud")
    _count, html, statements = _queries(admin_client, "/admin/geo/servicearea/")
    assert "Secteur nord" in html and "Secteur sud" in html
    assert "Éclairage public" in html
    listed = [
        sql for sql in statements if "Secteur" not in sql and '"geo_servicearea"."name"' in sql
    ]
    assert listed, statements
    assert all('"geo_servicearea"."geom"' not in sql for sql in listed)
