"""Residents' e-mails: the acknowledgement of a new report, and every mail written in the
language its recipient used on the site."""

from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from signals.followers import follower_subscribe
from signals.models import Follower, Signal
from tests.factories import INSIDE_WEST, make_signal
from workflow.models import OutgoingMail
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"


def report(api_client, lang="", **fields):
    body = {
        "category": "nid-de-poule",
        "description": "Gros trou devant le 12",
        "location": {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]},
        **fields,
    }
    return api_client.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE=lang)


def stop_path(message) -> str:
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_reporter_is_told_in_french_that_the_report_was_received(
    api_client, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = report(api_client, email="Ana@Example.org")
    assert response.status_code == 201
    reference = response.json()["reference"]
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == f"Votre signalement {reference} a bien été reçu"
    assert f"Merci : nous avons bien reçu votre signalement {reference} (Nid de poule)" in (
        message.body
    )
    assert "Il a été transmis au service compétent : Voirie." in message.body
    assert "s’engage à le traiter sous 7 jours" in message.body
    assert f"/signalements/{reference}/" in message.body
    assert stop_path(message) in message.body
    assert OutgoingMail.objects.get(to="ana@example.org").sent_at is not None


def test_a_reporter_who_wrote_in_english_is_answered_in_english(
    api_client, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = report(api_client, email="ana@example.org", lang="en-GB,en;q=0.8")
    reference = response.json()["reference"]
    [message] = mail.outbox
    assert message.subject == f"Your signal {reference} has been received"
    assert "It has been sent to the service in charge: Voirie." in message.body
    assert Signal.objects.get(reference=reference).reporter_language == "en"


def test_a_report_without_an_e_mail_sends_nothing_and_stores_no_language(
    api_client, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = report(api_client, lang="en")
    assert response.status_code == 201
    assert mail.outbox == []
    assert not OutgoingMail.objects.filter(signal__reference=response.json()["reference"]).exists()
    assert Signal.objects.get(reference=response.json()["reference"]).reporter_language == ""


def test_a_refused_report_writes_no_mail(api_client, city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = report(
            api_client,
            email="ana@example.org",
            location={"type": "Point", "coordinates": [5.37, 43.29]},  # Marseille
        )
    assert response.status_code == 400
    assert not OutgoingMail.objects.filter(to="ana@example.org").exists()
    assert mail.outbox == []


def test_the_acknowledgement_stop_link_stops_the_next_mails(
    client, api_client, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reference = report(api_client, email="ana@example.org").json()["reference"]
    assert client.post(
        stop_path(mail.outbox[0]), {"List-Unsubscribe": "One-Click"}
    ).status_code == (200)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signal_transition(signal=Signal.objects.get(reference=reference), to="accepted")
    assert mail.outbox == []


def test_a_web_report_in_english_is_acknowledged_in_english(
    client, city, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/signaler/",
            {
                "category": "nid-de-poule",
                "description": "Deep pothole in front of number 12",
                # Away from the city's own pothole: no "Déjà signalé ?" step.
                "longitude": "2.336",
                "latitude": "48.852",
                "email": "visitor@example.org",
            },
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject.startswith("Your signal ")
    assert "We will write to you at each step" in message.body


def test_each_recipient_of_a_status_mail_reads_it_in_their_own_language(
    city, django_capture_on_commit_callbacks
):
    signal = city.ours  # reported without a language: the site's, French
    english = follower_subscribe(signal=signal, email="neighbour@example.org", language="en")
    Follower.objects.filter(pk=english.pk).update(confirmed_at="2026-01-01T00:00Z")
    signal_transition(signal=signal, to="accepted")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signal_transition(signal=signal, to="scheduled", planned_for=date(2026, 3, 5))
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["reporter@example.org"].subject == (
        f"Votre signalement {signal.reference} : Service programmé"
    )
    assert "prévue le 5 mars 2026" in by_address["reporter@example.org"].body
    assert by_address["neighbour@example.org"].subject == (
        f"Your signal {signal.reference}: Service scheduled"
    )
    assert "planned for March 5, 2026" in by_address["neighbour@example.org"].body


def test_a_follower_confirms_in_the_language_they_asked_in(
    client, city, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/signalements/{city.ours.reference}/suivre/", {"email": "neighbour@example.org"}
        )
    [message] = mail.outbox
    assert "To confirm and be informed of each change, open this link:" in message.body
    assert Follower.objects.get(email="neighbour@example.org").language == "en"


def test_a_duplicate_s_reporter_keeps_their_language_on_the_original(
    city, django_capture_on_commit_callbacks
):
    duplicate = make_signal(city.category, INSIDE_WEST, email="visitor@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        signal_transition(signal=duplicate, to="duplicate", duplicate_of=city.ours)
    assert Follower.objects.get(signal=city.ours, email="visitor@example.org").language == "en"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signal_transition(signal=city.ours, to="accepted")
    [english] = [m for m in mail.outbox if m.to == ["visitor@example.org"]]
    assert english.subject.startswith("Your signal ")


def test_agents_see_the_reporter_s_language(client, city):
    signal = make_signal(city.category, INSIDE_WEST, email="visitor@example.org", language="en")
    client.force_login(city.agent)
    html = client.get(f"/gestion/signalements/{signal.reference}/").content.decode()
    assert "visitor@example.org <small>(e-mails en anglais)</small>" in html
    detail = city.api(city.agent).get(f"/api/v1/staff/signals/{signal.reference}/").json()
    assert detail["reporter_language"] == "en"


def test_following_while_the_mail_server_is_down_is_no_error_and_the_mail_goes_later(
    client, city, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.workflow.failing_mail.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/signalements/{city.ours.reference}/suivre/", {"email": "neighbour@example.org"}
        )
    assert response.status_code == 302
    assert OutgoingMail.objects.get(to="neighbour@example.org", sent_at__isnull=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_pending_mail")
    [message] = mail.outbox
    assert message.to == ["neighbour@example.org"]
    assert "/signalements/suivi/" in message.extra_headers["List-Unsubscribe"]
