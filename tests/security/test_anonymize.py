"""Reporters' e-mails are erased a set time after closure; signals and their history stay."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from signals.models import Follower, Signal
from tests.factories import WEST, make_area, make_signal
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db


def closed(days_ago: int, email="camille@example.org"):
    at = timezone.now() - timedelta(days=days_ago)
    signal = make_signal(email=email, created_at=at - timedelta(days=10))
    signal = signal_transition(signal=signal, to="accepted", at=at - timedelta(days=5))
    return signal_transition(signal=signal, to="resolved", message="Rebouché", at=at)


@pytest.fixture
def area():
    return make_area(polygon=WEST)


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("anonymize_reporters", *args, stdout=out)
    return out.getvalue()


def test_the_email_is_erased_a_year_after_closure_and_the_signal_stays(area, api_client):
    old = closed(days_ago=366)
    Follower.objects.create(signal=old, email="voisin@example.org")
    recent = closed(days_ago=364)
    still_open = make_signal(
        email="dominique@example.org", created_at=timezone.now() - timedelta(days=900)
    )
    history_before = list(
        old.history.values_list("from_state", "to_state", "message", "created_at")
    )

    assert "1 signal" in run()

    old.refresh_from_db()
    assert old.reporter_email == ""
    assert not Follower.objects.filter(signal=old).exists()
    assert old.status == "resolved" and old.description
    assert (
        list(old.history.values_list("from_state", "to_state", "message", "created_at"))
        == history_before
    )
    public = api_client.get(f"/api/v1/signals/{old.reference}/")
    assert public.status_code == 200
    assert Signal.objects.get(pk=recent.pk).reporter_email == "camille@example.org"
    assert Signal.objects.get(pk=still_open.pk).reporter_email == "dominique@example.org"


def test_a_signal_reopened_since_keeps_its_reporter(area):
    signal = closed(days_ago=400)
    signal_transition(signal=signal, to="accepted", message="Le problème est revenu.")
    run()
    assert Signal.objects.get(pk=signal.pk).reporter_email == "camille@example.org"


def test_running_it_again_changes_nothing(area):
    closed(days_ago=500)
    assert "1 signal" in run()
    assert "0 signal" in run()


def test_the_delay_is_a_setting_and_an_option(area, settings):
    signal = closed(days_ago=40)
    settings.REPORTER_EMAIL_RETENTION_DAYS = 60
    run()
    assert Signal.objects.get(pk=signal.pk).reporter_email != ""
    run("--days", "30")
    assert Signal.objects.get(pk=signal.pk).reporter_email == ""


def test_sent_mails_leave_the_outbox_after_mail_retention_days(area, settings):
    from workflow.models import OutgoingMail
    from workflow.notifications import MAX_ATTEMPTS

    settings.MAIL_RETENTION_DAYS = 30
    long_ago, lately = timezone.now() - timedelta(days=31), timezone.now() - timedelta(days=29)
    rows = {
        "sent long ago": dict(created_at=long_ago, sent_at=long_ago),
        "sent lately": dict(created_at=lately, sent_at=lately),
        "given up long ago": dict(created_at=long_ago, attempts=MAX_ATTEMPTS),
        "still tried": dict(created_at=long_ago, attempts=3),
    }
    for subject, fields in rows.items():
        OutgoingMail.objects.create(to="camille@example.org", subject=subject, body="…", **fields)

    assert "2 mail(s)" in run()
    assert sorted(OutgoingMail.objects.values_list("subject", flat=True)) == [
        "sent lately",
        "still tried",
    ]


def test_a_follower_never_confirmed_is_deleted_after_thirty_days(area):
    signal = make_signal()
    stale = Follower.objects.create(signal=signal, email="jamais@example.org")
    Follower.objects.create(signal=signal, email="bientot@example.org")
    confirmed = Follower.objects.create(
        signal=signal, email="oui@example.org", confirmed_at=timezone.now() - timedelta(days=90)
    )
    Follower.objects.filter(pk__in=[stale.pk, confirmed.pk]).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert "1 follower(s) unconfirmed" in run()
    assert sorted(Follower.objects.values_list("email", flat=True)) == [
        "bientot@example.org",
        "oui@example.org",
    ]
