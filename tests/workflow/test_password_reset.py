"""An agent who forgot their password chooses a new one from a link mailed to their
account's address."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail

from workflow.models import OutgoingMail

pytestmark = pytest.mark.django_db
ASK = "/gestion/mot-de-passe-oublie/"
NEW_PASSWORD = "trottoir-lumineux-42"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def agent(city):
    city.agent.email = "alice.martin@ville.example"
    city.agent.set_password("ancien-mot-de-passe-1")
    city.agent.save()
    return city.agent


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Ask for a link as the page does; the mail leaves once the request's work commits."""

    def asking(email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(ASK, {"email": email}, follow=True)

    return asking


def link_in(message) -> str:
    [url] = re.findall(r"http://\S+/gestion/mot-de-passe-oublie/\S+", message.body)
    return url.removeprefix("http://127.0.0.1:8000")


def test_the_login_page_leads_to_the_reset_and_the_link_sets_a_new_password(client, agent, ask):
    login = client.get("/gestion/connexion/").content.decode()
    assert f'href="{ASK}"' in login and "Mot de passe oublié ?" in login

    response = ask("Alice.Martin@ville.example")  # the case does not matter
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/gestion/connexion/"
    assert "nous venons d’y envoyer un lien" in page or "nous venons d'y envoyer un lien" in page
    [message] = mail.outbox
    assert message.to == ["alice.martin@ville.example"]
    assert message.subject == "Dans ma rue — choisir un nouveau mot de passe"
    assert "agent-voirie" in message.body and "60 minutes" in message.body
    assert "ancien-mot-de-passe-1" not in message.body

    # Django moves the token into the session and out of the address bar at once.
    opened = client.get(link_in(message))
    assert opened.status_code == 302 and "set-password" in opened["Location"]
    form = client.get(opened["Location"])
    assert form["Referrer-Policy"] == "same-origin"
    assert "Nouveau mot de passe" in form.content.decode()

    done = client.post(
        opened["Location"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/gestion/connexion/"
    assert "Votre mot de passe est changé" in done.content.decode()
    assert authenticate(username="agent-voirie", password=NEW_PASSWORD) is not None
    assert authenticate(username="agent-voirie", password="ancien-mot-de-passe-1") is None

    # The link works once.
    again = client.get(link_in(message), follow=True).content.decode()
    assert "Ce lien ne fonctionne plus" in again
    assert f'href="{ASK}"' in again


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, agent, ask):
    def said(response):
        return re.search(r'<ul class="messages">.*?</ul>', response.content.decode(), re.S)[0]

    known = ask("alice.martin@ville.example")
    unknown = ask("personne@ville.example")
    assert (known.status_code, known.redirect_chain) == (
        unknown.status_code,
        unknown.redirect_chain,
    )
    assert said(unknown).replace("personne@ville.example", "X") == said(known).replace(
        "alice.martin@ville.example", "X"
    )
    assert [m.to for m in mail.outbox] == [["alice.martin@ville.example"]]


def test_a_deactivated_account_gets_no_link(client, agent, ask):
    agent.is_active = False
    agent.save()
    ask("alice.martin@ville.example")
    assert mail.outbox == []
    assert not OutgoingMail.objects.filter(to="alice.martin@ville.example").exists()


def test_a_mistyped_address_comes_back_with_what_was_typed(client, agent):
    response = client.post(ASK, {"email": "alice.martin@"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="alice.martin@"' in page
    assert "Saisissez une adresse e-mail valide." in page
    assert mail.outbox == []


def test_a_weak_or_mismatched_password_is_refused_and_the_old_one_stays(client, agent, ask):
    ask("alice.martin@ville.example")
    opened = client.get(link_in(mail.outbox[0]))
    weak = client.post(opened["Location"], {"new_password1": "1234", "new_password2": "1234"})
    assert weak.status_code == 400
    assert "trop court" in weak.content.decode()
    mismatched = client.post(
        opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert mismatched.status_code == 400
    assert authenticate(username="agent-voirie", password="ancien-mot-de-passe-1") is not None


def test_a_forged_link_is_refused(client, agent):
    page = client.get(f"{ASK}MQ/abc-123/", follow=True).content.decode()
    assert "Ce lien ne fonctionne plus" in page
    assert "new_password1" not in page


def test_an_agent_locked_out_by_wrong_passwords_logs_in_once_the_password_is_reset(
    client, agent, ask
):
    for _ in range(5):
        client.post("/gestion/connexion/", {"username": "agent-voirie", "password": "devine"})
    locked = client.post("/gestion/connexion/", {"username": "agent-voirie", "password": "x"})
    assert locked.status_code == 429

    ask("alice.martin@ville.example")
    opened = client.get(link_in(mail.outbox[0]))
    client.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    logged_in = client.post(
        "/gestion/connexion/", {"username": "agent-voirie", "password": NEW_PASSWORD}
    )
    assert logged_in.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_asking_too_often_is_a_429_that_sends_nothing_more(client, agent, settings, ask):
    settings.PASSWORD_RESET_RATE = "2/hour"
    for _ in range(2):
        ask("alice.martin@ville.example")
    refused = client.post(ASK, {"email": "alice.martin@ville.example"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Trop de liens demandés" in refused.content.decode()
    assert len(mail.outbox) == 2


def test_a_mail_server_that_is_down_keeps_the_link_for_the_timer(client, agent, settings, ask):
    settings.EMAIL_BACKEND = "tests.workflow.failing_mail.RefusingBackend"
    assert ask("alice.martin@ville.example").status_code == 200
    pending = OutgoingMail.objects.get(to="alice.martin@ville.example")
    assert pending.sent_at is None and pending.attempts == 1
    assert "/gestion/mot-de-passe-oublie/" in pending.body


def test_in_english_the_page_and_the_mail_are_in_english(client, agent, ask):
    client.cookies["django_language"] = "en"
    assert "Forgotten password" in client.get(ASK).content.decode()
    ask("alice.martin@ville.example")
    [message] = mail.outbox
    assert message.subject == "Dans ma rue — choose a new password"


def test_the_admin_login_offers_the_same_reset(client):
    page = client.get("/admin/login/").content.decode()
    assert 'href="/admin/password_reset/"' in page
    assert client.get("/admin/password_reset/")["Location"] == ASK
