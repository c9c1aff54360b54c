"""What a report costs, and the shortcuts that keep it cheap without changing what anyone sees.

The category comes from the process's copy of the table (`signals.categories`)
and the answer is written out rather than built field by field: the answer
must stay what the serializer's fields give, and the copy must follow every
change of a category.
"""

import io
import json

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from signals.api.serializers import SignalCreatedSerializer
from signals.models import Category, Signal
from tests.factories import (
    EAST,
    INSIDE_WEST,
    WEST,
    CategoryFactory,
    ParentCategoryFactory,
    ServiceFactory,
    make_area,
)
from workflow.models import StatusChange

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"


@pytest.fixture
def city():
    voirie = ParentCategoryFactory(code="voirie", name="Voirie")
    category = CategoryFactory(code="nid-de-poule", name="Nid de poule", parent=voirie)
    make_area(ServiceFactory(slug="voirie-ouest", name="Voirie Ouest"), WEST)
    make_area(ServiceFactory(slug="voirie-est", name="Voirie Est"), EAST)
    return category


def report(api_client, category="nid-de-poule", coordinates=(INSIDE_WEST.x, INSIDE_WEST.y), **kw):
    body = {
        "category": category,
        "description": "Gros trou devant le 12 rue de Rivoli",
        "location": {"type": "Point", "coordinates": list(coordinates)},
        **kw,
    }
    return api_client.post(URL, body, format="json")


def jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG")
    out.seek(0)
    out.name = "trou.jpg"
    return out


def as_the_fields_give(reference: str) -> dict:
    """The answer built by the serializer's fields, from the signal as stored."""
    signal = Signal.objects.get(reference=reference)
    request = APIRequestFactory().post(URL)
    fields = SignalCreatedSerializer(signal, context={"request": request})
    return json.loads(json.dumps(serializers.ModelSerializer.to_representation(fields, signal)))


def test_the_answer_is_what_the_serializer_fields_give(api_client, city):
    inside = report(api_client)
    near = report(api_client, coordinates=(2.375, 48.857))  # routed to the nearest area
    assert inside.status_code == near.status_code == 201
    assert near.json()["routing"]["method"] == "nearest"
    for response in (inside, near):
        assert response.json() == as_the_fields_give(response.json()["reference"])


def test_the_answer_with_photos_is_what_the_serializer_fields_give(api_client, city):
    body = {
        "category": "nid-de-poule",
        "description": "Trou",
        "location": json.dumps({"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]}),
        "photos": [jpeg(), jpeg()],
    }
    response = api_client.post(URL, body)
    assert response.status_code == 201, response.content
    assert len(response.json()["photos"]) == 2
    assert response.json() == as_the_fields_give(response.json()["reference"])


def test_a_report_reads_neither_the_categories_nor_its_photos_back(api_client, city):
    report(api_client)  # the first report of a process loads the categories once
    with CaptureQueriesContext(connection) as queries:
        response = report(api_client)
    assert response.status_code == 201
    read_back = [q["sql"] for q in queries if "signals_category" in q["sql"]]
    read_back += [q["sql"] for q in queries if q["sql"].startswith('SELECT "signals_photo"')]
    assert read_back == []
    assert response.json()["category"] == {
        "code": "nid-de-poule",
        "name": "Nid de poule",
        "parent": "voirie",
    }


def test_a_deactivated_category_is_refused_at_once(api_client, city):
    assert report(api_client).status_code == 201
    city.is_active = False
    city.save()
    response = report(api_client)
    assert response.status_code == 400
    assert "category" in response.json()


def test_a_renamed_category_is_answered_with_its_new_name(api_client, city):
    assert report(api_client).status_code == 201
    city.name = "Chaussée abîmée"
    city.save()
    assert report(api_client).json()["category"]["name"] == "Chaussée abîmée"


def test_a_new_sub_category_makes_its_type_a_choice_at_once(api_client, city):
    lonely = ParentCategoryFactory(code="mobilier", name="Mobilier urbain")
    assert report(api_client, category="mobilier").status_code == 201  # no sub-type yet
    CategoryFactory(code="mobilier-banc", name="Banc", parent=lonely)
    response = report(api_client, category="mobilier")
    assert response.status_code == 400
    assert "mobilier-banc" in response.json()["category"][0]


def test_a_category_added_by_another_process_is_usable_at_once(api_client, city):
    report(api_client)  # this process's copy is loaded
    # bulk_create sends no signal: as if another worker had saved it.
    Category.objects.bulk_create([Category(code="tags", name="Tags", parent=city.parent)])
    response = report(api_client, category="tags")
    assert response.status_code == 201, response.content
    assert response.json()["category"] == {"code": "tags", "name": "Tags", "parent": "voirie"}


def test_a_report_is_one_statement_with_its_reference_and_first_history_row(api_client, city):
    report(api_client)
    with CaptureQueriesContext(connection) as queries:
        response = report(api_client)
    assert response.status_code == 201
    writes = [q["sql"] for q in queries if "INSERT" in q["sql"]]
    assert len(writes) == 1
    assert not [q for q in queries if q["sql"].startswith("SELECT nextval")]
    signal = Signal.objects.get(reference=response.json()["reference"])
    history = list(signal.history.values_list("from_state", "to_state", "created_at"))
    assert history == [("", "new", signal.created_at)]


def test_references_keep_every_digit_past_six(api_client, city):
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('signals_reference_seq', 41)")
    assert report(api_client).json()["reference"].endswith("-000042")
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('signals_reference_seq', 1234566)")
    assert report(api_client).json()["reference"].endswith("-1234567")


def test_each_report_validates_with_fields_of_its_own(api_client, city):
    bad = report(api_client, coordinates=(200, 48.85), email="not-an-address")
    good = report(api_client, email="Resident@Example.org")
    assert bad.status_code == 400
    assert set(bad.json()) == {"location", "email"}
    assert good.status_code == 201, good.content
    signal = Signal.objects.get(reference=good.json()["reference"])
    assert signal.reporter_email == "resident@example.org"


def test_a_report_still_tells_the_cached_tiles_and_the_map_cells(api_client, city):
    """The receivers of `post_save` on Signal run for a report, as for any save."""
    from django.core.cache import cache

    from signals import mapcells
    from signals.tiles import VERSION_KEY

    cache.set(VERSION_KEY, 5, None)
    writes = next(mapcells._writes)
    assert report(api_client).status_code == 201
    assert cache.get(VERSION_KEY) == 6
    assert next(mapcells._writes) == writes + 2


def _creation_plans() -> list[tuple[int, int]]:
    """(generic, custom) plan counts of this connection's prepared creation statements."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%%INSERT INTO \"workflow_statuschange\"%%'"
        )
        return cursor.fetchall()


def test_the_creation_statement_is_planned_once_per_connection(api_client, city):
    report(api_client)
    before = _creation_plans()
    assert len(before) == 1
    for email in ("", "resident@example.org", ""):
        assert report(api_client, email=email).status_code == 201
    after = _creation_plans()
    # The three reports reused the statement's generic plan; none was planned again.
    assert [(g - before[0][0], c - before[0][1]) for g, c in after] == [(3, 0)]


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_history_cannot_be_written_leaves_no_signal_behind(api_client, city):
    """As in production, no transaction around the request: the one statement is its own,
    so a failure of its last part (the history row, here refused by a constraint added
    for the test) takes back the signal written by its first."""
    report(api_client)
    signals, history = Signal.objects.count(), StatusChange.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE workflow_statuschange ADD CONSTRAINT test_refuse_new"
            " CHECK (to_state <> 'new') NOT VALID"
        )
    try:
        with pytest.raises(IntegrityError):
            report(api_client, description="Deuxième trou")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE workflow_statuschange DROP CONSTRAINT test_refuse_new")
    assert (Signal.objects.count(), StatusChange.objects.count()) == (signals, history)
    assert report(api_client).status_code == 201
