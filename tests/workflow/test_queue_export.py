"""The queue as a CSV file: what the filtered queue holds, every page of it, and nothing a
forwarded spreadsheet must not carry."""

import csv
import io
import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg.pq import TransactionStatus

from signals.models import Signal
from tests.factories import INSIDE_EAST, INSIDE_WEST, CategoryFactory, make_signal
from workflow.models import Feedback, StatusChange
from workflow.queue import OPEN_VALUES
from workflow.queue_export import neutralised
from workflow.services import signal_assign, signal_comment, signal_transition
from workflow.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

URL = "/gestion/export.csv"
HEADER_FR = [
    "Référence",
    "Signalé le",
    "État",
    "Type",
    "Sous-type",
    "Service",
    "Adresse",
    "Latitude",
    "Longitude",
    "Description",
    "Attribué à",
    "Échéance",
    "En retard",
    "Abonnés",
    "Page de gestion",
]


def download(client, params=None) -> str:
    response = client.get(URL, params or {})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode("utf-8")


def table(body: str) -> list[dict[str, str]]:
    """The file as a spreadsheet reads it: the BOM, then `;`-separated rows under a header."""
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


NUMBERS = itertools.count()


def many(city, count: int, **fields) -> list[Signal]:
    """`count` signals of the agent's service, one a minute apart, inserted at once."""
    start = timezone.now() - timedelta(days=1)
    made = [
        Signal(
            reference=f"DMR-2026-9{next(NUMBERS):05d}",
            category=city.category,
            service=city.voirie,
            location=INSIDE_WEST,
            description=f"Trou n° {n}",
            created_at=start + timedelta(minutes=n),
            **fields,
        )
        for n in range(count)
    ]
    return Signal.objects.bulk_create(made)


def queue_pages(client, params) -> list[str]:
    """The references the queue page lists under `params`, following every "next page"."""
    seen, response = [], client.get("/gestion/", params)
    while True:
        html = response.content.decode()
        seen += re.findall(r'name="selected" value="(DMR-[\d-]+):', html)
        following = re.search(r'href="\?([^"]+)" rel="next"', html)
        if following is None:
            return seen
        response = client.get("/gestion/?" + following.group(1).replace("&amp;", "&"))


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"status": "new", "sort": "newest"}, PAGE_SIZE + 6),
        ({"status": ["new", "accepted"], "q": "Trou n° 1"}, 12),  # 1, 10-19; and 1
        ({"status": "accepted", "assignee": "none"}, 3),
        ({"bbox": "2.33,48.85,2.35,48.865", "sort": "followed"}, PAGE_SIZE + 9),
    ],
)
def test_the_file_lists_every_page_of_the_filtered_queue_in_its_order(
    client, city, params, count, monkeypatch
):
    # Read a few rows a query, so that the file is pieced together across many of them.
    monkeypatch.setattr("workflow.queue_export.CHUNK_SIZE", 7)
    many(city, PAGE_SIZE + 5)
    many(city, 3, status="accepted")
    client.force_login(city.agent)
    listed = queue_pages(client, params)
    assert len(listed) == count
    assert [row["Référence"] for row in table(download(client, params))] == listed


def test_without_parameters_the_file_is_the_default_queue_what_still_needs_work(client, city):
    many(city, PAGE_SIZE + 1)
    signal_transition(signal=city.ours, to="rejected", message="Hors du domaine public.")
    client.force_login(city.agent)
    references = [row["Référence"] for row in table(download(client))]
    assert references == queue_pages(client, {"status": OPEN_VALUES})
    assert len(references) == PAGE_SIZE + 1
    first_page = client.get("/gestion/").content.decode()
    assert re.findall(r'name="selected" value="(DMR-[\d-]+):', first_page) == references[:PAGE_SIZE]
    assert city.ours.reference not in references
    # The page's cursor is not a filter of the file.
    assert len(table(download(client, {"cursor": "garbage"}))) == PAGE_SIZE + 1


def test_a_row_reads_as_the_signal(client, city, settings):
    settings.SITE_URL = "https://dansmarue.ville.example"
    city.agent.first_name, city.agent.last_name = "Alice", "Martin"
    city.agent.save()
    city.category.service_level_days = 2
    city.category.save()
    moment = datetime(2025, 1, 15, 23, 30, tzinfo=UTC)
    Signal.objects.filter(pk=city.ours.pk).update(
        created_at=moment, address="12 rue de Rivoli, 75004 Paris"
    )
    signal_assign(signal=city.ours, assignee=city.agent, actor=city.agent)
    client.force_login(city.agent)
    [row] = table(download(client))
    assert row == {
        "Référence": city.ours.reference,
        "Signalé le": "2025-01-16 00:30",  # Paris time
        "État": "Nouveau",
        "Type": city.category.parent.name,
        "Sous-type": "Nid de poule",
        "Service": "Voirie",
        "Adresse": "12 rue de Rivoli, 75004 Paris",
        "Latitude": "48.857000",
        "Longitude": "2.340000",
        "Description": "Nid de poule devant le 12",
        "Attribué à": "Alice Martin",
        "Échéance": "2025-01-18",
        "En retard": "oui",
        "Abonnés": "0",
        "Page de gestion": (
            f"https://dansmarue.ville.example/gestion/signalements/{city.ours.reference}/"
        ),
    }


def test_a_type_reported_under_directly_has_no_sub_type(client, city):
    kind = CategoryFactory(code="divers", name="Divers", parent=None)
    signal = make_signal(kind, INSIDE_WEST)
    client.force_login(city.agent)
    rows = {row["Référence"]: row for row in table(download(client))}
    assert (rows[signal.reference]["Type"], rows[signal.reference]["Sous-type"]) == ("Divers", "")


def test_another_services_signals_are_never_in_the_file(client, city):
    make_signal(city.category, INSIDE_EAST, description="Chez les voisins")
    client.force_login(city.agent)
    body = download(client, {"status": [s for s, _ in Signal._meta.get_field("status").choices]})
    assert city.ours.reference in body
    assert city.theirs.reference not in body
    assert "Chez les voisins" not in body
    # Naming their service is not a way in: it is not one of the agent's choices.
    assert client.get(URL, {"service": "proprete"}).status_code == 400


def test_reporters_internal_notes_and_residents_answers_are_never_in_the_file(client, city):
    signal_comment(signal=city.ours, actor=city.agent, note="Note interne : voisin pénible")
    signal_transition(signal=city.ours, to="accepted", note="Remarque interne du chef")
    resolved = signal_transition(signal=city.ours, to="resolved", message="Rebouché.")
    Feedback.objects.create(
        signal=resolved,
        resolution=StatusChange.objects.filter(signal=resolved, to_state="resolved").latest("id"),
        giver="0" * 64,
        from_reporter=True,
        is_fixed=False,
        comment="Toujours là, appelez-moi au 06 12 34 56 78",
        awaiting_reply=True,
    )
    Signal.objects.filter(pk=city.ours.pk).update(reporter_language="en")
    client.force_login(city.supervisor)
    body = download(client, {"contested": "on"})
    assert [row["Référence"] for row in table(body)] == [city.ours.reference]
    for secret in (
        "reporter@example.org",
        "@",
        "voisin pénible",
        "Remarque interne",
        "06 12 34 56 78",
        "Rebouché",
    ):
        assert secret not in body


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://evil.example","Cliquez")', "+33 6 12", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_a_formula_typed_by_a_resident_stays_text(client, city, typed):
    signal = make_signal(city.category, INSIDE_WEST)
    # As an import could store them: the report form strips a leading tab or CR.
    Signal.objects.filter(pk=signal.pk).update(description=typed, address=typed)
    client.force_login(city.agent)
    rows = {row["Référence"]: row for row in table(download(client))}
    assert rows[signal.reference]["Description"] == "'" + typed
    assert rows[signal.reference]["Adresse"] == "'" + typed


def test_only_text_that_a_spreadsheet_would_run_is_marked():
    assert neutralised("Trou = danger") == "Trou = danger"
    assert neutralised("") == ""
    assert neutralised("-1") == "'-1"


def test_headers_are_in_french_by_default_and_in_english_when_chosen(client, city):
    client.force_login(city.agent)
    assert list(table(download(client))[0]) == HEADER_FR
    client.cookies["django_language"] = "en"
    [row] = table(download(client))
    assert list(row) == [
        "Reference",
        "Reported on",
        "Status",
        "Type",
        "Sub-type",
        "Service",
        "Address",
        "Latitude",
        "Longitude",
        "Description",
        "Assigned to",
        "Due date",
        "Overdue",
        "Followers",
        "Staff page",
    ]
    assert (row["Status"], row["Overdue"]) == ("New", "no")


def test_the_response_is_a_download_kept_by_no_cache(client, city):
    client.force_login(city.agent)
    response = client.get(URL)
    stamp = timezone.localdate().isoformat()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="signalements-{stamp}.csv"'
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "2.3,48.8"}, "bbox"),
        ({"older_than_days": "depuis longtemps"}, "older_than_days"),
        ({"status": "perdu"}, "status"),
        ({"sort": "au hasard"}, "sort"),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_why(client, city, params, field):
    client.force_login(city.agent)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f"* {field}" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client, city):
    response = client.get(URL, {"status": "new"})
    assert response.status_code == 302
    assert response["Location"].startswith("/gestion/connexion/?next=/gestion/export.csv")


def test_someone_of_no_service_is_refused(client, city):
    client.force_login(city.stranger)
    assert client.get(URL).status_code == 403


def test_the_queue_page_links_to_the_file_of_what_it_shows(client, city):
    client.force_login(city.agent)
    html = client.get("/gestion/", {"status": "new", "q": "trou", "cursor": "x"}).content.decode()
    assert 'href="/gestion/export.csv?status=new&amp;q=trou">Exporter en CSV</a>' in html


def _queries_for_a_file(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        download(client, params)
    return len(queries)


def test_the_queries_do_not_grow_with_the_rows(client, city, django_assert_max_num_queries):
    client.force_login(city.agent)
    params = {"status": "new", "category": city.category.code}
    download(client, params)  # the process loads its copy of the categories once
    few = _queries_for_a_file(client, params)
    # Each agent's name is read with the rows, not looked up.
    many(city, 2 * PAGE_SIZE, assignee=city.agent)
    many(city, PAGE_SIZE, assignee=city.supervisor)
    # Session, user, the agent's services, the colleagues (the form's "assigned to"), the
    # category's ids, and the rows: one query for up to a chunk of them.
    with django_assert_max_num_queries(8):
        rows = table(download(client, params))
    assert len(rows) == 3 * PAGE_SIZE + 1
    assert _queries_for_a_file(client, params) == few


@pytest.mark.django_db(transaction=True)
def test_a_download_left_midway_holds_nothing_open(client, city):
    many(city, 3000)  # some 500 kB: the file leaves in several pieces
    client.force_login(city.agent)
    response = client.get(URL)
    pieces = iter(response.streaming_content)
    assert next(pieces).startswith("\ufeff".encode())
    # Between two chunks of rows, no cursor and no transaction wait for the client.
    assert not connection.in_atomic_block
    response.close()  # what the WSGI server does when the client hangs up
    assert not connection.in_atomic_block
    assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    assert Signal.objects.filter(service=city.voirie).count() == 3001
