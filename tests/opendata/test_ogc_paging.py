"""OGC API items pages: next and prev links carry a keyset cursor, offsets still work."""

import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import INSIDE_EAST, INSIDE_WEST, make_signal

pytestmark = pytest.mark.django_db
ITEMS = "/ogc/collections/signals/items"


def local(url: str) -> str:
    return url.replace("http://testserver", "")


def link(page: dict, rel: str) -> str | None:
    found = [item["href"] for item in page["links"] if item["rel"] == rel]
    return local(found[0]) if found else None


@pytest.fixture
def many(city):
    """The city's three signals and 14 more, four of them reported at the same instant:
    the cursor has to break that tie by id, or a page boundary would skip or repeat one."""
    start = timezone.now() - timedelta(days=20)
    tied = start + timedelta(hours=5)
    for n in range(10):
        make_signal(city["pothole"], INSIDE_WEST, created_at=start + timedelta(hours=n))
    for _ in range(4):
        make_signal(city["graffiti"], INSIDE_EAST, created_at=tied)
    return city


def every_reference_in_order(client) -> list[str]:
    page = client.get(ITEMS, {"limit": 1000}).json()
    return [feature["id"] for feature in page["features"]]


def walk(client, url: str, rel: str) -> list[dict]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = link(pages[-1], rel)
    return pages


def test_an_id_beyond_any_column_in_a_cursor_is_still_a_position(client, many):
    # Every signal of the fixture is later than that instant, whatever the id after it.
    raw = b'["a", "2000-01-01T00:00:00+00:00", 100000000000000000000000000000]'
    response = client.get(ITEMS, {"cursor": base64.urlsafe_b64encode(raw).decode()})
    assert response.status_code == 200, response.content
    assert response.json()["numberReturned"] == 17


def test_next_links_visit_every_signal_once_in_order(client, many):
    expected = every_reference_in_order(client)
    assert len(expected) == 17
    pages = walk(client, f"{ITEMS}?limit=4", "next")
    assert [len(p["features"]) for p in pages] == [4, 4, 4, 4, 1]
    assert [f["id"] for p in pages for f in p["features"]] == expected
    assert pages[0]["numberMatched"] == 17
    # Pages reached through a cursor are not counted again (the standard makes it optional).
    assert all("numberMatched" not in p for p in pages[1:])
    assert all(p["numberReturned"] == len(p["features"]) for p in pages)
    assert link(pages[0], "prev") is None


def test_prev_links_walk_back_the_same_pages(client, many):
    forward = walk(client, f"{ITEMS}?limit=4", "next")
    backward = walk(client, link(forward[-1], "prev"), "prev")
    assert [[f["id"] for f in p["features"]] for p in backward] == [
        [f["id"] for f in p["features"]] for p in reversed(forward[:-1])
    ]
    # The first page again, reached backwards: nothing before it, and a way forward.
    assert link(backward[-1], "prev") is None
    assert link(backward[-1], "next")


def test_the_cursor_keeps_the_filters(client, many):
    pages = walk(client, f"{ITEMS}?limit=2&category=graffitis", "next")
    references = [f["id"] for p in pages for f in p["features"]]
    assert len(references) == 5  # the city's closed graffiti and the four tied ones
    for page in pages[1:]:
        assert all(f["properties"]["type"] == "graffitis" for f in page["features"])
    assert "category=graffitis" in link(pages[0], "next")


def test_an_offset_gives_the_same_features_as_the_cursors(client, many):
    expected = every_reference_in_order(client)
    for offset in (0, 3, 7, 15, 17, 40):
        page = client.get(ITEMS, {"limit": 4, "offset": offset}).json()
        assert [f["id"] for f in page["features"]] == expected[offset : offset + 4]
        assert page["numberMatched"] == 17
    page = client.get(ITEMS, {"limit": 4, "offset": 7}).json()
    after = client.get(link(page, "next")).json()
    before = client.get(link(page, "prev")).json()
    assert [f["id"] for f in after["features"]] == expected[11:15]
    assert [f["id"] for f in before["features"]] == expected[3:7]


def test_html_pages_follow_the_cursor_too(client, many):
    first = client.get(ITEMS, {"limit": 4, "f": "html"})
    assert "4 objets sur 17." in first.content.decode()
    second = client.get(ITEMS, {"limit": 4, "f": "json"}).json()
    html_next = client.get(link(second, "next").replace("f=json", "f=html"))
    assert html_next.status_code == 200
    assert "4 objets." in html_next.content.decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        base64.urlsafe_b64encode(b'["a", "2026-01-01T00:00:00+00:00"]').decode(),  # one value
        base64.urlsafe_b64encode(b'["x", "2026-01-01T00:00:00+00:00", 3]').decode(),
        base64.urlsafe_b64encode(b'["a", "yesterday", 3]').decode(),
        base64.urlsafe_b64encode(b'["a", "2026-01-01T00:00:00+00:00", "three"]').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        base64.urlsafe_b64encode(b'["a", "2026-01-01T00:00:00", 3]').decode(),  # naive
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b"12").decode(),
    ],
)
def test_a_cursor_this_server_did_not_write_is_a_400(client, many, cursor):
    response = client.get(ITEMS, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"
    assert response.json()["description"].startswith("cursor:")


def test_a_cursor_page_is_read_off_the_date_index(client, many):
    """A page after a cursor is one range of the index on (created_at, id), however deep:
    no sort of every signal (tiny tables favour a sequential scan, hence the settings)."""
    first = client.get(ITEMS, {"limit": 4}).json()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(link(first, "next")).status_code == 200
    [page_query] = [q["sql"] for q in queries.captured_queries if "LIMIT 5" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + page_query)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "signal_created" in plan, plan
    assert "Sort" not in plan, plan
