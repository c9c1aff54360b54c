"""The staff API against its own OpenAPI schema, signed in: no 500, no answer it denies.

The public fuzzing (tests/opendata/test_schemathesis.py) meets the staff operations
signed out, so it only ever read their 401s. Signed in, schemathesis found a 500 (a NUL
in a service slug) and answers the schema denied (history rows without a service or a
duplicate, an empty reporter e-mail); the real cases below read every kind of answer.
"""

import pytest
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.api_schema import in_test_transaction, schema  # noqa: F401 (a fixture, used below)
from tests.factories import INSIDE_WEST, CategoryFactory, make_signal
from workflow.forms import QueueAPIForm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_test_transaction")]
staff_operations = schema.include(
    path_regex=r"^/api/v1/(staff/|signals/\{reference\}/(transitions|transfer|category|comments)/)"
)
# A schema cannot say that a category must exist or a transition be allowed: those are
# documented 400s, so whether schema-valid input is accepted is not checked.
NOT_CHECKED = [positive_data_acceptance, negative_data_rejection]


def signed_in(user) -> dict:
    token, _created = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@staff_operations.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_staff_api_matches_its_schema(case, city):
    case.call_and_validate(headers=signed_in(city.supervisor), excluded_checks=NOT_CHECKED)


def call(user, method: str, path: str, reference: str, body: dict | None = None) -> dict:
    extra = {"body": body, "media_type": "application/json"} if body is not None else {}
    case = schema[path][method].Case(path_parameters={"reference": reference}, **extra)
    response = case.call_and_validate(headers=signed_in(user), excluded_checks=NOT_CHECKED)
    assert response.status_code < 300, response.text
    return response.json()


def test_every_kind_of_answer_is_what_the_schema_says(city):
    moved, merged = make_signal(city.category, INSIDE_WEST), make_signal(city.category, INSIDE_WEST)
    kerb = CategoryFactory(code="bordure", name="Bordure", parent=city.category.parent)
    agent, reference = city.agent, moved.reference
    call(agent, "POST", "/api/v1/signals/{reference}/comments/", reference, {"note": "Vu"})
    call(agent, "POST", "/api/v1/signals/{reference}/category/", reference, {"category": "bordure"})
    call(agent, "POST", "/api/v1/signals/{reference}/transitions/", reference, {"to": "accepted"})
    call(
        agent,
        "POST",
        "/api/v1/signals/{reference}/transfer/",
        reference,
        {"service": "proprete", "reason": "Trottoir de l'autre rive"},
    )
    call(
        agent,
        "POST",
        "/api/v1/signals/{reference}/transitions/",
        merged.reference,
        {"to": "duplicate", "duplicate_of": city.ours.reference},
    )
    # The reporter gave no e-mail: an empty string, which an "email" string cannot be.
    detail = call(city.other_agent, "GET", "/api/v1/staff/signals/{reference}/", reference)
    assert (detail["category"]["code"], detail["reporter_email"]) == (kerb.code, "")
    kinds = {row["kind"]: row for row in detail["history"]}
    assert (kinds["transfer"]["to_service"], kinds["comment"]["to_service"]) == ("proprete", None)
    detail = call(agent, "GET", "/api/v1/staff/signals/{reference}/", merged.reference)
    assert [row["duplicate_of"] for row in detail["history"]] == [None, city.ours.reference]


def test_the_queue_documents_every_filter_its_form_reads():
    # A filter added to the form (shared with the staff pages) must be described too.
    operation = schema.raw_schema["paths"]["/api/v1/staff/signals/"]["get"]
    documented = {parameter["name"] for parameter in operation["parameters"]}
    assert documented == set(QueueAPIForm.base_fields)
