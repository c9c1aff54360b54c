""" "Mes signalements": ask for the link by e-mail, then see one's signals (signals.resident_links)."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.client_ip import client_ip
from opendata.open311.throttles import RateLimit
from publicmap.forms import ResidentLinkForm
from signals.languages import resident_language
from signals.resident_links import (
    LinkExpired,
    LinkUnknown,
    resident_link_send,
    resident_signals,
)


def _wait(request, email: str) -> int | None:
    """Seconds to wait when this client, or this address, asked too often (else None).
    The address is counted under a digest: the cache holds no address."""
    rate = settings.RESIDENT_LINK_RATE
    address = hashlib.sha256(email.encode()).hexdigest()
    return RateLimit("resident-link-ip", rate).hit(client_ip(request)) or RateLimit(
        "resident-link-address", rate
    ).hit(address)


@require_http_methods(["GET", "HEAD", "POST"])
def my_signals_ask(request):
    status = 200
    if request.method != "POST":
        form = ResidentLinkForm()
    else:
        form = ResidentLinkForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            wait = _wait(request, email)
            if wait is None:
                resident_link_send(email=email, language=resident_language(request.LANGUAGE_CODE))
                # The same answer whether or not the address is known (signals.resident_links).
                messages.success(
                    request,
                    _(
                        "If %(email)s reported or follows a signal, we have just sent it a "
                        "link to them. Look in that mailbox (and its spam folder) in a few minutes."
                    )
                    % {"email": email},
                )
                return redirect("publicmap:my-signals-ask")
            minutes = -(-wait // 60)
            form.add_error(
                None,
                _("Too many links asked for: try again in %(minutes)s minutes.")
                % {"minutes": minutes},
            )
            status = 429
        else:
            status = 400
    context = {"form": form, "link_days": settings.RESIDENT_LINK_DAYS}
    response = render(request, "publicmap/my_signals_ask.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "HEAD"])
def my_signals(request, token: str):
    try:
        found = resident_signals(token=token)
    except LinkUnknown:
        response = render(request, "publicmap/my_signals.html", {"invalid": True}, status=404)
    except LinkExpired:
        response = render(request, "publicmap/my_signals.html", {"expired": True}, status=410)
    else:
        response = render(request, "publicmap/my_signals.html", {"found": found})
    # The link is a credential: kept out of caches, search engines and other sites' Referer
    # headers. Not "no-referrer": browsers then send `Origin: null` with the page's forms (the
    # language switch), and Django's CSRF check refuses them.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response
