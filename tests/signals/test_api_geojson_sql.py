"""The list's GeoJSON is built by PostgreSQL: it must say exactly what the serializer says."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image

from signals.api import geojson
from signals.api.serializers import SignalPublicSerializer
from signals.models import Photo, Signal
from signals.selectors import signals_public
from tests.factories import WEST, CategoryFactory, ServiceFactory, make_area, make_signal
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"


def _png(width: int, height: int, name: str) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)


@pytest.fixture
def signals():
    category = CategoryFactory(code="depot", name="Dépôt « sauvage »")
    make_area(ServiceFactory(slug="proprete", name='Propreté "Ouest"'), WEST)
    odd = make_signal(
        category,
        Point(2.3412345678901, 48.8598765432109, srid=4326),
        description='Guillemets " et \\ barre, accents éàü, emoji 🚧\nnouvelle ligne',
        address="12 rue de Rivoli",
        # A summer date (UTC+2) with microseconds, and a winter one (UTC+1) without.
        created_at=datetime(2025, 7, 14, 9, 30, 15, 123400, tzinfo=UTC),
    )
    winter = make_signal(category, created_at=datetime(2025, 1, 2, 23, 30, tzinfo=UTC))
    signal_transition(signal=winter, to="accepted", note="interne")
    Photo.objects.create(signal=odd, image=_png(4, 3, "a.png"))
    Photo.objects.create(signal=odd, image=_png(8, 6, "b.png"), kind="after")
    Photo.objects.create(signal=odd, image=_png(2, 2, "c.png"), is_public=False)
    orphan = make_signal(category, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    Signal.objects.filter(pk=orphan.pk).update(service=None)
    return [odd, winter, orphan]


def _serialized(request):
    queryset = signals_public().order_by("-created_at", "-id")
    return SignalPublicSerializer(queryset, many=True, context={"request": request}).data[
        "features"
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_sql_features_equal_the_serializer_ones(signals, language):
    request = RequestFactory().get(URL)
    with translation.override(language):
        expected = _serialized(request)
        page = signals_public().order_by("-created_at", "-id")
        features, rows = geojson.features_json(page, request=request)
        got = json.loads(features)
    assert rows == 3
    assert got == json.loads(json.dumps(expected))
    assert got[1]["properties"]["status"] == "accepted"
    assert (got[1]["properties"]["status_label"] == "To do") == (language == "en")
    assert got[0]["properties"]["created_at"] == "2025-07-14T11:30:15.123400+02:00"
    assert len(got[0]["properties"]["photos"]) == 2
    assert got[2]["properties"]["service"] is None


def test_list_over_http_is_the_serializer_output_with_its_envelope(api_client, signals):
    body = api_client.get(URL, {"page_size": 2}).json()
    assert list(body) == ["type", "count", "next", "previous", "features"]
    assert body["count"] == 3
    assert "page=2" in body["next"]
    assert body["previous"] is None
    request = RequestFactory().get(URL)
    assert body["features"] == _serialized(request)[:2]


def test_an_empty_result_is_an_empty_feature_collection(api_client, signals):
    body = api_client.get(URL, {"status": "rejected"}).json()
    assert body["features"] == []
    assert body["count"] == 0


def test_internal_note_and_private_photo_stay_out(api_client, signals):
    text = api_client.get(URL).content.decode()
    assert "interne" not in text
    assert text.count("/media/photos/") == 2


def test_large_counts_are_estimates_and_pages_still_link(api_client, signals, monkeypatch):
    monkeypatch.setattr("config.paging.EXACT_COUNT_LIMIT", 1)
    response = api_client.get(URL, {"page_size": 1})
    assert response["X-Count-Estimated"] == "true"
    body = response.json()
    assert body["count"] >= 2
    assert "page=2" in body["next"]


def test_a_page_that_is_not_full_counts_without_a_count_query(api_client, signals, monkeypatch):
    # A map fetches its viewport whole: the page's own rows are the count, exact even
    # where a full page would only have an estimate.
    monkeypatch.setattr("config.paging.EXACT_COUNT_LIMIT", 1)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(URL, {"page": 2, "page_size": 2})
    body = response.json()
    assert body["count"] == 3 and "X-Count-Estimated" not in response
    assert [f["id"] for f in body["features"]] == [signals[2].reference]
    assert body["next"] is None and "page_size=2" in body["previous"]
    counts = [
        q for q in queries.captured_queries if "AS capped" in q["sql"] or "EXPLAIN" in q["sql"]
    ]
    assert counts == []
    full = api_client.get(URL, {"page_size": 3})
    assert full["X-Count-Estimated"] == "true" and full.json()["count"] >= 3


def test_a_page_past_the_end_is_a_404(api_client, signals):
    assert api_client.get(URL, {"page": 3, "page_size": 2}).status_code == 404
    assert api_client.get(URL, {"page": 0}).status_code == 404
    assert api_client.get(URL, {"page": "x"}).status_code == 404


def test_ten_thousand_features_fit_in_one_page(api_client, signals):
    body = api_client.get(URL, {"page_size": 10_000}).json()
    assert len(body["features"]) == 3
    assert body["next"] is None


def test_created_filters_still_apply(api_client, signals):
    since = (datetime(2025, 7, 14, tzinfo=UTC) - timedelta(days=1)).isoformat()
    body = api_client.get(URL, {"created_after": since}).json()
    assert [f["id"] for f in body["features"]] == [signals[0].reference]
