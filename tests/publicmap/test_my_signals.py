""" "Mes signalements": a resident finds the signals they reported or follow by e-mail."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from signals.models import Follower, ResidentLink
from tests.factories import INSIDE_WEST, make_signal
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db
ASK = "/mes-signalements/"
LINK = re.compile(r"https?://[^\s/]+(/mes-signalements/[^\s/]+/)")
SENT = "nous venons de lui envoyer un lien"


@pytest.fixture
def ana(city, django_capture_on_commit_callbacks):
    """Ana reported two problems and follows a third; someone else reported a fourth."""
    with django_capture_on_commit_callbacks(execute=True):
        first = make_signal(city, INSIDE_WEST, email="ana@example.org", description="Tag rouge")
        second = make_signal(city, INSIDE_WEST, email="Ana@Example.org", description="Tag bleu")
        theirs = make_signal(city, INSIDE_WEST, email="bob@example.org", description="Tag vert")
        other = make_signal(city, INSIDE_WEST, description="Tag noir")
    Follower.objects.create(signal=other, email="ana@example.org", confirmed_at=timezone.now())
    mail.outbox.clear()  # the acknowledgements
    return {"first": first, "second": second, "theirs": theirs, "followed": other}


def ask(client, email, capture, **extra):
    with capture(execute=True):
        return client.post(ASK, {"email": email}, follow=True, **extra)


def link_in(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def test_a_resident_gets_a_link_to_what_they_reported_and_follow(
    client, ana, django_capture_on_commit_callbacks
):
    page = ask(client, "  ANA@example.org ", django_capture_on_commit_callbacks)
    assert SENT in page.content.decode()
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Vos signalements sur Dans ma rue"
    path = link_in(message)
    assert "ana" not in path.lower()  # the address stays out of URLs and logs

    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    reported, followed = html.split("Les signalements que vous suivez")
    assert ana["first"].reference in reported and ana["second"].reference in reported
    assert ana["followed"].reference in followed
    assert ana["theirs"].reference not in html
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex"
    # Only a digest of the token is kept.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert not ResidentLink.objects.filter(digest=token).exists()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client, ana, django_capture_on_commit_callbacks
):
    page = ask(client, "personne@example.org", django_capture_on_commit_callbacks)
    assert SENT in page.content.decode()
    assert mail.outbox == []
    assert not ResidentLink.objects.exists()


def test_a_bad_address_comes_back_as_typed_with_its_error(client, ana):
    response = client.post(ASK, {"email": "ana@"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="ana@"' in html
    assert "Saisissez une adresse e-mail valide" in html
    assert mail.outbox == []


def test_the_list_offers_to_stop_the_mails_and_to_answer_once_resolved(
    client, ana, django_capture_on_commit_callbacks
):
    signal_transition(signal=ana["first"], to="accepted")
    signal_transition(signal=ana["first"], to="resolved", message="Effacé.")
    ask(client, "ana@example.org", django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[-1])
    html = client.get(path).content.decode()
    rows = {ref: row for row in html.split("<li>")[1:] for ref in re.findall(r"DMR-[\d-]+", row)}
    assert "Est-ce réglé ? Dites-le au service" in rows[ana["first"].reference]
    assert "Est-ce réglé" not in rows[ana["second"].reference]

    stop = re.search(r'href="([^"]+/arreter/)"', rows[ana["second"].reference]).group(1)
    assert client.post(stop).status_code == 302
    rows = {
        ref: row
        for row in client.get(path).content.decode().split("<li>")[1:]
        for ref in re.findall(r"DMR-[\d-]+", row)
    }
    assert "E-mails arrêtés" in rows[ana["second"].reference]
    assert "E-mails arrêtés" not in rows[ana["first"].reference]


def test_an_expired_link_asks_for_a_new_one_and_an_unknown_one_is_a_404(
    client, ana, settings, django_capture_on_commit_callbacks
):
    ask(client, "ana@example.org", django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[-1])
    ResidentLink.objects.update(created_at=timezone.now() - timedelta(days=8))
    expired = client.get(path)
    assert expired.status_code == 410
    assert "Demander un nouveau lien" in expired.content.decode()
    assert ana["first"].reference not in expired.content.decode()
    assert client.get("/mes-signalements/pas-un-lien/").status_code == 404

    call_command("anonymize_reporters")
    assert not ResidentLink.objects.exists()  # the address it held is gone with it


def test_asking_too_often_is_a_429_that_sends_nothing(
    client, ana, settings, django_capture_on_commit_callbacks
):
    settings.RESIDENT_LINK_RATE = "2/hour"
    for _ in range(2):
        ask(client, "ana@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(ASK, {"email": "ana@example.org"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Trop de liens demandés" in refused.content.decode()
    assert len(mail.outbox) == 2


def test_in_english_the_mail_and_the_list_are_in_english(
    client, ana, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "en"
    ask(client, "ana@example.org", django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.subject == "Your reports on Dans ma rue"
    html = client.get(link_in(message)).content.decode()
    assert "The problems you reported" in html


def test_the_page_to_ask_is_in_the_menu(client, city):
    html = client.get("/").content.decode()
    assert f'href="{ASK}"' in html
    assert "Mes signalements" in html


def test_a_question_waiting_for_the_reporter_is_on_their_list(
    client, ana, django_capture_on_commit_callbacks
):
    from workflow.models import ReporterQuestion
    from workflow.questions import question_ask

    with django_capture_on_commit_callbacks(execute=True):
        question_ask(signal=ana["first"], actor=None, question="Quelle couleur exactement ?")
    ask(client, "ana@example.org", django_capture_on_commit_callbacks)
    html = client.get(link_in(mail.outbox[-1])).content.decode()
    reported = html.split("Les signalements que vous suivez")[0]
    [entry] = [li for li in reported.split("<li>") if ana["first"].reference in li]
    answer_link = re.search(r'href="([^"]+/question/\d+/)"', entry).group(1)
    assert "Le service vous pose une question : y répondre" in entry
    assert "Quelle couleur exactement ?" in client.get(answer_link).content.decode()

    client.post(answer_link, {"answer": "Rouge vif."})
    assert ReporterQuestion.objects.get().answer == "Rouge vif."
    html = client.get(link_in(mail.outbox[-1])).content.decode()
    assert "y répondre" not in html
