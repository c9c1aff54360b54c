"""Fuzz the public API from its own OpenAPI schema: no 500, no response the schema denies.

Bounded: a few examples per operation, so the whole run stays within seconds.
"""

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.api_schema import in_test_transaction, schema  # noqa: F401 (a fixture, used below)

pytestmark = pytest.mark.usefixtures("in_test_transaction")


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_public_api_matches_its_schema(case, city):
    # What is checked: no 5xx, only documented status codes and content types, and every
    # body valid against its response schema. Not checked: that every schema-valid request
    # is accepted (a schema cannot say that a category must exist or a point lie inside the
    # territory: those are documented 400s), nor that every schema-invalid one is refused
    # (an empty filter, `?status=`, means "no filter", as django-filter intends).
    case.call_and_validate(excluded_checks=[positive_data_acceptance, negative_data_rejection])


@pytest.mark.django_db
def test_signals_and_a_page_of_them_are_what_the_schema_says(city):
    # Generated references never exist, so the fuzzing above only ever reads 404s there:
    # real signals (one with a photo, one closed) show whether a client generated from
    # the schema can read the answers.
    signals = [city["recent"], city["closed"], city["old"]]
    for signal in signals:
        one = schema["/api/v1/signals/{reference}/"]["GET"].Case(
            path_parameters={"reference": signal.reference}
        )
        assert one.call_and_validate().json()["id"] == signal.reference
    page = schema["/api/v1/signals/"]["GET"].Case(query={"page_size": "2"})
    body = page.call_and_validate().json()
    assert [feature["id"] for feature in body["features"]] == [s.reference for s in signals[:2]]


@pytest.mark.django_db
def test_a_services_areas_are_what_the_schema_says(city):
    areas = schema["/api/v1/services/{slug}/areas/"]["GET"].Case(path_parameters={"slug": "ouest"})
    body = areas.call_and_validate().json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == body["count"] == 1
