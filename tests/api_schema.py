"""The API's own OpenAPI schema, for schemathesis, and what its calls need in a test."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings

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
