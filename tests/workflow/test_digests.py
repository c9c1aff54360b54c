"""Each morning, a service's contact address gets what is new to it, and what is late."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from geo.models import Service
from signals.models import Signal
from signals.unsubscribe import reporter_token
from tests.factories import INSIDE_EAST, INSIDE_WEST, make_signal
from workflow.digests import LISTED, digests_send
from workflow.feedback import feedback_give, feedback_request
from workflow.notifications import mails_send
from workflow.services import signal_transfer, signal_transition

pytestmark = pytest.mark.django_db


def reported(signal, ago: timedelta, now) -> Signal:
    Signal.objects.filter(pk=signal.pk).update(created_at=now - ago)
    signal.refresh_from_db()
    return signal


def digests_mailed(now) -> dict[str, object]:
    """Run the morning's digests; the mails each address got, by address."""
    mail.outbox.clear()
    digests_send(now=now)
    mails_send()
    return {message.to[0]: message for message in mail.outbox}


@pytest.fixture
def morning(city):
    """The voirie had its digest yesterday morning; since then, a day's worth of work. The
    digests run a few minutes from now, after what each test does."""
    now = timezone.now() + timedelta(minutes=5)
    Service.objects.filter(pk=city.voirie.pk).update(digest_sent_at=now - timedelta(days=1))
    Service.objects.filter(pk=city.proprete.pk).update(daily_digest=False)
    return now


def test_the_digest_lists_the_new_signals_and_counts_the_late_and_the_contested(city, morning):
    now = morning
    fresh = reported(city.ours, timedelta(hours=2), now)
    fresh.address = "3 rue des Lilas"
    fresh.save(update_fields=["address"])
    late = reported(make_signal(city.category, INSIDE_WEST), timedelta(days=10), now)
    dealt_with = make_signal(city.category, INSIDE_WEST)
    signal_transition(signal=dealt_with, to="rejected", message="Domaine privé.")
    # Reported to the propreté days ago, handed to the voirie this morning.
    handed_over = reported(city.theirs, timedelta(days=3), now)
    signal_transfer(signal=handed_over, service=city.voirie, reason="Chaussée, pas propreté")
    disputed = make_signal(city.category, INSIDE_WEST, email="voisin@example.org")
    signal_transition(signal=disputed, to="accepted")
    signal_transition(signal=disputed, to="resolved", message="Rebouché.")
    request = feedback_request(token=reporter_token(disputed))
    feedback_give(request=request, is_fixed=False, comment="Toujours un trou")

    digest = digests_mailed(now)["voirie@ville.example"]

    assert digest.subject == "Voirie : 2 nouveaux signalements, 1 en retard, 1 dit non réglé"
    body = digest.body
    assert "Nouveaux pour le service (2) :" in body
    assert f"{fresh.reference} — Nid de poule — 3 rue des Lilas" in body
    assert f"/gestion/signalements/{handed_over.reference}/" in body
    assert late.reference not in body and dealt_with.reference not in body
    assert body.index(handed_over.reference) < body.index(fresh.reference)  # oldest first
    assert "En retard (au-delà du délai de leur catégorie) : 1" in body
    assert "/gestion/?service=voirie&overdue=on" in body
    assert "Traités, mais un usager dit que ce n’est pas réglé : 1" in body
    assert "/gestion/?service=voirie&contested=on" in body
    assert "Signalements ouverts dans la file du service : 3" in body
    # A team mailbox: no resident's address, no internal note or comment.
    for private in ("reporter@example.org", "voisin@example.org", "Chaussée", "Toujours"):
        assert private not in body


def test_one_digest_a_day_and_the_next_starts_where_it_stopped(city, morning):
    now = morning
    reported(city.ours, timedelta(hours=2), now)
    assert set(digests_mailed(now)) == {"voirie@ville.example"}
    assert digests_mailed(now + timedelta(hours=3)) == {}  # the timer ran twice today

    tomorrow = now + timedelta(days=1)
    newer = reported(make_signal(city.category, INSIDE_WEST), timedelta(hours=1), tomorrow)
    digest = digests_mailed(tomorrow)["voirie@ville.example"]
    assert digest.subject == "Voirie : 1 nouveau signalement"
    assert newer.reference in digest.body
    assert city.ours.reference not in digest.body  # in yesterday's digest already


def test_no_news_no_mail_and_only_services_that_want_one(city, morning):
    now = morning
    reported(city.ours, timedelta(days=2), now)  # before yesterday's digest, not yet late
    assert digests_mailed(now) == {}
    city.voirie.refresh_from_db()
    assert city.voirie.digest_sent_at == now  # the next one starts from here

    later = now + timedelta(days=1)
    make_signal(city.category, INSIDE_EAST)  # new to the propreté, which wants no digest
    Service.objects.filter(pk=city.voirie.pk).update(email="")  # nowhere to send it
    make_signal(city.category, INSIDE_WEST)
    assert digests_mailed(later) == {}


def test_a_busy_day_lists_the_first_ones_and_links_to_the_rest(city, morning):
    now = morning
    for _ in range(LISTED + 3):
        make_signal(city.category, INSIDE_WEST)
    digest = digests_mailed(now)["voirie@ville.example"]
    assert f"Nouveaux pour le service ({LISTED + 4}) :" in digest.body
    assert digest.body.count("/gestion/signalements/") == LISTED
    assert "… et 4 autres :" in digest.body
    assert "/gestion/?service=voirie&status=new&status=accepted" in digest.body


def test_the_timers_command_writes_them_to_the_outbox(city, morning, capsys):
    reported(city.ours, timedelta(hours=2), morning)
    call_command("send_service_digests")
    assert "voirie: 1 new" in capsys.readouterr().out
    mails_send()
    assert [m.to for m in mail.outbox] == [["voirie@ville.example"]]
