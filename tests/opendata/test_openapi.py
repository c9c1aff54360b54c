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
    }
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    create = schema["paths"]["/api/v1/signals/"]["post"]
    assert {"201", "400", "429"} <= set(create["responses"])
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/SignalCreateInput")
    assert "404" in schema["paths"]["/api/v1/signals/{reference}/"]["get"]["responses"]


def test_swagger_ui_is_served_from_our_own_static_files(client):
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset  # no CDN
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "/api/schema/" in html
    assert '"validatorUrl": null' in html
