"""An agent keeps their own account: name, address for the mails, whether to get them,
and password."""

import pytest
from django.contrib.auth import authenticate
from django.core import mail

from tests.factories import INSIDE_WEST, make_signal
from workflow.models import StaffSettings
from workflow.notifications import mails_send
from workflow.services import signal_assign

pytestmark = pytest.mark.django_db


def test_an_agent_sets_the_address_their_assignments_are_mailed_to(client, city):
    client.force_login(city.agent)
    page = client.get("/gestion/compte/").content.decode()
    assert "Mon compte" in page
    assert 'href="/gestion/compte/"' in client.get("/gestion/").content.decode()  # in the menu

    response = client.post(
        "/gestion/compte/",
        {
            "first_name": "Alice",
            "last_name": "Martin",
            "email": "alice.martin@ville.example",
            "mail_when_assigned": "on",
        },
        follow=True,
    )
    assert "Votre compte est enregistré." in response.content.decode()
    city.agent.refresh_from_db()
    assert (city.agent.get_full_name(), city.agent.email) == (
        "Alice Martin",
        "alice.martin@ville.example",
    )

    signal_assign(signal=city.ours, assignee=city.agent, actor=city.supervisor)
    mails_send()
    assert [m.to for m in mail.outbox] == [["alice.martin@ville.example"]]


def test_an_agent_who_wants_no_assignment_mail_gets_none(client, city):
    client.force_login(city.agent)
    client.post("/gestion/compte/", {"email": "alice@ville.example"})  # box left unticked
    assert StaffSettings.objects.get(user=city.agent).mail_when_assigned is False
    page = client.get("/gestion/compte/").content.decode()
    assert (
        'name="mail_when_assigned"' in page
        and "checked" not in page.split('name="mail_when_assigned"')[1].split(">")[0]
    )

    signal_assign(signal=city.ours, assignee=city.agent, actor=city.supervisor)
    mails_send()
    assert mail.outbox == []


def test_a_wrong_address_comes_back_with_what_was_typed_and_saves_nothing(client, city):
    client.force_login(city.agent)
    response = client.post(
        "/gestion/compte/", {"first_name": "Alice", "email": "alice@", "mail_when_assigned": "on"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Saisissez une adresse e-mail valide." in page
    assert 'value="Alice"' in page and 'value="alice@"' in page
    city.agent.refresh_from_db()
    assert (city.agent.first_name, city.agent.email) == ("", "")
    assert not StaffSettings.objects.exists()


def test_an_agent_changes_their_password_and_stays_logged_in(client, city):
    client.force_login(city.agent)
    url = "/gestion/compte/mot-de-passe/"
    weak = client.post(
        url, {"old_password": "pw-agent-1", "new_password1": "1234", "new_password2": "1234"}
    )
    assert weak.status_code == 400
    assert "Ce mot de passe est trop court" in weak.content.decode()
    wrong = client.post(
        url,
        {
            "old_password": "not-mine",
            "new_password1": "pavés-et-réverbères",
            "new_password2": "pavés-et-réverbères",
        },
    )
    assert wrong.status_code == 400
    assert authenticate(username="agent-voirie", password="pw-agent-1") is not None

    done = client.post(
        url,
        {
            "old_password": "pw-agent-1",
            "new_password1": "pavés-et-réverbères",
            "new_password2": "pavés-et-réverbères",
        },
        follow=True,
    )
    assert "Votre mot de passe est changé." in done.content.decode()
    assert authenticate(username="agent-voirie", password="pavés-et-réverbères") is not None
    assert client.get("/gestion/").status_code == 200  # still logged in


def test_only_staff_have_an_account_page(client, city):
    assert client.get("/gestion/compte/").status_code == 302  # to the login
    client.force_login(city.stranger)
    assert client.get("/gestion/compte/").status_code == 403
    assert client.get("/gestion/compte/mot-de-passe/").status_code == 403


def test_an_agent_who_reads_english_gets_their_mails_in_english(
    client, city, django_capture_on_commit_callbacks
):
    client.force_login(city.agent)
    page = client.get("/gestion/compte/").content.decode()
    assert '<option value="en">English</option>' in page
    assert '<option value="fr" selected>français</option>' in page
    client.post(
        "/gestion/compte/",
        {"email": "alice@ville.example", "mail_when_assigned": "on", "mail_language": "en"},
    )
    assert StaffSettings.objects.get(user=city.agent).mail_language == "en"

    city.agent.refresh_from_db()
    signal_assign(signal=city.ours, assignee=city.agent, actor=city.supervisor)
    mails_send()
    [assigned] = mail.outbox
    assert assigned.subject == f"{city.ours.reference} is assigned to you"
    assert "assigned this signal to you" in assigned.body

    # The service's shared address, and the residents, keep their own languages.
    city.voirie.mail_each_signal = True
    city.voirie.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_signal(city.category, INSIDE_WEST, email="ana@example.org")
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[city.voirie.email].startswith("Nouveau signalement")
    assert subjects["ana@example.org"].startswith("Votre signalement")
