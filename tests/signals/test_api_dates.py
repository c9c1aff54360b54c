"""Date filters of the public API: what schemathesis found."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00-22:47",  # valid ISO 8601, beyond PostgreSQL's ±15:59
        "2026-01-01T00:00:00+23:59",
    ],
)
def test_any_iso_8601_offset_is_accepted(api_client, value):
    response = api_client.get("/api/v1/signals/", {"updated_before": value, "created_after": value})
    assert response.status_code == 200


def test_a_date_that_leaves_the_calendar_in_utc_is_a_400(api_client):
    response = api_client.get("/api/v1/signals/", {"created_after": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400
    assert "created_after" in response.json()


def test_nearby_answers_a_browser_too(api_client):
    # Without a queryset, the browsable API (DEBUG) crashed on this view: a 500.
    response = api_client.get(
        "/api/v1/signals/nearby/?lon=2.35&lat=48.85&category=x", HTTP_ACCEPT="text/html"
    )
    assert response.status_code in (200, 400, 406)
