import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_schema_describes_the_public_api_and_its_errors(client):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/signals/",
        "/api/v1/signals/{reference}/",
        "/api/v1/categories/",
        "/api/v1/services/",
        "/api/v1/services/{slug}/areas/",
    }
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    create = schema["paths"]["/api/v1/signals/"]["post"]
    assert {"201", "400", "429"} <= set(create["responses"])
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/SignalCreateInput")
    assert "404" in schema["paths"]["/api/v1/signals/{reference}/"]["get"]["responses"]
    areas = schema["paths"]["/api/v1/services/{slug}/areas/"]["get"]
    assert {"simplify", "zoom", "page", "page_size"} <= {p["name"] for p in areas["parameters"]}
    assert {"200", "400", "404"} <= set(areas["responses"])
    [bbox] = [
        p for p in schema["paths"]["/api/v1/signals/"]["get"]["parameters"] if p["name"] == "bbox"
    ]
    assert "bbox=min_lon,min_lat,max_lon,max_lat" in bbox["description"]
    assert "in_bbox" not in bbox["description"]


def _references(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node))
    return set()


def test_every_reference_of_the_schema_leads_somewhere(client):
    # A client generator stops at the first reference to a component that is not there.
    schema = client.get("/api/schema/?format=json").json()
    components = {f"#/components/schemas/{name}" for name in schema["components"]["schemas"]}
    assert _references(schema) - components == set()
    # drf-gis's pages, as answered: one FeatureCollection of Features, no `results` key.
    listing = schema["paths"]["/api/v1/signals/"]["get"]["responses"]["200"]
    page = listing["content"]["application/json"]["schema"]["$ref"].rpartition("/")[2]
    page = schema["components"]["schemas"][page]
    assert page["properties"]["features"]["items"] == {"$ref": "#/components/schemas/SignalPublic"}
    assert page["required"] == ["type", "count", "next", "previous", "features"]


def test_swagger_ui_is_served_from_our_own_static_files(client):
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    # The start-up script is served by the docs view itself (no inline script: the CSP holds).
    start = [a for a in assets if a.startswith("/api/docs/?")]
    assert len(start) == 1
    for asset in assets:
        if asset in start:
            continue
        assert asset.startswith("/static/"), asset  # no CDN
        assert finders.find(asset.removeprefix("/static/")), asset
    script = client.get(start[0].replace("&amp;", "&")).content.decode()
    assert "/api/schema/" in script
    assert '"validatorUrl": null' in script


def _positions(node) -> list:
    if isinstance(node, dict):
        return [p for value in node.values() for p in _positions(value)]
    if isinstance(node, list):
        if len(node) == 2 and all(isinstance(v, float) for v in node):
            return [node]
        return [p for value in node for p in _positions(value)]
    return []


def test_example_coordinates_are_in_the_territory_longitude_first(client, settings):
    # drf-spectacular's default example was Bangalore latitude first: in GeoJSON order, a
    # point in the Arctic Ocean, which a client trying the documented report would send.
    schema = client.get("/api/schema/?format=json").json()
    point = schema["components"]["schemas"]["SignalPublic"]["properties"]["geometry"]
    assert point["properties"]["coordinates"]["example"] == [
        round(v, 4) for v in settings.MAP_CENTER
    ]
    for lon, lat in _positions(schema["components"]["schemas"]):
        assert 2.2 < lon < 2.5 and 48.8 < lat < 48.95, (lon, lat)
