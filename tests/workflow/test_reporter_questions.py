"""A service asks the reporter a question; the reporter answers from the link in the mail."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from signals.models import Photo, Signal
from signals.unsubscribe import follower_token, recipient_unsubscribe, reporter_token
from tests.signals.test_photos import SERIAL, jpeg_with_metadata
from workflow.models import ReporterQuestion
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db
QUESTION = "Le trou est-il devant le 12 ou devant le 14 ?"


@pytest.fixture
def ask(client, city, django_capture_on_commit_callbacks):
    """An agent of the service asks from the signal's page; returns the mail the reporter got."""

    def asking(signal=None, question=QUESTION, user=None):
        signal = signal or city.ours
        client.force_login(user or city.agent)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/gestion/signalements/{signal.reference}/question/",
                {"question": question},
                follow=True,
            )
        client.logout()
        return response

    return asking


def link_in(message) -> str:
    [url] = re.findall(r"http://\S+/question/\d+/", message.body)
    return url.removeprefix(settings.SITE_URL.rstrip("/"))


def answer(client, path, captured, **data):
    with captured(execute=True):
        return client.post(path, data)


def test_the_reporter_is_asked_answers_with_a_photo_and_the_agent_reads_it(
    client, api_client, city, ask, django_capture_on_commit_callbacks
):
    city.agent.email = "alice@ville.example"
    city.agent.save()
    page = ask().content.decode()
    assert "Question envoyée au déclarant." in page
    assert QUESTION in page and "Pas encore de réponse." in page

    [asked] = mail.outbox
    assert asked.to == ["reporter@example.org"]
    assert asked.subject == f"Une question sur votre signalement {city.ours.reference}"
    assert QUESTION in asked.body
    assert "List-Unsubscribe" in asked.extra_headers  # a mail to a resident, stoppable
    path = link_in(asked)

    form = client.get(path)
    assert form.status_code == 200 and form["Cache-Control"] == "no-store"
    assert QUESTION in form.content.decode()
    sent = answer(
        client,
        path,
        django_capture_on_commit_callbacks,
        answer="Devant le 14, côté pair.",
        photo=SimpleUploadedFile("trou.jpg", jpeg_with_metadata(), content_type="image/jpeg"),
    )
    assert sent.status_code == 302 and sent["Location"] == f"/signalements/{city.ours.reference}/"

    [told] = mail.outbox[1:]
    assert told.to == ["alice@ville.example"]
    assert told.subject == f"Le déclarant a répondu : {city.ours.reference}, Nid de poule"
    assert "Devant le 14, côté pair." in told.body and QUESTION in told.body
    assert "reporter@example.org" not in told.body

    photo = ReporterQuestion.objects.get().photo
    assert (photo.kind, photo.is_public) == ("feedback", False)
    assert SERIAL.encode() not in Path(photo.image.path).read_bytes()

    client.force_login(city.agent)
    staff = client.get(f"/gestion/signalements/{city.ours.reference}/").content.decode()
    assert "Devant le 14, côté pair." in staff and photo.image.url in staff
    detail = city.api(city.agent).get(f"/api/v1/staff/signals/{city.ours.reference}/").json()
    assert [(q["question"], q["answer"], q["asked_by"]) for q in detail["questions"]] == [
        (QUESTION, "Devant le 14, côté pair.", "agent-voirie")
    ]
    assert detail["questions"][0]["photo"].endswith(photo.image.url)

    # Nothing of it in any public output.
    client.logout()
    assert client.get(photo.image.url).status_code == 404
    public = (
        client.get(f"/signalements/{city.ours.reference}/").content.decode()
        + api_client.get(f"/api/v1/signals/{city.ours.reference}/").content.decode()
        + client.get("/open311/v2/requests.json").content.decode()
    )
    assert QUESTION not in public and "côté pair" not in public


def test_the_answer_goes_to_the_service_when_the_agent_has_no_address(
    client, city, ask, django_capture_on_commit_callbacks
):
    ask()  # the fixture's agent has no e-mail address
    answer(client, link_in(mail.outbox[0]), django_capture_on_commit_callbacks, answer="Au 14.")
    assert mail.outbox[1].to == [city.voirie.email]
    assert "l’agent qui a posé la question n’a pas d’adresse" in mail.outbox[1].body


def test_a_photo_alone_answers(client, city, ask, django_capture_on_commit_callbacks):
    ask()
    photo = SimpleUploadedFile("p.jpg", jpeg_with_metadata(), content_type="image/jpeg")
    sent = answer(client, link_in(mail.outbox[0]), django_capture_on_commit_callbacks, photo=photo)
    assert sent.status_code == 302
    question = ReporterQuestion.objects.get()
    assert question.answer == "" and question.photo is not None and question.answered_at


def test_answering_again_replaces_the_answer(client, city, ask, django_capture_on_commit_callbacks):
    ask()
    path = link_in(mail.outbox[0])
    answer(client, path, django_capture_on_commit_callbacks, answer="Au 12.")
    page = client.get(path).content.decode()
    assert "Vous avez déjà répondu" in page and "Au 12." in page  # the form holds it
    answer(client, path, django_capture_on_commit_callbacks, answer="Pardon, au 14.")
    assert ReporterQuestion.objects.get().answer == "Pardon, au 14."


def test_an_empty_answer_comes_back_with_a_message_and_stores_nothing(client, city, ask):
    ask()
    response = client.post(link_in(mail.outbox[0]), {"answer": "   "})
    assert response.status_code == 400
    assert "Écrivez votre réponse, ou envoyez une photo." in response.content.decode()
    assert ReporterQuestion.objects.get().answered_at is None


def test_a_closed_signal_waits_for_no_answer(client, city, ask):
    ask()
    signal_transition(signal=city.ours, to="rejected", message="Domaine privé.")
    path = link_in(mail.outbox[0])
    assert "n’attend plus de réponse" in client.get(path).content.decode()
    refused = client.post(path, {"answer": "Au 14."})
    assert refused.status_code == 409
    assert ReporterQuestion.objects.get().answer == ""


def test_only_the_reporters_link_opens_the_question(client, city, ask):
    ask()
    question = ReporterQuestion.objects.get()
    follower = city.ours.followers.create(email="voisin@example.org", confirmed_at=timezone.now())
    for path in (
        f"/signalements/suivi/{follower_token(follower)}/question/{question.pk}/",
        f"/signalements/suivi/{reporter_token(city.theirs)}/question/{question.pk}/",
        f"/signalements/suivi/pas-un-lien/question/{question.pk}/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert QUESTION not in response.content.decode()
        assert "Il ne désigne aucune question qui vous a été posée" in response.content.decode()


def test_a_reporter_who_cannot_be_reached_is_not_asked(client, city, ask):
    recipient_unsubscribe(token=reporter_token(city.ours))
    client.force_login(city.agent)
    page = client.get(f"/gestion/signalements/{city.ours.reference}/").content.decode()
    assert "Le déclarant ne peut pas être interrogé" in page
    assert 'name="question"' not in page

    refused = ask()
    assert refused.status_code == 400
    assert "Le déclarant ne peut pas être interrogé" in refused.content.decode()
    assert not ReporterQuestion.objects.exists() and mail.outbox == []

    api = city.api(city.agent).post(
        f"/api/v1/signals/{city.theirs.reference}/questions/", {"question": QUESTION}
    )
    assert api.status_code == 404  # another service's signal


def test_the_staff_api_asks_and_refuses_bad_input_per_field(
    city, django_capture_on_commit_callbacks
):
    api = city.api(city.agent)
    url = f"/api/v1/signals/{city.ours.reference}/questions/"
    empty = api.post(url, {"question": ""}, format="json")
    assert empty.status_code == 400 and "question" in empty.json()
    too_long = api.post(url, {"question": "x" * 1001}, format="json")
    assert too_long.status_code == 400 and "question" in too_long.json()
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(url, {"question": QUESTION}, format="json")
    assert created.status_code == 201
    assert created.json()["question"] == QUESTION and created.json()["answer"] == ""
    assert [m.to for m in mail.outbox] == [["reporter@example.org"]]
    history = api.get(f"/api/v1/staff/signals/{city.ours.reference}/").json()["history"]
    assert history[-1]["kind"] == "question" and history[-1]["note"] == QUESTION


def test_the_question_is_written_in_the_reporters_language(client, city, ask):
    Signal.objects.filter(pk=city.ours.pk).update(reporter_language="en")
    ask()
    [asked] = mail.outbox
    assert asked.subject == f"A question about your signal {city.ours.reference}"
    assert "needs a detail from you" in asked.body


def test_anonymizing_erases_the_answers_and_their_photos(
    client, city, ask, django_capture_on_commit_callbacks
):
    ask()
    answer(
        client,
        link_in(mail.outbox[0]),
        django_capture_on_commit_callbacks,
        answer="Je suis Jean Dupont, 06 12 34 56 78.",
        photo=SimpleUploadedFile("p.jpg", jpeg_with_metadata(), content_type="image/jpeg"),
    )
    signal_transition(signal=city.ours, to="accepted")
    signal_transition(signal=city.ours, to="resolved", message="Fait.")
    Signal.objects.filter(pk=city.ours.pk).update(closed_at=timezone.now() - timedelta(days=400))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymize_reporters")
    question = ReporterQuestion.objects.get()
    assert question.answer == "" and question.photo is None
    assert not Photo.objects.filter(kind="feedback").exists()


def test_an_answer_marks_the_signal_in_the_queue_until_an_agent_acts(
    client, city, ask, django_capture_on_commit_callbacks
):
    ask()
    answer(client, link_in(mail.outbox[0]), django_capture_on_commit_callbacks, answer="Au 14.")
    client.force_login(city.agent)

    def marked() -> list[str]:
        queue = client.get("/gestion/").content.decode()
        rows = re.findall(r"<tr class=.*?</tr>", queue, re.S)
        return [re.search(r"DMR-[\d-]+", row)[0] for row in rows if "Le déclarant a répondu" in row]

    assert marked() == [city.ours.reference]
    page = client.get(f"/gestion/signalements/{city.ours.reference}/").content.decode()
    assert 'class="badge answered" href="#questions"' in page
    api = city.api(city.agent)
    rows = {r["reference"]: r for r in api.get("/api/v1/staff/signals/").json()["results"]}
    assert rows[city.ours.reference]["answer_unread"] is True
    detail = api.get(f"/api/v1/staff/signals/{city.ours.reference}/").json()
    assert detail["answer_unread"] is True

    # Opening the page is not acting on it; taking it is not either. A comment is.
    client.post(
        f"/gestion/signalements/{city.ours.reference}/attribution/",
        {"assignee": city.agent.pk, "version": detail["version"]},
    )
    assert marked() == [city.ours.reference]
    client.post(f"/gestion/signalements/{city.ours.reference}/commentaire/", {"note": "Vu."})
    assert marked() == []
    assert api.get(f"/api/v1/staff/signals/{city.ours.reference}/").json()["answer_unread"] is False

    # A new answer marks it again; a transition clears it too.
    answer(client, link_in(mail.outbox[0]), django_capture_on_commit_callbacks, answer="Au 16.")
    assert marked() == [city.ours.reference]
    signal_transition(signal=city.ours, to="accepted", actor=city.agent)
    assert marked() == []


def test_a_photo_sent_with_an_answer_that_comes_back_is_kept(
    client, city, ask, django_capture_on_commit_callbacks
):
    from signals.models import HeldPhoto

    ask()
    path = link_in(mail.outbox[0])
    photo = SimpleUploadedFile("p.jpg", jpeg_with_metadata(), content_type="image/jpeg")
    refused = client.post(path, {"answer": "x" * 2001, "photo": photo})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Votre photo est gardée" in page and "x" * 2001 in page  # what was typed, too
    token = re.search(r'name="held_photo" value="([^"]+)"', page).group(1)

    sent = answer(
        client, path, django_capture_on_commit_callbacks, answer="Au 14.", held_photo=token
    )
    assert sent.status_code == 302
    question = ReporterQuestion.objects.get()
    assert question.answer == "Au 14." and question.photo is not None
    assert not HeldPhoto.objects.exists()


def test_the_answer_is_mailed_in_the_language_the_agent_chose(
    client, city, ask, django_capture_on_commit_callbacks
):
    from workflow.models import StaffSettings

    city.agent.email = "alice@ville.example"
    city.agent.save()
    StaffSettings.objects.create(user=city.agent, mail_language="en")
    ask()
    answer(client, link_in(mail.outbox[0]), django_capture_on_commit_callbacks, answer="At 14.")
    told = mail.outbox[1]
    assert told.to == ["alice@ville.example"]
    assert told.subject == f"The reporter answered: {city.ours.reference}, Nid de poule"


def test_the_queue_lists_the_signals_whose_reporter_answered(
    client, city, ask, django_capture_on_commit_callbacks
):
    from tests.factories import INSIDE_WEST, make_signal

    also_asked = make_signal(city.category, INSIDE_WEST, email="bea@example.org")
    ask()
    ask(signal=also_asked)
    [to_ours] = [m for m in mail.outbox if m.to == ["reporter@example.org"]]
    answer(client, link_in(to_ours), django_capture_on_commit_callbacks, answer="Au 14.")
    client.force_login(city.agent)
    page = client.get("/gestion/", {"answered": "on"}).content.decode()
    assert 'name="answered"' in page and "Le déclarant a répondu" in page
    listed = re.findall(r'name="selected" value="(DMR-[\d-]+):', page)
    assert listed == [city.ours.reference]  # not the one still waiting for its answer
    api = city.api(city.agent).get("/api/v1/staff/signals/", {"answered": "true"}).json()
    assert [row["reference"] for row in api["results"]] == [city.ours.reference]
    assert api["counts"]["new"] == 1
