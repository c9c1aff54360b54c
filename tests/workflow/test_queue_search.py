"""The triage queue's free-text search: what an agent types finds the signals, and the
search is read off indexes rather than every signal of the service."""

import pytest
from django.db import connection

from signals.models import Signal
from signals.selectors import signals_matching_text
from tests.factories import INSIDE_WEST, make_signal

pytestmark = pytest.mark.django_db


def _found(city, text: str) -> list[str]:
    body = city.api(city.agent).get("/api/v1/staff/signals/", {"q": text}).json()
    return [row["reference"] for row in body["results"]]


def test_a_reference_read_over_the_phone_finds_its_signal_whatever_the_case(city):
    other = make_signal(city.category, INSIDE_WEST)
    typed = f"  {other.reference.lower()} "
    assert _found(city, typed) == [other.reference]


def test_part_of_an_address_or_a_description_finds_the_signal_whatever_the_case(client, city):
    on_street = make_signal(city.category, INSIDE_WEST, address="14 rue des Pyrénées")
    in_text = make_signal(city.category, INSIDE_WEST, description="Lampadaire ÉTEINT au coin")
    assert _found(city, "PYRÉNÉES") == [on_street.reference]
    assert _found(city, "éteint") == [in_text.reference]
    client.force_login(city.agent)
    html = client.get("/gestion/", {"q": "des pyrénées"}).content.decode()
    assert on_street.reference in html
    assert in_text.reference not in html


def test_the_search_still_keeps_to_the_agents_own_signals(city):
    # city.theirs belongs to another service: its reference finds nothing for our agent.
    assert _found(city, city.theirs.reference) == []


def test_each_part_of_the_search_can_be_read_off_an_index(city):
    """With sequential scans priced out, the plan must combine the three indexes: if a
    change made one part unindexable (a lookup the expression indexes do not match), the
    search would go back to reading every signal of the service."""
    # Unordered: on a table this small the planner would rather walk the date index.
    queryset = Signal.objects.filter(signals_matching_text("Pyrénées")).order_by().values("id")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "signal_reference_unique" in plan
    assert "signal_description_trgm" in plan
    assert "signal_address_trgm" in plan
