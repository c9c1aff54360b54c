"""A service that works from its mailbox hears of each signal that becomes theirs."""

import pytest
from django.core import mail

from geo.models import Service
from signals.photos import photo_clean
from tests.factories import EAST, INSIDE_EAST, INSIDE_WEST, CategoryFactory, make_area, make_signal
from tests.signals.test_photos import jpeg_with_metadata
from workflow.notifications import mails_send
from workflow.services import signal_change_category, signal_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_mail(city):
    """The voirie asked for a mail per new signal; the propreté did not."""
    Service.objects.filter(pk=city.voirie.pk).update(mail_each_signal=True)
    city.voirie.refresh_from_db()
    return city


def to_service(service) -> list:
    mails_send()
    return [message for message in mail.outbox if message.to == [service.email]]


def test_a_report_reaches_the_services_mailbox_without_the_reporters_address(api_client, by_mail):
    city = by_mail
    response = api_client.post(
        "/api/v1/signals/",
        {
            "category": city.category.code,
            "location": {"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]},
            "description": "Trou profond devant l'école",
            "address": "4 rue de l'École",
            "email": "parent@example.org",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]

    [told] = to_service(city.voirie)
    assert told.subject == f"Nouveau signalement {reference} : Nid de poule — 4 rue de l'École"
    assert "Un nouveau signalement a été fait pour Voirie." in told.body
    assert "Trou profond devant l'école" in told.body
    assert f"/gestion/signalements/{reference}/" in told.body
    assert "parent@example.org" not in told.body
    # The reporter still gets their acknowledgement.
    assert [m.to for m in mail.outbox if m.to != [city.voirie.email]] == [["parent@example.org"]]


def test_the_mail_counts_the_reports_photos(by_mail):
    city = by_mail
    signal = make_signal(
        city.category, INSIDE_WEST, photos=[photo_clean(data=jpeg_with_metadata())] * 2
    )
    [told] = to_service(city.voirie)
    assert signal.reference in told.subject
    assert "2 photos, sur la page du signalement." in told.body


def test_a_service_that_did_not_ask_gets_nothing(by_mail):
    # (Its reports keep the one-statement path: tests/signals/test_api_create_cost.py.)
    city = by_mail
    make_signal(city.category, INSIDE_EAST)
    assert to_service(city.proprete) == []


def test_a_transfer_or_a_new_category_tells_the_service_that_receives_it(by_mail):
    city = by_mail
    signal_transfer(
        signal=city.theirs, service=city.voirie, actor=city.other_agent, reason="Chaussée"
    )
    [told] = to_service(city.voirie)
    assert told.subject == f"Transféré à votre service : {city.theirs.reference}, Nid de poule"
    assert "Ce signalement a été transféré à Voirie (agent-proprete)." in told.body
    assert "Motif (interne) : Chaussée" in told.body
    mail.outbox.clear()

    # A category the voirie handles first at this place routes the propreté's signal there.
    pavement = CategoryFactory(code="trottoir", name="Trottoir")
    make_area(city.voirie, EAST, categories=[pavement], priority=10)
    other = make_signal(city.category, INSIDE_EAST)
    signal_change_category(signal=other, category=pavement, actor=city.other_agent)
    other.refresh_from_db()
    assert other.service == city.voirie
    [told] = to_service(city.voirie)
    assert told.subject == f"Réorienté vers votre service : {other.reference}, Trottoir"
    assert "Un changement de catégorie a orienté ce signalement vers Voirie" in told.body
