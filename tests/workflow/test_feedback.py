"""Is it fixed? The link of the "resolved" e-mail, the resident's answer, the agents' view."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from signals.models import Follower
from tests.factories import INSIDE_WEST, make_signal
from workflow.models import Feedback, OutgoingMail, StatusChange
from workflow.services import signal_comment, signal_transition

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+/signalements/suivi/([^/\s]+)/avis/")


def resolve(signal, message="Trou rebouché ce matin."):
    signal_transition(signal=signal, to="accepted")
    signal_transition(signal=signal, to="resolved", message=message)
    signal.refresh_from_db()


@pytest.fixture
def resolved(city, django_capture_on_commit_callbacks):
    Follower.objects.create(
        signal=city.ours, email="voisin@example.org", confirmed_at="2026-01-01T00:00Z"
    )
    with django_capture_on_commit_callbacks(execute=True):
        resolve(city.ours)
    return city.ours


def feedback_path(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return f"/signalements/suivi/{found.group(1)}/avis/"


def mail_to(address):
    return next(m for m in reversed(mail.outbox) if m.to == [address])


def test_the_resolved_mail_asks_each_recipient_with_their_own_link(resolved):
    to_reporter = mail_to("reporter@example.org")
    to_follower = mail_to("voisin@example.org")
    assert "Est-ce vraiment réglé ?" in to_reporter.body
    assert feedback_path(to_reporter) != feedback_path(to_follower)


def test_other_status_mails_do_not_ask(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signal_transition(signal=city.ours, to="accepted", message="Vu.")
    assert mail.outbox and not LINK.search(mail.outbox[-1].body)


def test_a_resident_says_not_fixed_and_the_agent_sees_it_in_the_queue(client, city, resolved):
    path = feedback_path(mail_to("reporter@example.org"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Le problème est-il réglé ?" in page.content.decode()
    assert "Trou rebouché ce matin." in page.content.decode()  # the service's message

    answer = client.post(path, {"is_fixed": "no", "comment": "Le trou est toujours là."})
    assert answer.status_code == 302
    shown = client.get(answer["Location"]).content.decode()
    assert "le service est informé que ce n’est pas réglé" in shown
    # The comment is for the services: never on the public page.
    assert "toujours là" not in shown

    client.force_login(city.agent)
    queue = client.get("/gestion/", {"contested": "on"}).content.decode()
    assert resolved.reference in queue
    assert city.theirs.reference not in queue
    page = client.get(f"/gestion/signalements/{resolved.reference}/").content.decode()
    assert "Le trou est toujours là." in page
    assert "Un usager dit que ce n’est pas réglé" in page


def test_the_queue_marks_the_contested_row_among_the_resolved(client, city, resolved):
    other = make_signal(city.category, INSIDE_WEST, description="Lampadaire éteint")
    resolve(other)
    client.post(feedback_path(mail_to("reporter@example.org")), {"is_fixed": "no"})
    client.force_login(city.agent)
    queue = client.get("/gestion/", {"status": "resolved"}).content.decode()
    rows = {ref: row for row in queue.split("<tr")[1:] for ref in re.findall(r"DMR-[\d-]+", row)}
    assert "Un usager dit que ce n’est pas réglé" in rows[resolved.reference]
    assert "Un usager dit que ce n’est pas réglé" not in rows[other.reference]


def test_answering_again_replaces_the_answer(client, resolved):
    path = feedback_path(mail_to("reporter@example.org"))
    client.post(path, {"is_fixed": "no", "comment": "Pas fait."})
    client.post(path, {"is_fixed": "yes", "comment": ""})
    answers = list(Feedback.objects.filter(signal=resolved))
    assert [(a.is_fixed, a.from_reporter) for a in answers] == [(True, True)]
    # The form shows the answer given, to change it.
    form = client.get(path).content.decode()
    assert re.search(r'<input[^>]*value="yes"[^>]*checked', form)
    assert not re.search(r'<input[^>]*value="no"[^>]*checked', form)


def test_a_fixed_answer_does_not_contest(client, city, resolved):
    client.post(feedback_path(mail_to("voisin@example.org")), {"is_fixed": "yes"})
    answer = Feedback.objects.get()
    assert answer.is_fixed and not answer.from_reporter
    client.force_login(city.agent)
    queue = client.get("/gestion/", {"contested": "on"}).content.decode()
    assert resolved.reference not in queue


def test_no_choice_is_a_400_that_keeps_the_comment(client, resolved):
    path = feedback_path(mail_to("reporter@example.org"))
    page = client.post(path, {"comment": "Encore des gravats"})
    assert page.status_code == 400
    body = page.content.decode()
    assert "Choisissez oui ou non." in body
    assert "Encore des gravats" in body
    assert not Feedback.objects.exists()


def test_a_comment_too_long_or_with_a_nul_is_refused(client, resolved):
    path = feedback_path(mail_to("reporter@example.org"))
    assert client.post(path, {"is_fixed": "no", "comment": "x" * 2001}).status_code == 400
    assert client.post(path, {"is_fixed": "no", "comment": "a\x00b"}).status_code == 400
    assert not Feedback.objects.exists()


def test_a_reopened_signal_no_longer_asks_nor_counts_as_contested(
    client, city, resolved, django_capture_on_commit_callbacks
):
    path = feedback_path(mail_to("reporter@example.org"))
    client.post(path, {"is_fixed": "no"})
    signal_transition(signal=resolved, to="accepted", message="Nous revenons.")
    page = client.get(path)
    assert page.status_code == 200
    assert "rien à répondre pour l’instant" in page.content.decode()
    assert client.post(path, {"is_fixed": "yes"}).status_code == 200
    assert Feedback.objects.get().is_fixed is False  # nothing stored

    # Resolved again: the old "no" is about the earlier resolution, and the question is new.
    with django_capture_on_commit_callbacks(execute=True):
        signal_transition(signal=resolved, to="resolved", message="Refait.")
    client.force_login(city.agent)
    assert resolved.reference not in client.get("/gestion/", {"contested": "on"}).content.decode()
    detail = city.api(city.agent).get(f"/api/v1/staff/signals/{resolved.reference}/").json()
    assert [(a["is_fixed"], a["current"]) for a in detail["feedback"]] == [(False, False)]
    client.logout()
    assert client.post(path, {"is_fixed": "no"}).status_code == 302
    assert Feedback.objects.filter(is_fixed=False).count() == 2
    client.force_login(city.agent)
    assert resolved.reference in client.get("/gestion/", {"contested": "on"}).content.decode()


def test_an_internal_comment_answers_the_resident_until_they_say_no_again(client, city, resolved):
    path = feedback_path(mail_to("reporter@example.org"))
    client.post(path, {"is_fixed": "no", "comment": "Toujours là."})
    client.force_login(city.agent)
    client.post(
        f"/gestion/signalements/{resolved.reference}/commentaire/",
        {"note": "Vérifié sur place : le trou signalé est rebouché, l'usager parle d'un autre."},
    )
    assert resolved.reference not in client.get("/gestion/", {"contested": "on"}).content.decode()
    page = client.get(f"/gestion/signalements/{resolved.reference}/").content.decode()
    assert "Toujours là." in page  # the answer stays in the signal's page
    assert "Un usager dit que ce n’est pas réglé" not in page
    client.logout()
    client.post(path, {"is_fixed": "no", "comment": "Non, c'est bien celui-là."})
    client.force_login(city.agent)
    assert resolved.reference in client.get("/gestion/", {"contested": "on"}).content.decode()


def test_the_question_closes_after_feedback_days(client, resolved, settings):
    path = feedback_path(mail_to("reporter@example.org"))
    StatusChange.objects.filter(signal=resolved, to_state="resolved").update(
        created_at=timezone.now() - timedelta(days=settings.FEEDBACK_DAYS + 1)
    )
    page = client.get(path).content.decode()
    assert "plus d’un mois" in page
    assert client.post(path, {"is_fixed": "no"}).status_code == 200
    assert not Feedback.objects.exists()


def test_an_unknown_link_is_a_404(client, resolved):
    assert client.get("/signalements/suivi/pas-un-jeton/avis/").status_code == 404


def test_a_follower_who_stopped_has_no_link_any_more(client, resolved):
    to_follower = mail_to("voisin@example.org")
    stop = re.search(r"/signalements/suivi/[^/\s]+/arreter/", to_follower.body).group(0)
    client.post(stop)
    assert client.get(feedback_path(to_follower)).status_code == 404


def test_staff_api_lists_the_answers_and_filters_the_contested(client, city, resolved):
    client.post(
        feedback_path(mail_to("reporter@example.org")), {"is_fixed": "no", "comment": "Non."}
    )
    api = city.api(city.agent)
    detail = api.get(f"/api/v1/staff/signals/{resolved.reference}/").json()
    assert detail["feedback"] == [
        {
            "is_fixed": False,
            "comment": "Non.",
            "photo": None,
            "from_reporter": True,
            "created_at": detail["feedback"][0]["created_at"],
            "current": True,
            "awaiting_reply": True,
        }
    ]
    listed = api.get("/api/v1/staff/signals/", {"contested": "true"}).json()
    assert [row["reference"] for row in listed["results"]] == [resolved.reference]
    # Another service's agent sees neither the signal nor its count.
    other = city.api(city.other_agent).get("/api/v1/staff/signals/", {"contested": "true"})
    assert other.json()["results"] == []


def test_public_outputs_never_show_the_comment(client, resolved):
    client.post(
        feedback_path(mail_to("reporter@example.org")),
        {"is_fixed": "no", "comment": "COMMENTAIRE-PRIVE"},
    )
    for path in (
        f"/signalements/{resolved.reference}/",
        f"/api/v1/signals/{resolved.reference}/",
        "/api/v1/signals/",
        "/opendata/signalements.csv",
        "/open311/v2/requests.json",
    ):
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"COMMENTAIRE-PRIVE" not in body, path


def test_anonymize_reporters_erases_the_comments_with_the_addresses(client, resolved):
    client.post(
        feedback_path(mail_to("reporter@example.org")),
        {"is_fixed": "no", "comment": "Appelez-moi au 06 00 00 00 00"},
    )
    resolved.closed_at = timezone.now() - timedelta(days=400)
    resolved.save(update_fields=["closed_at"])
    call_command("anonymize_reporters")
    answer = Feedback.objects.get()
    assert answer.comment == "" and answer.is_fixed is False


def test_supervisors_see_the_answers_in_the_statistics(client, city, resolved):
    client.post(feedback_path(mail_to("reporter@example.org")), {"is_fixed": "no"})
    client.post(feedback_path(mail_to("voisin@example.org")), {"is_fixed": "yes"})
    today = timezone.localdate().isoformat()
    figures = (
        city.api(city.supervisor)
        .get("/api/v1/staff/statistics/", {"start": today, "end": today})
        .json()["feedback"]
    )
    assert figures == {"answers": 2, "fixed": 1, "not_fixed": 1, "contested_now": 1}
    client.force_login(city.supervisor)
    page = client.get("/gestion/statistiques/", {"start": today, "end": today}).content.decode()
    assert "1 oui, 1 non" in page


def test_the_demo_city_has_contested_signals_to_show():
    from signals.demo import load_categories, load_signals, load_territory
    from signals.models import Signal
    from workflow.demo import load_feedback
    from workflow.feedback import contested

    load_categories()
    load_territory()
    load_signals(count=60)
    assert load_feedback() == 4
    assert load_feedback() == 0  # safe to run again
    assert contested(Signal.objects.all()).count() == 2


def test_the_service_hears_of_a_no_once_until_an_agent_answers(
    client, city, resolved, django_capture_on_commit_callbacks
):
    path = feedback_path(mail_to("reporter@example.org"))
    mail.outbox.clear()

    def answer(**data):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(path, data)
        return [m for m in mail.outbox if m.to == [city.voirie.email]]

    assert answer(is_fixed="yes") == []
    (notice,) = answer(is_fixed="no", comment="Le trou est revenu après la pluie.")
    assert resolved.reference in notice.subject and "pas réglé" in notice.subject
    assert "Le trou est revenu après la pluie." in notice.body
    assert f"/gestion/signalements/{resolved.reference}/" in notice.body
    assert "reporter@example.org" not in notice.body
    # The same resident again, before any agent's action: no second notice.
    assert len(answer(is_fixed="no", comment="Toujours pas.")) == 1
    signal_comment(signal=resolved, note="Équipe envoyée.")
    assert len(answer(is_fixed="no")) == 2


def test_a_service_without_an_address_gets_no_notice(client, city, resolved):
    city.voirie.email = ""
    city.voirie.save()
    client.post(feedback_path(mail_to("reporter@example.org")), {"is_fixed": "no"})
    assert not OutgoingMail.objects.filter(subject__contains="pas réglé").exists()
    assert Feedback.objects.get().awaiting_reply
