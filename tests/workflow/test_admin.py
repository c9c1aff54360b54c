import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point

from geo.models import ServiceArea, ServiceAreaPiece
from geo.routing import service_for_point
from tests.factories import CategoryFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-root-1"))
    return client


def square(lon, lat, size=0.01):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "MultiPolygon", "coordinates": [[ring]]})


def test_an_area_drawn_in_the_admin_routes_the_next_signal(admin_client):
    service = ServiceFactory(slug="voirie")
    response = admin_client.post(
        "/admin/geo/servicearea/add/",
        {"service": service.pk, "name": "Secteur test", "priority": 0, "geom": square(2.33, 48.85)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    area = ServiceArea.objects.get(name="Secteur test")
    assert ServiceAreaPiece.objects.filter(area=area).exists()
    assert area.area_m2 > 0
    route = service_for_point(point=Point(2.335, 48.855, srid=4326), category=CategoryFactory())
    assert route.service == service


def test_moving_an_area_in_the_admin_reroutes(admin_client):
    service = ServiceFactory(slug="voirie")
    admin_client.post(
        "/admin/geo/servicearea/add/",
        {"service": service.pk, "name": "Secteur", "priority": 0, "geom": square(2.33, 48.85)},
    )
    area = ServiceArea.objects.get()
    admin_client.post(
        f"/admin/geo/servicearea/{area.pk}/change/",
        {"service": service.pk, "name": "Secteur", "priority": 0, "geom": square(2.40, 48.85)},
    )
    category = CategoryFactory()
    assert (
        service_for_point(point=Point(2.405, 48.855, srid=4326), category=category).method
        == "covers"
    )
    assert (
        service_for_point(point=Point(2.335, 48.855, srid=4326), category=category).method
        == "nearest"
    )


def test_the_admin_map_loads_every_script_and_stylesheet_from_our_static_files(admin_client):
    page = admin_client.get("/admin/geo/servicearea/add/").content.decode()
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any("leaflet" in url for url in assets)
    assert [url for url in assets if not url.startswith("/")] == []
