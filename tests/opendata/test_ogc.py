import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import INSIDE_EAST, INSIDE_WEST

pytestmark = pytest.mark.django_db
BASE = "/ogc"


def links(document, rel):
    return [link["href"] for link in document["links"] if link["rel"] == rel]


def ids(response):
    assert response.status_code == 200, response.content
    return [feature["id"] for feature in response.json()["features"]]


def test_landing_page_links_to_the_api_conformance_and_collections(client, city):
    landing = client.get(f"{BASE}/").json()
    assert links(landing, "service-desc") == ["http://testserver/ogc/api"]
    assert links(landing, "conformance") == ["http://testserver/ogc/conformance"]
    assert links(landing, "data") == ["http://testserver/ogc/collections"]
    api = client.get(f"{BASE}/api")
    assert api["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert "/collections/signals/items" in api.json()["paths"]


def test_conformance_declares_core_geojson_oas30_and_html(client, city):
    classes = client.get(f"{BASE}/conformance").json()["conformsTo"]
    for name in ("core", "geojson", "oas30", "html"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}" in classes


def test_collections_describe_signals_and_service_areas(client, city):
    data = client.get(f"{BASE}/collections").json()
    assert [c["id"] for c in data["collections"]] == ["signals", "service-areas"]
    signals = client.get(f"{BASE}/collections/signals").json()
    assert signals["itemType"] == "feature"
    minlon, minlat, maxlon, maxlat = signals["extent"]["spatial"]["bbox"][0]
    assert (minlon, maxlon) == (pytest.approx(INSIDE_WEST.x), pytest.approx(INSIDE_EAST.x))
    assert minlat == maxlat == pytest.approx(INSIDE_WEST.y)
    assert signals["extent"]["temporal"]["interval"][0][0]
    assert any(
        link["type"] == "application/geo+json"
        for link in signals["links"]
        if link["rel"] == "items"
    )
    assert client.get(f"{BASE}/collections/nope").status_code == 404


def test_items_are_geojson_with_counts_and_paging_links(client, city):
    response = client.get(f"{BASE}/collections/signals/items?limit=2")
    assert response["Content-Type"] == "application/geo+json"
    page = response.json()
    assert page["type"] == "FeatureCollection"
    assert (page["numberMatched"], page["numberReturned"]) == (3, 2)
    assert [f["id"] for f in page["features"]] == [city["old"].reference, city["closed"].reference]
    [next_url] = links(page, "next")
    second = client.get(next_url.replace("http://testserver", "")).json()
    assert [f["id"] for f in second["features"]] == [city["recent"].reference]
    assert links(second, "prev") and not links(second, "next")


def test_large_matches_are_not_counted(client, city, monkeypatch):
    # Above the count limit numberMatched is left out (the standard makes it optional)
    # rather than paid for on every page; below it, it is exact.
    monkeypatch.setattr("config.paging.EXACT_COUNT_LIMIT", 2)
    page = client.get(f"{BASE}/collections/signals/items?limit=1").json()
    assert "numberMatched" not in page and page["numberReturned"] == 1
    narrow = client.get(f"{BASE}/collections/signals/items", {"status": "rejected"}).json()
    assert narrow["numberMatched"] == 1
    html = client.get(
        f"{BASE}/collections/signals/items?limit=1&f=html", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1 feature." in html


def test_items_filters(client, city):
    url = f"{BASE}/collections/signals/items"
    assert ids(client.get(url, {"bbox": "2.33,48.85,2.349,48.865"})) == [city["old"].reference]
    assert ids(client.get(url, {"status": "rejected"})) == [city["closed"].reference]
    assert ids(client.get(url, {"category": "voirie"})) == [
        city["old"].reference,
        city["recent"].reference,
    ]
    assert ids(client.get(url, {"service": "ouest"})) == [city["old"].reference]
    area = client.get(f"{BASE}/collections/service-areas/items", {"service": "est"}).json()
    assert [f["properties"]["service"] for f in area["features"]] == ["est"]


def test_datetime_instants_and_intervals(client, city):
    url = f"{BASE}/collections/signals/items"
    three_days_ago = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(client.get(url, {"datetime": f"{three_days_ago}/.."})) == [
        city["closed"].reference,
        city["recent"].reference,
    ]
    assert ids(client.get(url, {"datetime": f"../{three_days_ago}"})) == [city["old"].reference]
    instant = city["closed"].created_at.isoformat()
    assert ids(client.get(url, {"datetime": instant})) == [city["closed"].reference]


@pytest.mark.parametrize(
    "query",
    [
        {"foo": "bar"},
        {"limit": "0"},
        {"limit": "100000"},
        {"limit": "ten"},
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"datetime": "yesterday"},
        {"datetime": "../.."},
        {"datetime": "2026-02-01T00:00:00Z/2026-01-01T00:00:00Z"},
        {"status": "nope"},
        {"f": "xml"},
    ],
)
def test_unknown_or_malformed_parameters_are_a_400(client, city, query):
    response = client.get(f"{BASE}/collections/signals/items", query)
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"


def test_service_areas_have_no_time_so_datetime_is_a_400(client, city):
    response = client.get(f"{BASE}/collections/service-areas/items", {"datetime": "2026-01-01"})
    assert response.status_code == 400


def test_single_items(client, city):
    reference = city["old"].reference
    feature = client.get(f"{BASE}/collections/signals/items/{reference}").json()
    assert feature["type"] == "Feature" and feature["id"] == reference
    assert feature["geometry"]["coordinates"] == [INSIDE_WEST.x, INSIDE_WEST.y]
    assert links(feature, "collection")
    assert client.get(f"{BASE}/collections/signals/items/DMR-1999-1").status_code == 404
    assert client.get(f"{BASE}/collections/service-areas/items/abc").status_code == 404


def test_every_resource_has_an_html_page(client, city):
    for path in (
        "/",
        "/conformance",
        "/collections",
        "/collections/signals",
        "/collections/signals/items",
        f"/collections/signals/items/{city['old'].reference}",
    ):
        response = client.get(f"{BASE}{path}?f=html")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
    browser = client.get(f"{BASE}/collections/signals/items", HTTP_ACCEPT="text/html,*/*")
    assert b"<table>" in browser.content and city["old"].reference.encode() in browser.content


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin is installed by make test")
@pytest.mark.django_db(transaction=True)
def test_gdal_reads_the_collections_and_features(live_server, city):
    url = f"OAPIF:{live_server.url}/ogc/"
    listing = subprocess.run(
        ["ogrinfo", "-ro", url], capture_output=True, text=True, timeout=60, check=True
    )
    assert "signals" in listing.stdout and "service-areas" in listing.stdout
    dump = subprocess.run(
        ["ogrinfo", "-ro", "-oo", "PAGE_SIZE=2", url, "signals"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # Three features over two pages: GDAL followed the next link.
    assert dump.stdout.count("OGRFeature(signals)") == 3
    for signal in ("old", "closed", "recent"):
        assert city[signal].reference in dump.stdout
    assert "POINT (2.34 48.857)" in dump.stdout
    assert json.dumps("secret") not in dump.stdout


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00-22:47", "2026-01-01T00:00:00+23:59/.."])
def test_any_iso_8601_offset_is_accepted(client, city, value):
    assert client.get(f"{BASE}/collections/signals/items", {"datetime": value}).status_code == 200


def test_a_date_out_of_range_is_a_400(client, city):
    response = client.get(
        f"{BASE}/collections/signals/items", {"datetime": "0001-01-01T00:00:00+05:00"}
    )
    assert response.status_code == 400
