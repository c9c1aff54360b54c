"""The services' API: a light list, then each service's areas on request, simplified, paged."""

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point

from geo.models import Service
from tests.factories import EAST, WEST, ServiceFactory, make_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def voirie():
    service = ServiceFactory(slug="voirie", name="Voirie", email="voirie@ville.example")
    # A round boundary of ~2,000 vertices, as real ones are: detailed.
    circle = Point(2.34, 48.857, srid=4326).buffer(0.005, quadsegs=500)
    make_area(service, circle, name="Cercle")
    make_area(service, WEST, name="Ouest")
    make_area(service, EAST, name="Est")
    return service


def vertices(feature) -> int:
    return shape(feature).num_coords


def shape(feature) -> GEOSGeometry:
    return GEOSGeometry(json.dumps(feature["geometry"]))


def areas(api_client, **params) -> dict:
    response = api_client.get("/api/v1/services/voirie/areas/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {f["properties"]["name"]: f for f in response.json()["features"]}


def test_the_list_of_services_has_no_geometry_and_links_each_one_s_areas(api_client, voirie):
    (service,) = api_client.get("/api/v1/services/").json()
    assert service == {
        "slug": "voirie",
        "name": "Voirie",
        "areas_url": "http://testserver/api/v1/services/voirie/areas/",
    }


def test_areas_come_simplified_in_metres_and_exact_on_request(api_client, voirie):
    exact = areas(api_client, simplify=0)["Cercle"]
    assert vertices(exact) > 1900
    default = areas(api_client)["Cercle"]  # 1 m
    coarse = areas(api_client, simplify=50)["Cercle"]
    assert vertices(coarse) < vertices(default) <= vertices(exact)
    assert vertices(coarse) < 100
    original = shape(exact)
    for feature in (coarse, areas(api_client, simplify=5)["Cercle"]):
        assert shape(feature).geom_type == "MultiPolygon"
        assert shape(feature).valid
    # Still the same place: at 5 m, what was dropped weighs less than 1 % of a 400 m disc.
    close = shape(areas(api_client, simplify=5)["Cercle"])
    assert abs(close.area - original.area) / original.area < 0.01
    assert close.num_coords < original.num_coords
    assert coarse["properties"]["categories"] == []


def test_a_zoom_level_chooses_the_tolerance_of_a_screen_pixel(api_client, voirie):
    far = areas(api_client, zoom=11)["Cercle"]  # ~50 m a pixel
    near = areas(api_client, zoom=18)["Cercle"]  # ~40 cm a pixel
    assert vertices(far) < vertices(near)


def test_areas_are_paginated(api_client, voirie):
    first = api_client.get("/api/v1/services/voirie/areas/", {"page_size": 2}).json()
    assert first["type"] == "FeatureCollection"
    assert first["count"] == 3
    assert [f["properties"]["name"] for f in first["features"]] == ["Cercle", "Est"]
    second = api_client.get(first["next"]).json()
    assert [f["properties"]["name"] for f in second["features"]] == ["Ouest"]


@pytest.mark.parametrize(
    "params", [{"simplify": "-1"}, {"simplify": "beaucoup"}, {"simplify": "1e9"}, {"zoom": "40"}]
)
def test_bad_parameters_are_a_400(api_client, voirie, params):
    response = api_client.get("/api/v1/services/voirie/areas/", params)
    assert response.status_code == 400
    assert set(response.json()) <= {"simplify", "zoom"}


def test_unknown_and_inactive_services_are_a_404(api_client, voirie):
    assert api_client.get("/api/v1/services/nulle-part/areas/").status_code == 404
    Service.objects.filter(slug="voirie").update(is_active=False)
    assert api_client.get("/api/v1/services/voirie/areas/").status_code == 404
    assert api_client.get("/api/v1/services/").json() == []
