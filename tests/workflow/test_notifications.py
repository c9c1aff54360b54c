import pytest
from django.core import mail
from django.core.management import call_command

from signals.models import Follower
from workflow.models import OutgoingMail
from workflow.services import signal_comment, signal_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed(city):
    Follower.objects.create(
        signal=city.ours, email="voisin@example.org", confirmed_at="2026-01-01T00:00Z"
    )
    Follower.objects.create(signal=city.ours, email="pas-confirme@example.org")
    return city.ours


def accept(signal, **kwargs):
    return signal_transition(
        signal=signal, to="accepted", message="Nous passons demain.", note="NOTE-INTERNE", **kwargs
    )


def test_reporter_and_confirmed_followers_are_told_after_commit(
    followed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        accept(followed)
    assert sorted(m.to[0] for m in mail.outbox) == ["reporter@example.org", "voisin@example.org"]
    message = mail.outbox[0]
    assert followed.reference in message.subject
    assert "Nous passons demain." in message.body
    assert f"/signalements/{followed.reference}/" in message.body
    assert "NOTE-INTERNE" not in message.body
    assert "/signalements/suivi/" in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_nothing_is_sent_before_the_transaction_commits(
    followed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accept(followed)
        assert mail.outbox == []
    assert len(callbacks) == 1


def test_internal_comments_send_nothing(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signal_comment(signal=city.ours, note="Appeler")
    assert mail.outbox == []


def test_one_click_unsubscribe_stops_the_mails(
    client, followed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        accept(followed)
    link = (
        next(m for m in mail.outbox if m.to == ["voisin@example.org"])
        .extra_headers["List-Unsubscribe"]
        .strip("<>")
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    # Mail clients POST "List-Unsubscribe=One-Click" with no CSRF cookie (RFC 8058).
    assert client.post(f"/{path}", {"List-Unsubscribe": "One-Click"}).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signal_transition(signal=followed, to="in_progress", message="En cours")
    assert [m.to[0] for m in mail.outbox] == ["reporter@example.org"]


def test_a_refusing_mail_server_never_blocks_a_transition_and_mails_go_out_later(
    followed, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.workflow.failing_mail.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        signal = accept(followed)
    assert signal.status == "accepted"
    pending = OutgoingMail.objects.filter(sent_at__isnull=True)
    assert pending.count() == 2
    assert all("refused" in row.last_error for row in pending)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_pending_mail")
    assert sorted(m.to[0] for m in mail.outbox) == ["reporter@example.org", "voisin@example.org"]
    assert not OutgoingMail.objects.filter(sent_at__isnull=True).exists()
    call_command("send_pending_mail")
    assert len(mail.outbox) == 2  # sent once, never twice
