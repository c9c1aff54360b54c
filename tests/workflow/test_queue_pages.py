import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import INSIDE_WEST, make_signal

pytestmark = pytest.mark.django_db


def test_keyset_pages_cover_the_queue_once_oldest_first(city):
    now = timezone.now()
    made = [
        make_signal(city.category, INSIDE_WEST, created_at=now - timedelta(days=days))
        for days in (9, 7, 5, 3, 1)
    ]
    client = city.api(city.agent)
    url, seen = "/api/v1/staff/signals/?page_size=2", []
    while url:
        body = client.get(url).json()
        seen += [row["reference"] for row in body["results"]]
        url = body["next"]
    expected = [s.reference for s in sorted([*made, city.ours], key=lambda s: s.created_at)]
    assert seen == expected


def test_a_garbled_cursor_is_a_400(city):
    response = city.api(city.agent).get("/api/v1/staff/signals/?cursor=%%%")
    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.parametrize(
    ("page_size", "message"),
    [("deux", "Un nombre entier."), ("0", "Entre 1 et 200."), ("201", "Entre 1 et 200.")],
)
def test_a_bad_page_size_is_a_400_that_says_why(city, page_size, message):
    response = city.api(city.agent).get("/api/v1/staff/signals/", {"page_size": page_size})
    assert response.status_code == 400
    assert response.json() == {"page_size": [message]}


def test_a_garbled_cursor_on_the_page_says_so_and_shows_the_first_page(client, city):
    client.force_login(city.agent)
    response = client.get("/gestion/", {"status": "new", "cursor": "%%%"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce lien de page n&#x27;est plus valide" in html
    assert city.ours.reference in html
    assert city.theirs.reference not in html


def test_the_page_and_the_api_read_the_same_filters_the_same_way(client, city):
    now = timezone.now()
    for days in (4, 2, 1):
        make_signal(city.category, INSIDE_WEST, created_at=now - timedelta(days=days))
    make_signal(city.category, INSIDE_WEST, description="Trottoir soulevé")
    query = {"status": "new", "sort": "newest", "older_than_days": "1", "page_size": "2"}
    body = city.api(city.agent).get("/api/v1/staff/signals/", query).json()
    client.force_login(city.agent)
    html = client.get("/gestion/", query).content.decode()
    listed = re.findall(r'aria-label="(DMR-[\d-]+)"', html)
    # The page keeps its own page size; the API honours `page_size`.
    assert [row["reference"] for row in body["results"]] == listed[:2]
    assert len(listed) == 3
    assert body["counts"]["new"] == 3
    assert 'class="count">3<' in html


def test_overdue_flag_follows_the_category_service_level(city):
    city.category.service_level_days = 2
    city.category.save()
    old = make_signal(city.category, INSIDE_WEST, created_at=timezone.now() - timedelta(days=3))
    rows = {
        r["reference"]: r
        for r in city.api(city.agent).get("/api/v1/staff/signals/").json()["results"]
    }
    assert rows[old.reference]["is_overdue"] is True
    assert rows[city.ours.reference]["is_overdue"] is False


def test_free_text_search(city):
    target = make_signal(city.category, INSIDE_WEST, description="Bouche d'égout descellée")
    body = city.api(city.agent).get("/api/v1/staff/signals/", {"q": "égout"}).json()
    assert [r["reference"] for r in body["results"]] == [target.reference]


def test_bulk_moves_what_it_can_and_reports_the_rest(client, city):
    second = make_signal(city.category, INSIDE_WEST)
    client.force_login(city.agent)
    response = client.post(
        "/gestion/lot/",
        {
            "selected": [
                f"{city.ours.reference}:1",
                f"{second.reference}:1",
                f"{city.theirs.reference}:1",
            ],
            "to": "accepted",
            "message": "Pris en compte",
        },
        follow=True,
    )
    city.ours.refresh_from_db()
    second.refresh_from_db()
    city.theirs.refresh_from_db()
    assert (city.ours.status, second.status, city.theirs.status) == ("accepted", "accepted", "new")
    page = response.content.decode()
    assert city.theirs.reference in page  # reported as not found, not silently skipped


def test_the_signal_page_works_without_javascript(client, city):
    client.force_login(city.agent)
    page = client.get(f"/gestion/signalements/{city.ours.reference}/")
    assert 'name="version" value="1"' in page.content.decode()
    response = client.post(
        f"/gestion/signalements/{city.ours.reference}/statut/",
        {"to": "accepted", "message": "Vu", "version": 1},
    )
    assert response.status_code == 302
    city.ours.refresh_from_db()
    assert city.ours.status == "accepted"


def test_a_stale_form_gets_a_conflict_message_and_keeps_what_was_typed(client, city):
    client.force_login(city.agent)
    url = f"/gestion/signalements/{city.ours.reference}/statut/"
    client.post(url, {"to": "accepted", "message": "Vu", "version": 1})
    late = client.post(url, {"to": "rejected", "message": "Texte tapé par l'agent", "version": 1})
    assert late.status_code == 409
    page = late.content.decode()
    assert "Texte tapé par l&#x27;agent" in page or "Texte tapé par l'agent" in page
    city.ours.refresh_from_db()
    assert city.ours.status == "accepted"


def test_resident_text_is_escaped_on_staff_pages(client, city):
    hostile = make_signal(city.category, INSIDE_WEST, description="<script>alert(1)</script>")
    client.force_login(city.agent)
    for url in ("/gestion/", f"/gestion/signalements/{hostile.reference}/"):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page


def test_statistics_page_for_supervisors(client, city):
    client.force_login(city.agent)
    assert client.get("/gestion/statistiques/").status_code == 403
    client.force_login(city.supervisor)
    page = client.get("/gestion/statistiques/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_the_next_page_of_the_default_queue_still_shows_open_signals_only(
    client, city, monkeypatch
):
    monkeypatch.setattr("workflow.views.PAGE_SIZE", 2)
    now = timezone.now()
    open_ones = [
        make_signal(city.category, INSIDE_WEST, created_at=now - timedelta(days=d))
        for d in (9, 7, 5)
    ]
    closed = make_signal(city.category, INSIDE_WEST, created_at=now - timedelta(days=6))
    type(closed).objects.filter(pk=closed.pk).update(status="rejected")
    client.force_login(city.agent)

    seen, url = [], "/gestion/"
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r'name="selected" value="(DMR-[\d-]+):', page)
        following = re.search(r'<a href="(\?[^"]*)" rel="next">', page)
        url = "/gestion/" + following.group(1).replace("&amp;", "&") if following else ""
    assert seen == [s.reference for s in (*open_ones, city.ours)]
    assert closed.reference not in seen
