"""The one public page of the workflow app: unsubscribing from a signal's e-mails."""

import uuid

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from signals.models import Follower, Signal
from workflow.models import ReporterOptOut
from workflow.notifications import reporter_token_signal_uuid


def _follower(token: str) -> Follower | None:
    try:
        uuid.UUID(token)
    except ValueError:
        return None
    return Follower.objects.filter(token=token).select_related("signal").first()


def _reporter_signal(token: str) -> Signal | None:
    signal_uuid = reporter_token_signal_uuid(token)
    return Signal.objects.filter(uuid=signal_uuid).first() if signal_uuid else None


# The token is the credential (RFC 8058 one-click: mail clients POST without a CSRF cookie).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows a one-button form (mail scanners follow links); POST unsubscribes."""
    follower = _follower(token)
    signal = follower.signal if follower else _reporter_signal(token)
    if signal is None:
        return render(request, "workflow/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        if follower is not None:
            follower.delete()
        else:
            ReporterOptOut.objects.get_or_create(signal=signal)
        done = True
    return render(request, "workflow/unsubscribe.html", {"signal": signal, "done": done})
