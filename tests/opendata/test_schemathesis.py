"""Fuzz the public API from its own OpenAPI schema: no 500, no response the schema denies.

Bounded: a few examples per operation, so the whole run stays within seconds.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

# Generating the schema touches no database, so it is loaded when tests are collected —
# with DEBUG off, as pytest-django runs the tests: this first import of the URLconf must
# not add the DEBUG-only routes that the other tests never see.
with override_settings(DEBUG=False):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def in_test_transaction():
    """Keep the test's connection open across WSGI calls, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_public_api_matches_its_schema(case, city, in_test_transaction):
    # What is checked: no 5xx, only documented status codes and content types, and every
    # body valid against its response schema. Not checked: that every schema-valid request
    # is accepted (a schema cannot say that a category must exist or a point lie inside the
    # territory: those are documented 400s), nor that every schema-invalid one is refused
    # (an empty filter, `?status=`, means "no filter", as django-filter intends).
    case.call_and_validate(excluded_checks=[positive_data_acceptance, negative_data_rejection])


@pytest.mark.django_db
def test_signals_and_a_page_of_them_are_what_the_schema_says(city, in_test_transaction):
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
