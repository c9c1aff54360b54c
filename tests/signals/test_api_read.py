from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    EAST,
    INSIDE_EAST,
    INSIDE_WEST,
    WEST,
    CategoryFactory,
    ServiceFactory,
    make_area,
    make_signal,
)
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"


@pytest.fixture
def city():
    pothole = CategoryFactory(code="nid-de-poule")
    tag = CategoryFactory(code="tag")
    make_area(ServiceFactory(slug="ouest"), WEST)
    make_area(ServiceFactory(slug="est"), EAST)
    old = make_signal(
        pothole,
        INSIDE_WEST,
        email="secret@example.org",
        created_at=timezone.now() - timedelta(days=30),
    )
    new = make_signal(tag, INSIDE_EAST, email="other@example.org")
    signal_transition(signal=new, to="accepted", message="Pris en compte", note="NOTE-INTERNE-42")
    return {"old": old, "new": new}


def refs(response):
    return [feature["id"] for feature in response.json()["features"]]


def test_list_is_a_geojson_feature_collection_in_lon_lat(api_client, city):
    body = api_client.get(URL).json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == 2
    feature = next(f for f in body["features"] if f["id"] == city["old"].reference)
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]}
    assert feature["properties"]["category"]["code"] == "nid-de-poule"
    assert feature["properties"]["service"]["slug"] == "ouest"


def test_newest_first(api_client, city):
    assert refs(api_client.get(URL)) == [city["new"].reference, city["old"].reference]


def test_no_personal_data_or_internal_note_in_public_output(api_client, city):
    for url in (URL, f"{URL}{city['new'].reference}/"):
        text = api_client.get(url).content.decode()
        assert "secret@example.org" not in text
        assert "other@example.org" not in text
        assert "NOTE-INTERNE-42" not in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=nid-de-poule", ["old"]),
        ("status=accepted", ["new"]),
        ("status=new&status=accepted", ["new", "old"]),
        ("service=est", ["new"]),
        ("bbox=2.33,48.85,2.35,48.865", ["old"]),
    ],
)
def test_filters(api_client, city, query, expected):
    assert refs(api_client.get(f"{URL}?{query}")) == [city[name].reference for name in expected]


def test_parent_category_code_includes_its_sub_types(api_client, city):
    parent = city["old"].category.parent.code
    assert refs(api_client.get(f"{URL}?category={parent}")) == [city["old"].reference]


def test_created_period_filters(api_client, city):
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = api_client.get(URL, {"created_after": since})
    assert refs(response) == [city["new"].reference]
    assert refs(api_client.get(URL, {"created_before": since})) == [city["old"].reference]


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=NAN,NAN,NAN,NAN",  # found by the fuzzer: GEOS could not draw it, a 500
        "bbox=2.3,48.8,inf,48.9",
        "status=flying",
        "created_after=yesterday",
        "page=999",
    ],
)
def test_bad_filters_are_a_400_or_404_never_a_500(api_client, city, query):
    response = api_client.get(f"{URL}?{query}")
    assert response.status_code in (400, 404)


def test_pages_link_to_the_next_one(api_client, city):
    body = api_client.get(URL, {"page_size": 1}).json()
    assert len(body["features"]) == 1
    assert "page=2" in body["next"]
    second = api_client.get(body["next"]).json()
    assert second["features"][0]["id"] != body["features"][0]["id"]


def test_detail_by_reference(api_client, city):
    response = api_client.get(f"{URL}{city['new'].reference}/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "Feature"
    assert body["properties"]["status"] == "accepted"


def test_unknown_reference_is_a_404(api_client, city):
    assert api_client.get(f"{URL}DMR-1999-000001/").status_code == 404


def test_categories_are_a_two_level_tree(api_client, city):
    body = api_client.get("/api/v1/categories/").json()
    codes = {node["code"]: [child["code"] for child in node["children"]] for node in body}
    assert ["nid-de-poule"] in codes.values()
    assert ["tag"] in codes.values()


def test_services_link_their_areas_as_geojson(api_client, city):
    body = api_client.get("/api/v1/services/").json()
    est = next(service for service in body if service["slug"] == "est")
    assert "email" not in est
    areas = api_client.get(est["areas_url"]).json()
    assert areas["type"] == "FeatureCollection"
    assert areas["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_a_malformed_bbox_says_what_a_bbox_is(api_client, city):
    response = api_client.get(URL, {"bbox": "2.35,48.85"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "four numbers" in response.json()["detail"]
