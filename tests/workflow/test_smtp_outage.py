"""A real SMTP server goes away, or answers "try again later": transitions commit, mails wait.

A real SMTP listener on a loopback port (aiosmtpd) and Django's real SMTP
backend: no fake backend. Agents move signals through the staff API while the
listener is stopped (connections refused), or while it accepts connections
but answers every message with a 4xx temporary error. Each transition
commits; each mail stays pending in the outbox. Once the server is back,
`send_pending_mail` delivers each mail exactly once, to the right person with
the right subject, and a second run sends nothing.
"""

import asyncio
import contextlib
import email
import email.policy
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from signals.models import Follower
from tests.factories import INSIDE_WEST, make_signal
from tests.live import free_port
from workflow.models import OutgoingMail
from workflow.notifications import mails_send

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses it for now (4xx)."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []  # (recipient, subject)
        self.refuse_at: str | None = None  # "RCPT" or "DATA": answer a 4xx there

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_at == "RCPT":
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_at == "DATA":
            return "451 4.3.0 Local problem, try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for recipient in envelope.rcpt_tos:
            self.received.append((recipient, str(message["Subject"])))
        return "250 OK"


class SMTPServer:
    """An SMTP listener on a fixed loopback port that can be stopped and started again."""

    def __init__(self, inbox: Inbox):
        self.inbox, self.port = inbox, free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = SMTPServer(Inbox())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER = False, ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def followed(city):
    """Two of the voirie's signals, each with its reporter and a confirmed follower."""
    second = make_signal(city.category, INSIDE_WEST, email="autre-auteur@example.org")
    for signal, follower in ((city.ours, "voisin@example.org"), (second, "voisine@example.org")):
        Follower.objects.create(signal=signal, email=follower, confirmed_at="2026-01-01T00:00Z")
    mails_send()  # the second reporter's acknowledgement went out when they reported
    mail.outbox.clear()
    return [city.ours, second]


EXPECTED = {
    # recipient -> which signal's mail (index in `followed`)
    "reporter@example.org": 0,
    "voisin@example.org": 0,
    "autre-auteur@example.org": 1,
    "voisine@example.org": 1,
}


def agents_accept(city, signals, capture) -> None:
    """The agent and the supervisor each accept one signal through the staff API."""
    for user, signal in zip((city.agent, city.supervisor), signals, strict=True):
        with capture(execute=True):  # the mails are sent on commit, as in production
            response = city.api(user).post(
                f"/api/v1/signals/{signal.reference}/transitions/",
                {"to": "accepted", "message": "Nous passons demain.", "version": signal.version},
                format="json",
            )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "accepted"


def pending() -> int:
    return OutgoingMail.objects.filter(sent_at__isnull=True).count()


def assert_each_mail_arrived_once(inbox: Inbox, signals) -> None:
    assert sorted(recipient for recipient, _ in inbox.received) == sorted(EXPECTED)
    for recipient, subject in inbox.received:
        signal = signals[EXPECTED[recipient]]
        assert subject == f"Votre signalement {signal.reference} : À traiter"


def test_listener_down_transitions_commit_and_mails_go_out_once_when_it_is_back(
    city, followed, smtp, django_capture_on_commit_callbacks
):
    smtp.stop()  # nothing listens on the port any more: connections are refused
    agents_accept(city, followed, django_capture_on_commit_callbacks)

    for signal in followed:
        signal.refresh_from_db()
        assert signal.status == "accepted"
    assert pending() == 4
    assert all(
        row.attempts == 1 and row.last_error
        for row in OutgoingMail.objects.filter(sent_at__isnull=True)
    )  # tried on commit, failed, kept
    # The timer's run while the server is still down: nothing sent, a non-zero exit.
    with pytest.raises(SystemExit):
        call_command("send_pending_mail")
    assert pending() == 4

    smtp.start()
    call_command("send_pending_mail")
    assert_each_mail_arrived_once(smtp.inbox, followed)
    assert pending() == 0

    call_command("send_pending_mail")  # the next run of the timer
    assert len(smtp.inbox.received) == 4  # nothing sent twice


@pytest.mark.parametrize("stage", ["RCPT", "DATA"])
def test_listener_answering_4xx_keeps_mails_pending_until_it_accepts_them(
    city, followed, smtp, stage, django_capture_on_commit_callbacks
):
    # The connection is accepted, the greeting and EHLO are fine, then "try again later".
    smtp.inbox.refuse_at = stage
    agents_accept(city, followed, django_capture_on_commit_callbacks)

    for signal in followed:
        signal.refresh_from_db()
        assert signal.status == "accepted"
    assert smtp.inbox.received == []
    assert pending() == 4
    code = {"RCPT": "450", "DATA": "451"}[stage]
    assert all(code in row.last_error for row in OutgoingMail.objects.filter(sent_at__isnull=True))

    smtp.inbox.refuse_at = None
    call_command("send_pending_mail")
    assert_each_mail_arrived_once(smtp.inbox, followed)
    assert pending() == 0
    call_command("send_pending_mail")
    assert len(smtp.inbox.received) == 4


@pytest.fixture
def silent_server(settings):
    """A relay that takes the connection and never says a word (a firewall that blackholes,
    a hung server): the kernel completes the handshake, nobody ever sends the greeting."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.getsockname()[1]
        settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER = False, ""
        yield listener


def test_a_silent_relay_holds_the_agents_request_only_the_inline_timeout(
    city, followed, silent_server, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_TIMEOUT, settings.EMAIL_INLINE_TIMEOUT = 30, 1
    signal = followed[0]
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = city.api(city.agent).post(
            f"/api/v1/signals/{signal.reference}/transitions/",
            {"to": "accepted", "message": "Nous passons demain.", "version": signal.version},
            format="json",
        )
    waited = time.monotonic() - started

    assert response.status_code == 200, response.content
    # Not the 30 s a timer's run may wait: the agent got their answer after the inline try.
    assert waited < 10
    kept = OutgoingMail.objects.filter(sent_at__isnull=True)
    assert kept.count() == 2  # the reporter's and the follower's, for the timer to send
    assert all(row.attempts == 1 and "timed out" in row.last_error for row in kept)


@pytest.mark.django_db(transaction=True)
def test_the_agent_has_their_answer_before_the_mail_server_is_tried(
    live_server, city, followed, silent_server, settings
):
    """Over real HTTP: the response is written, then the relay is tried, on the same worker."""
    settings.EMAIL_TIMEOUT, settings.EMAIL_INLINE_TIMEOUT = 30, 6
    token = Token.objects.create(user=city.agent)
    signal = followed[0]
    # Had the server tried the relay first, nothing would come for 6 s: the read times out.
    response = requests.post(
        f"{live_server.url}/api/v1/signals/{signal.reference}/transitions/",
        json={"to": "accepted", "version": signal.version},
        headers={"Authorization": f"Token {token.key}"},
        timeout=3,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"

    # Then the relay got its 6 s, and the mails wait for the timer.
    deadline = time.monotonic() + 20
    while OutgoingMail.objects.filter(attempts=0).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    kept = OutgoingMail.objects.filter(sent_at__isnull=True)
    assert kept.count() == 2
    assert all(row.attempts == 1 and "timed out" in row.last_error for row in kept)


class SlowInbox(Inbox):
    """Takes its time over each message, as a real server on a busy day does."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.2)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_mail_once(city, followed, smtp, settings):
    """The timer's run and a transition's on-commit send may overlap: no mail goes out twice."""
    smtp.stop()
    agents_accept(city, followed, lambda execute: contextlib.nullcontext())
    assert pending() == 4
    smtp.inbox = SlowInbox()
    smtp.start()

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(timer_run) for _ in range(2)]
        totals = [run.result() for run in runs]

    assert_each_mail_arrived_once(smtp.inbox, followed)
    assert sum(sent for sent, _ in totals) == 4
    assert pending() == 0


def timer_run() -> tuple[int, int]:
    try:
        return mails_send()
    finally:
        connection.close()  # this thread's own database connection
