"""Staff login: guessing is locked out, sessions end."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # The lock-out is what is tested here, not the cost of PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent", password="correct horse", is_staff=True)


def attempt(client, password, ip="198.51.100.20", **headers):
    return client.post(
        LOGIN, {"username": "agent", "password": password}, REMOTE_ADDR=ip, headers=headers
    )


def test_five_wrong_passwords_lock_the_account_out_even_with_the_right_one(client, agent):
    for _ in range(4):
        assert attempt(client, "guess").status_code == 200  # the form again, with an error
    assert attempt(client, "guess").status_code == 429  # the fifth locks
    locked = attempt(client, "correct horse")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forged_x_forwarded_for_does_not_get_around_the_lock_out(client, agent):
    for n in range(5):
        attempt(client, "guess", **{"X-Forwarded-For": f"203.0.113.{n}"})
    assert (
        attempt(client, "correct horse", **{"X-Forwarded-For": "203.0.113.99"}).status_code == 429
    )


def test_the_lock_out_is_per_address_so_an_attacker_cannot_lock_the_agent_out(client, agent):
    for _ in range(5):
        attempt(client, "guess", ip="203.0.113.66")
    ok = attempt(client, "correct horse", ip="198.51.100.20")
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_a_success_resets_the_counter(client, agent):
    for _ in range(4):
        attempt(client, "guess")
    assert attempt(client, "correct horse").status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "guess")
    assert attempt(client, "correct horse").status_code == 302


def test_a_staff_session_ends_with_the_browser_and_after_a_working_day(client, agent, settings):
    response = attempt(client, "correct horse")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["httponly"]
    session = Session.objects.get(session_key=cookie.value)
    assert session.expire_date <= timezone.now() + timedelta(hours=8)
    assert client.get("/admin/").status_code == 200
    # Nine hours later, the server no longer knows the session.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(hours=1))
    expired = client.get("/admin/")
    assert expired.status_code == 302 and expired["Location"].startswith("/admin/login/")
