"""Deleting a category in the admin never turns an area into one that takes everything.

An area with no category handles every category: deleting the only category an area
lists would silently send it every report under it. The admin refuses, as for a
protected object, and names the area.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point

from geo.routing import service_for_point
from signals.models import Category
from tests.factories import WEST, CategoryFactory, ServiceFactory, make_area

pytestmark = pytest.mark.django_db
INSIDE = Point(2.30, 48.86, srid=4326)


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-root-1"))
    return client


def test_the_only_category_of_an_area_is_not_deleted_and_the_area_is_named(admin_client):
    lights = CategoryFactory(code="eclairage", name="Éclairage")
    roads = CategoryFactory(code="voirie-trou", name="Trou")
    make_area(ServiceFactory(slug="voirie", name="Voirie"), WEST, categories=[roads])
    make_area(ServiceFactory(slug="lumiere", name="Lumière"), WEST, categories=[lights])

    page = admin_client.get(f"/admin/signals/category/{lights.pk}/delete/")
    assert "Lumière" in page.content.decode()
    response = admin_client.post(f"/admin/signals/category/{lights.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200  # the refusal page, not a redirect after deleting
    assert Category.objects.filter(pk=lights.pk).exists()
    # The roads area still takes only its own reports.
    assert service_for_point(point=INSIDE, category=roads).service.slug == "voirie"
    assert service_for_point(point=INSIDE, category=lights).service.slug == "lumiere"


def test_the_bulk_delete_action_refuses_the_same(admin_client):
    lights = CategoryFactory(code="eclairage", name="Éclairage")
    spare = CategoryFactory(code="spare", name="Inutilisée")
    make_area(ServiceFactory(slug="lumiere", name="Lumière"), WEST, categories=[lights])
    response = admin_client.post(
        "/admin/signals/category/",
        {"action": "delete_selected", "_selected_action": [lights.pk, spare.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert Category.objects.filter(pk__in=[lights.pk, spare.pk]).count() == 2


def test_a_category_that_an_area_lists_among_others_is_deleted(admin_client):
    lights = CategoryFactory(code="eclairage", name="Éclairage")
    bins = CategoryFactory(code="corbeille", name="Corbeille")
    area = make_area(
        ServiceFactory(slug="lumiere", name="Lumière"), WEST, categories=[lights, bins]
    )
    response = admin_client.post(f"/admin/signals/category/{lights.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Category.objects.filter(pk=lights.pk).exists()
    assert list(area.categories.all()) == [bins]


def test_the_refusal_is_in_french_for_a_french_admin(admin_client):
    lights = CategoryFactory(code="eclairage", name="Éclairage")
    make_area(ServiceFactory(slug="lumiere", name="Lumière"), WEST, categories=[lights])
    page = admin_client.get(
        f"/admin/signals/category/{lights.pk}/delete/", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "ne traite que cette catégorie" in page
