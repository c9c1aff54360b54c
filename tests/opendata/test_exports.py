import csv
import gzip
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import INSIDE_WEST
from tests.opendata.conftest import INTERNAL_NOTE, SECRET_EMAIL

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_geojson_export_is_a_valid_feature_collection_of_every_signal(client, city):
    response = client.get("/opendata/signalements.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(body(response))
    assert data["type"] == "FeatureCollection"
    ids = [feature["id"] for feature in data["features"]]
    # Oldest first, so that an export read twice lists signals in the same order.
    assert ids == [city["old"].reference, city["closed"].reference, city["recent"].reference]
    old = data["features"][0]
    assert old["geometry"] == {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]}
    assert old["properties"]["category"] == "voirie-nid-de-poule"
    assert old["properties"]["type"] == "voirie"
    assert old["properties"]["service"] == "ouest"
    assert old["properties"]["status"] == "accepted"


@pytest.mark.parametrize("url", ["/opendata/signalements.geojson", "/opendata/signalements.csv"])
def test_exports_are_written_by_postgresql_and_streamed(client, city, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.streaming
        body(response)
    # COPY ... TO STDOUT: PostgreSQL writes the rows, which arrive one by one.
    copies = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("COPY (")]
    assert len(copies) == 1 and "TO STDOUT" in copies[0]


def test_exports_are_gzip_compressed_on_request(client, city):
    response = client.get("/opendata/signalements.csv", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    text = gzip.decompress(b"".join(response.streaming_content)).decode("utf-8-sig")
    assert city["recent"].reference in text


def test_csv_export_has_a_header_and_one_row_per_signal(client, city):
    text = body(client.get("/opendata/signalements.csv")).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["reference"] for row in rows] == [
        city["old"].reference,
        city["closed"].reference,
        city["recent"].reference,
    ]
    assert rows[0]["longitude"] == str(INSIDE_WEST.x)
    assert rows[0]["created_at"].endswith(("+01:00", "+02:00"))  # ISO 8601 with the offset
    assert rows[1]["status"] == "rejected" and rows[1]["closed_at"]


def test_exports_take_the_public_api_filters(client, city):
    text = body(client.get("/opendata/signalements.geojson?category=graffitis"))
    assert [f["id"] for f in json.loads(text)["features"]] == [city["closed"].reference]
    text = body(client.get("/opendata/signalements.geojson?bbox=2.33,48.85,2.349,48.865"))
    assert [f["id"] for f in json.loads(text)["features"]] == [city["old"].reference]


def test_bad_export_filters_are_a_400(client, city):
    response = client.get("/opendata/signalements.csv?status=nope&bbox=1,2")
    assert response.status_code == 400
    assert set(response.json()) >= {"status"}
    assert client.get("/opendata/signalements.csv?bbox=1,2").status_code == 400


def test_exports_carry_no_personal_data(client, city):
    for url in (
        "/opendata/signalements.geojson",
        "/opendata/signalements.csv",
        "/opendata/dans-ma-rue.csv",
    ):
        text = body(client.get(url))
        assert SECRET_EMAIL not in text
        assert INTERNAL_NOTE not in text
