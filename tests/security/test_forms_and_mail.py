"""CSRF on every form; following by e-mail and stopping it from the e-mail's link."""

import re

import pytest
from django.core import mail
from django.test import Client

from signals.models import Follower
from tests.factories import WEST, CategoryFactory, make_area, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def signal():
    make_area(polygon=WEST)
    return make_signal(category=CategoryFactory(code="nid-de-poule"))


@pytest.fixture
def strict():
    return Client(enforce_csrf_checks=True)


def forms(signal) -> dict[str, dict]:
    return {
        "/signaler/": {"category": "nid-de-poule", "description": "x", "location": "{}"},
        f"/signalements/{signal.reference}/suivre/": {"email": "a@example.org"},
        "/admin/login/": {"username": "agent", "password": "x"},
        "/i18n/setlang/": {"language": "en"},
    }


def test_every_form_refuses_a_post_without_its_csrf_token(strict, signal):
    for path, data in forms(signal).items():
        assert strict.post(path, data).status_code == 403, path
    follower = Follower.objects.create(signal=signal, email="b@example.org")
    stop = f"/signalements/suivi/{follower.token}/arreter/"
    assert strict.post(stop).status_code == 403
    assert Follower.objects.filter(pk=follower.pk).exists()


def test_a_form_posted_with_its_token_from_the_page_goes_through(strict, signal):
    page = strict.get(f"/signalements/{signal.reference}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = strict.post(
        f"/signalements/{signal.reference}/suivre/",
        {"email": "c@example.org", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Follower.objects.filter(email="c@example.org").exists()


def test_the_follow_email_is_plain_text_and_its_stop_link_ends_the_following(
    client, signal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/signalements/{signal.reference}/suivre/", {"email": "d@example.org"})
    (message,) = mail.outbox
    assert message.to == ["d@example.org"]
    assert not getattr(message, "alternatives", [])  # no HTML part to inject into
    stop_url = re.search(r"https?://\S+/arreter/", message.body)[0]
    stop_path = re.sub(r"^https?://[^/]+", "", stop_url)
    # Opening the link (a mail scanner does) asks, and changes nothing.
    assert client.get(stop_path).status_code == 200
    assert Follower.objects.filter(email="d@example.org").exists()
    # One click on the page's button: done.
    assert client.post(stop_path).status_code == 302
    assert not Follower.objects.filter(email="d@example.org").exists()
    assert client.post(stop_path).status_code == 404
