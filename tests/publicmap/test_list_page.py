"""The public list's pages: every report once, in date order, however deep the page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from publicmap.list_page import ListPage
from tests.factories import make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def sixty(city):
    """60 reports, one a minute, the newest last: references in the order the list shows."""
    start = timezone.now() - timedelta(hours=2)
    made = [
        make_signal(city, description=f"Tag numéro {n}", created_at=start + timedelta(minutes=n))
        for n in range(60)
    ]
    return [signal.reference for signal in reversed(made)]


def references(html: str) -> list[str]:
    return re.findall(r'href="/signalements/([A-Z0-9-]+)/"', html)


def status_line(html: str) -> str:
    return re.search(r'<p role="status">([^<]*)</p>', html).group(1)


def pager(html: str) -> str:
    found = re.search(r'<nav class="pager".*?</nav>', html, re.S)
    return found.group(0) if found else ""


def test_following_next_reads_every_report_once_newest_first(client, sixty):
    seen, url, pages = [], "/signalements/", []
    while url:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        seen += references(html)
        pages.append(re.search(r"<span>(Page [^<]*)</span>", pager(html)).group(1))
        following = re.search(r'href="([^"]*)" rel="next"', pager(html))
        url = "/signalements/" + following.group(1).replace("&amp;", "&") if following else ""
    assert seen == sixty
    assert pages == ["Page 1 sur 3", "Page 2 sur 3", "Page 3 sur 3"]
    assert status_line(html) == "60 signalements"


def test_a_page_past_the_end_shows_the_last_one_and_a_word_shows_the_first(client, sixty):
    html = client.get("/signalements/", {"page": "9"}).content.decode()
    assert references(html) == sixty[50:]
    assert 'rel="prev"' in pager(html) and 'rel="next"' not in pager(html)
    html = client.get("/signalements/", {"page": "deux"}).content.decode()
    assert references(html) == sixty[:25]


def test_filters_stay_in_the_page_links(client, sixty):
    html = client.get("/signalements/", {"category": "graffitis", "page": "2"}).content.decode()
    assert references(html) == sixty[25:50]
    assert 'href="?category=graffitis&amp;page=3" rel="next"' in pager(html)
    assert 'href="?category=graffitis&amp;page=1" rel="prev"' in pager(html)


def test_large_counts_are_estimated_and_said_to_be(client, sixty, monkeypatch):
    # Above the exact-count limit the planner's estimate stands in for a count of every
    # report; the page says "about", and the pages themselves stay exact.
    monkeypatch.setattr("config.paging.EXACT_COUNT_LIMIT", 10)
    html = client.get("/signalements/", {"page": "2"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert status_line(html).startswith("Environ ")
    assert "sur environ" in pager(html)
    assert references(html) == sixty[25:50]
    english = client.get("/signalements/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.fullmatch(r"About [\d,]+ reports", status_line(english))
    # Whether a next page exists is read off the rows, not off the estimate.
    last = client.get("/signalements/", {"page": "3"}).content.decode()
    assert references(last) == sixty[50:] and 'rel="next"' not in pager(last)


def test_a_page_typed_past_an_estimated_end_shows_the_real_last_page(client, sixty, monkeypatch):
    # An estimate cannot say where the end is, and "page 2 of about 40,000" invites a
    # reader to type a page number: past the rows, one exact count finds the last page.
    monkeypatch.setattr("config.paging.EXACT_COUNT_LIMIT", 10)
    response = client.get("/signalements/", {"page": "40", "category": "graffitis"})
    html = response.content.decode()
    assert response.status_code == 200
    assert references(html) == sixty[50:]
    assert status_line(html) == "60 signalements"
    assert "<span>Page 3 sur 3</span>" in pager(html)
    assert 'href="?category=graffitis&amp;page=2" rel="prev"' in pager(html)
    assert 'rel="next"' not in pager(html)


def test_a_count_of_one_is_singular_and_has_no_pager(client, city):
    make_signal(city)
    html = client.get("/signalements/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert status_line(html) == "1 signalement" and pager(html) == ""


def test_large_numbers_are_grouped_the_language_way_and_estimates_rounded():
    page = ListPage(
        rows=[], number=12345, size=25, count=1_000_017, count_is_estimate=True, has_next=True
    )
    with translation.override("en"):
        assert (page.number_shown, page.count_shown, page.num_pages_shown) == (
            "12,345",
            "1,000,000",
            "40,000",
        )
    with translation.override("fr"):  # Django's French groups with no-break spaces
        assert (page.number_shown, page.count_shown) == ("12\xa0345", "1\xa0000\xa0000")
    exact = ListPage(
        rows=[], number=1, size=25, count=9_876, count_is_estimate=False, has_next=True
    )
    with translation.override("en"):
        assert (exact.count_shown, exact.num_pages_shown) == ("9,876", "396")
