"""The signals' admin list: found by reference, description or address, paged, filtered by
period, at the same cost whatever the number of rows shown."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    WEST,
    CategoryFactory,
    ParentCategoryFactory,
    ServiceFactory,
    make_area,
    make_signal,
)

pytestmark = pytest.mark.django_db
LIST = "/admin/signals/signal/"


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-root-1"))
    return client


@pytest.fixture
def tag():
    make_area(ServiceFactory(slug="voirie", name="Voirie Ouest"), WEST)
    parent = ParentCategoryFactory(code="graffitis", name="Graffitis")
    return CategoryFactory(code="graffitis-tag", name="Graffiti ou tag", parent=parent)


def shown(html: str) -> list[str]:
    return re.findall(r'<th class="field-reference"><a href="[^"]*">([^<]+)</a>', html)


def test_a_reference_typed_in_lower_case_finds_its_signal(admin_client, tag):
    wanted = make_signal(tag, description="Tag sur la porte", address="3 rue des Pyrénées")
    other = make_signal(tag, description="Tag sur le mur")
    html = admin_client.get(LIST, {"q": wanted.reference.lower()}).content.decode()
    assert shown(html) == [wanted.reference]
    html = admin_client.get(LIST, {"q": "pyrénées"}).content.decode()
    assert shown(html) == [wanted.reference]
    html = admin_client.get(LIST, {"q": "TAG SUR"}).content.decode()
    assert sorted(shown(html)) == sorted([wanted.reference, other.reference])


def test_the_period_filter_keeps_the_recent_signals(admin_client, tag):
    recent = make_signal(tag)
    old = make_signal(tag, created_at=timezone.now() - timedelta(days=400))
    assert sorted(shown(admin_client.get(LIST).content.decode())) == sorted(
        [recent.reference, old.reference]
    )
    page = admin_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    past_week = re.search(r'href="(\?created_at__gte=[^"]+)"[^>]*>\s*Past 7 days', page)
    html = admin_client.get(LIST + past_week.group(1).replace("&amp;", "&")).content.decode()
    assert shown(html) == [recent.reference]


def test_pages_show_every_signal_once_with_the_same_queries_per_page(admin_client, tag):
    made = {make_signal(tag).reference for _ in range(130)}
    first = admin_client.get(LIST).content.decode()
    second = admin_client.get(LIST, {"p": "2"}).content.decode()
    assert len(shown(first)) == 100 and len(shown(second)) == 30
    assert set(shown(first)) | set(shown(second)) == made
    # Each row's category, its type and its service come with the rows: no query per row.
    with CaptureQueriesContext(connection) as few:
        admin_client.get(LIST, {"p": "2"})
    with CaptureQueriesContext(connection) as many:
        admin_client.get(LIST)
    assert len(many) == len(few)


def test_an_overshooting_estimate_leads_to_the_real_last_page(admin_client, tag, monkeypatch):
    # Above EXACT_COUNT_LIMIT the count is the planner's estimate, which a filter on
    # correlated columns can overshoot: page links then run past the last real rows.
    monkeypatch.setattr("config.paging.EXACT_COUNT_LIMIT", 1)
    monkeypatch.setattr("signals.admin.SignalAdmin.list_per_page", 2)
    oldest = make_signal(tag, created_at=timezone.now() - timedelta(days=3))
    for _ in range(4):
        make_signal(tag)
    with connection.cursor() as cursor:
        # The planner now believes the table holds a thousand times more rows.
        cursor.execute(
            "UPDATE pg_class SET reltuples = 5000, relpages = 100 WHERE relname = 'signals_signal'"
        )
    response = admin_client.get(LIST, {"p": "20"})
    assert response.status_code == 200
    html = response.content.decode()
    assert shown(html) == [oldest.reference]
    # It is the real last page, and the page links end there.
    assert '<span class="this-page">3</span>' in html and 'href="?p=2"' in html
    assert "?p=4" not in html
