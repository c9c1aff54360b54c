"""A supervisor hands out work from the queue, and the agent given it hears of it by e-mail."""

import html
import re

import pytest
from django.core import mail

from signals.models import Signal
from tests.factories import INSIDE_WEST, make_signal
from workflow.models import Membership, StatusChange
from workflow.notifications import mails_send
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(city):
    """The voirie's agent, with a name and a mailbox."""
    city.agent.first_name, city.agent.last_name = "Alice", "Martin"
    city.agent.email = "alice.martin@ville.example"
    city.agent.save()
    return city.agent


def bulk(client, signals, **fields):
    return client.post(
        "/gestion/lot/",
        {"selected": [f"{s.reference}:{s.version}" for s in signals], **fields},
        follow=True,
    )


def sent() -> list:
    mails_send()  # what the commit would have sent
    return list(mail.outbox)


def test_a_supervisor_gives_several_signals_to_an_agent_who_gets_one_mail(client, city, alice):
    second = make_signal(city.category, INSIDE_WEST, address="3 rue des Lilas")
    client.force_login(city.supervisor)
    queue = client.get("/gestion/").content.decode()
    assert "Attribuer les signalements sélectionnés" in queue
    assert '<option value="agent-voirie">Alice Martin</option>' in queue

    response = bulk(client, [city.ours, second], action="assign", assign_to="agent-voirie")

    assert "2 signalements attribués à Alice Martin." in response.content.decode()
    for signal in (city.ours, second):
        signal.refresh_from_db()
        assert signal.assignee == alice
        assert signal.version == 2
    assert (
        StatusChange.objects.filter(
            kind=StatusChange.Kind.ASSIGNMENT, actor=city.supervisor, assignee=alice
        ).count()
        == 2
    )
    [given] = sent()  # one mail for the lot; no resident hears of an assignment
    assert given.to == ["alice.martin@ville.example"]
    assert given.subject == "2 signalements vous sont attribués"
    assert "chef-voirie vous a attribué ces 2 signalements :" in given.body
    for signal in (city.ours, second):
        assert f"{signal.reference} — Nid de poule" in given.body
        assert f"/gestion/signalements/{signal.reference}/" in given.body
    assert "3 rue des Lilas" in given.body
    assert "/gestion/?assignee=me" in given.body


def test_taking_signals_oneself_sends_nothing_and_leaves_those_already_taken(client, city, alice):
    second = make_signal(city.category, INSIDE_WEST)
    client.force_login(alice)
    bulk(client, [city.ours], action="assign", assign_to="me")
    city.ours.refresh_from_db()

    response = bulk(client, [city.ours, second], action="assign", assign_to="me")

    page = response.content.decode()
    assert "1 signalement attribué à Alice Martin." in page
    assert f"Déjà attribué à Alice Martin : {city.ours.reference}." in page
    second.refresh_from_db()
    assert second.assignee == alice
    city.ours.refresh_from_db()
    assert city.ours.version == 2  # taken once, not bumped again
    assert sent() == []  # nobody is told what they did themselves


def test_each_signal_is_assigned_or_refused_on_its_own(client, city, alice):
    stale = make_signal(city.category, INSIDE_WEST)
    client.force_login(city.supervisor)
    # A colleague moves it after the supervisor's queue page was drawn (version 1 there).
    signal_transition(signal=Signal.objects.get(pk=stale.pk), to="accepted", actor=city.agent)

    response = bulk(
        client, [city.ours, stale, city.theirs], action="assign", assign_to="agent-voirie"
    )

    page = html.unescape(response.content.decode())
    assert "1 signalement attribué à Alice Martin." in page
    assert f"{stale.reference} : Quelqu'un d'autre a modifié ce signalement" in page
    assert f"{city.theirs.reference} : Non trouvé." in page
    city.ours.refresh_from_db()
    city.theirs.refresh_from_db()
    assert city.ours.assignee == alice
    assert city.theirs.assignee is None
    stale.refresh_from_db()
    assert stale.assignee is None
    [given] = sent()
    assert given.subject == f"{city.ours.reference} vous est attribué"
    assert stale.reference not in given.body


def test_an_agent_of_another_service_cannot_be_given_the_lot(client, city, alice):
    client.force_login(city.supervisor)
    response = bulk(client, [city.ours], action="assign", assign_to="agent-proprete")
    assert "Choisissez un collègue de vos services." in response.content.decode()
    city.ours.refresh_from_db()
    assert city.ours.assignee is None and city.ours.version == 1
    assert sent() == []


def test_a_supervisor_of_two_services_gives_each_signal_only_to_its_own_service(client, city):
    Membership.objects.create(
        user=city.supervisor, service=city.proprete, role=Membership.Role.SUPERVISOR
    )
    client.force_login(city.supervisor)
    response = bulk(client, [city.ours, city.theirs], action="assign", assign_to="agent-proprete")
    page = html.unescape(response.content.decode())
    assert "1 signalement attribué à agent-proprete." in page
    # Said in words, without the form's field name.
    assert f"{city.ours.reference} : Choisissez un membre actif du service en charge." in page
    city.ours.refresh_from_db()
    city.theirs.refresh_from_db()
    assert (city.ours.assignee, city.theirs.assignee) == (None, city.other_agent)


def test_the_status_action_still_applies_and_needs_a_status(client, city):
    client.force_login(city.agent)
    refused = bulk(client, [city.ours], action="transition")
    assert "Nouvel état : Ce champ est obligatoire." in refused.content.decode()
    city.ours.refresh_from_db()
    assert city.ours.status == "new"
    # Enter pressed in the message field sends no button: the status action.
    bulk(client, [city.ours], to="accepted", message="Vu")
    city.ours.refresh_from_db()
    assert city.ours.status == "accepted"


def test_one_signal_given_on_its_page_or_through_the_api_is_mailed_to_its_agent(
    client, city, alice
):
    client.force_login(city.supervisor)
    client.post(
        f"/gestion/signalements/{city.ours.reference}/attribution/",
        {"assignee": alice.pk, "version": city.ours.version},
    )
    [given] = sent()
    assert given.to == ["alice.martin@ville.example"]
    assert given.subject == f"{city.ours.reference} vous est attribué"
    assert "chef-voirie vous a attribué ce signalement :" in given.body
    staff_link = re.search(r"https?://\S+/gestion/signalements/(\S+)/", given.body)
    assert staff_link and staff_link.group(1) == city.ours.reference
    mail.outbox.clear()

    second = make_signal(city.category, INSIDE_WEST)
    api = city.api(city.supervisor)
    response = api.post(
        f"/api/v1/signals/{second.reference}/assignment/",
        {"assignee": "agent-voirie", "version": second.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    [given] = sent()
    assert given.subject == f"{second.reference} vous est attribué"
