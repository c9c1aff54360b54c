"""One way to stop the e-mails about a signal, whoever gets them: a follower or the reporter.

Every mail to a resident carries the same kind of stop link, in its body and in
its List-Unsubscribe header; a mail client's one-click POST (RFC 8058) stops
without cookies and is answered without a redirect; opening the link only asks.
"""

import re

import pytest
from django.core import mail
from django.test import Client

from signals.models import Follower
from signals.unsubscribe import reporter_token
from tests.factories import WEST, CategoryFactory, make_area, make_signal
from workflow.models import ReporterOptOut
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def signal(settings):
    settings.SITE_URL = "https://dansmarue.example"
    make_area(polygon=WEST)
    return make_signal(
        category=CategoryFactory(code="nid-de-poule", name="Nid de poule"),
        email="auteur@example.org",
    )


def follow(signal, email):
    return Follower.objects.create(signal=signal, email=email, confirmed_at="2026-01-01T00:00Z")


def status_mails(signal, on_commit, to="accepted"):
    mail.outbox.clear()
    with on_commit(execute=True):
        signal_transition(signal=signal, to=to, message="Vu")
    return {m.to[0]: m for m in mail.outbox}


def header_path(message) -> str:
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://dansmarue.example/signalements/suivi/")
    return url.removeprefix("https://dansmarue.example")


def test_every_mail_to_a_resident_has_the_same_one_click_stop_link_as_its_body(
    client, signal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/signalements/{signal.reference}/suivre/", {"email": "voisin@example.org"})
    Follower.objects.update(confirmed_at="2026-01-01T00:00Z")
    (follow_mail,) = mail.outbox
    mails = [follow_mail, *status_mails(signal, django_capture_on_commit_callbacks).values()]
    assert sorted(m.to[0] for m in mails[1:]) == ["auteur@example.org", "voisin@example.org"]
    for message in mails:
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
        path = header_path(message)
        assert re.fullmatch(r"/signalements/suivi/[^/]+/arreter/", path)
        assert "https://dansmarue.example" + path in message.body


def test_a_follower_stops_in_one_click_and_the_reporter_still_gets_the_news(
    signal, django_capture_on_commit_callbacks
):
    follow(signal, "voisin@example.org")
    mails = status_mails(signal, django_capture_on_commit_callbacks)
    # A mail client's one-click POST: no cookie, no CSRF token, and no redirect in answer.
    response = Client(enforce_csrf_checks=True).post(
        header_path(mails["voisin@example.org"]), ONE_CLICK
    )
    assert response.status_code == 200
    assert "Vous ne recevrez plus d’e-mail" in response.content.decode()
    assert not Follower.objects.exists()
    later = status_mails(signal, django_capture_on_commit_callbacks, to="in_progress")
    assert list(later) == ["auteur@example.org"]


def test_the_reporter_stops_in_one_click_and_the_followers_still_get_the_news(
    signal, django_capture_on_commit_callbacks
):
    follow(signal, "voisin@example.org")
    mails = status_mails(signal, django_capture_on_commit_callbacks)
    path = header_path(mails["auteur@example.org"])
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(path, ONE_CLICK).status_code == 200
    assert ReporterOptOut.objects.filter(signal=signal).exists()
    # A second click (mail clients retry) is no error for the reporter.
    assert strict.post(path, ONE_CLICK).status_code == 200
    later = status_mails(signal, django_capture_on_commit_callbacks, to="in_progress")
    assert list(later) == ["voisin@example.org"]


def test_opening_the_link_asks_and_the_page_button_stops_and_says_so(client, signal):
    follower = follow(signal, "voisin@example.org")
    path = f"/signalements/suivi/{follower.token}/arreter/"
    page = client.get(path).content.decode()
    assert "Ne plus suivre ce signalement ?" in page
    assert signal.reference in page
    assert Follower.objects.exists()
    response = client.post(path, follow=True)
    assert response.redirect_chain == [(f"/signalements/{signal.reference}/", 302)]
    assert "vous ne suivez plus ce signalement" in response.content.decode()
    assert not Follower.objects.exists()

    path = f"/signalements/suivi/{reporter_token(signal)}/arreter/"
    assert "Ne plus recevoir d’e-mail sur votre signalement ?" in client.get(path).content.decode()
    assert not ReporterOptOut.objects.exists()
    response = client.post(path, follow=True)
    assert "vous ne recevrez plus d’e-mail sur ce signalement" in response.content.decode()
    assert ReporterOptOut.objects.filter(signal=signal).exists()


def test_the_page_button_needs_its_csrf_token_but_one_click_does_not(signal):
    follower = follow(signal, "voisin@example.org")
    strict = Client(enforce_csrf_checks=True)
    path = f"/signalements/suivi/{follower.token}/arreter/"
    assert strict.post(path).status_code == 403
    assert strict.post(path, {"List-Unsubscribe": "yes"}).status_code == 403
    assert Follower.objects.exists()
    page = strict.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    assert strict.post(path, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not Follower.objects.exists()


def test_a_reporter_who_also_follows_with_the_same_address_stops_everything_at_once(
    signal, django_capture_on_commit_callbacks
):
    follow(signal, "Auteur@Example.org")
    follow(signal, "voisin@example.org")
    mails = status_mails(signal, django_capture_on_commit_callbacks)
    assert sorted(mails) == ["auteur@example.org", "voisin@example.org"]  # one mail each
    Client().post(header_path(mails["auteur@example.org"]), ONE_CLICK)
    later = status_mails(signal, django_capture_on_commit_callbacks, to="in_progress")
    assert list(later) == ["voisin@example.org"]
    assert list(Follower.objects.values_list("email", flat=True)) == ["voisin@example.org"]


def test_links_already_sent_in_status_mails_keep_working(client, signal):
    follower = follow(signal, "voisin@example.org")
    for token in (str(follower.token), reporter_token(signal)):
        former = f"/notifications/desabonnement/{token}/"
        response = client.get(former)
        assert response.status_code == 301
        assert response["Location"] == f"/signalements/suivi/{token}/arreter/"
    # One-click on a former link is answered there: RFC 8058 forbids redirecting it.
    strict = Client(enforce_csrf_checks=True)
    former = f"/notifications/desabonnement/{follower.token}/"
    assert strict.post(former, ONE_CLICK).status_code == 200
    assert not Follower.objects.exists()
    assert (
        strict.post(
            f"/notifications/desabonnement/{reporter_token(signal)}/", ONE_CLICK
        ).status_code
        == 200
    )
    assert ReporterOptOut.objects.filter(signal=signal).exists()


@pytest.mark.parametrize(
    "token",
    [
        "00000000-0000-0000-0000-000000000000",
        "not-a-token",
        "eyJhIjoxfQ:1tQ:forged",
    ],
)
def test_unknown_or_forged_tokens_are_a_404_that_stops_nothing(client, signal, token):
    follow(signal, "voisin@example.org")
    path = f"/signalements/suivi/{token}/arreter/"
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert Client().post(path, ONE_CLICK).status_code == 404
    assert Follower.objects.count() == 1
    assert not ReporterOptOut.objects.exists()


def test_a_used_follower_link_says_so(client, signal):
    follower = follow(signal, "voisin@example.org")
    path = f"/signalements/suivi/{follower.token}/arreter/"
    assert client.post(path, ONE_CLICK).status_code == 200
    response = client.get(path)
    assert response.status_code == 404
    assert "Ce lien n’est pas valide" in response.content.decode()
