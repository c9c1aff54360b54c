"""One way to stop the e-mails about a signal, for its followers and for its reporter.

Every mail to a resident about a signal (the follow confirmation, each status
change) carries one stop link, `/signalements/suivi/<token>/arreter/`, in its
body and in its `List-Unsubscribe` header (RFC 8058 one-click). A token names
one address's mails about one signal:

- a follower's token is the random UUID stored on its row; stopping deletes the
  row, and the address with it, so the link works once;
- the reporter's is the signal's UUID signed with the site's key: nothing to
  store for the many reporters who never stop. Stopping records a
  `ReporterOptOut`; the reporter may follow the signal again on purpose.

Either way, stopping ends every mail to that address about that signal: a
reporter who also follows their own report with the same address is not left
with a second stream of mails.
"""

import uuid
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.urls import reverse

from signals.links import absolute_url
from signals.models import Follower, Signal
from workflow.models import ReporterOptOut

# The value that signed the links of the status e-mails already sent: kept so that they work.
REPORTER_SALT = "workflow.reporter-unsubscribe"


class UnknownToken(Exception):
    pass


@dataclass(frozen=True)
class Recipient:
    """Whose mails a token stops: a follower's (with its row) or the reporter's."""

    signal: Signal
    follower: Follower | None = None

    @property
    def is_reporter(self) -> bool:
        return self.follower is None

    @property
    def address(self) -> str:
        # Empty for a reporter whose address `anonymize_reporters` has erased.
        return self.signal.reporter_email if self.is_reporter else self.follower.email


def follower_token(follower: Follower) -> str:
    return str(follower.token)


def reporter_token(signal: Signal) -> str:
    return signing.dumps(str(signal.uuid), salt=REPORTER_SALT, compress=True)


def unsubscribe_url(*, token: str) -> str:
    path = reverse("publicmap:follow-stop", kwargs={"token": token})
    return absolute_url(path)


def unsubscribe_headers(*, url: str) -> dict[str, str]:
    """The headers of every mail to a resident: automatic, and stopped in one click."""
    return {
        "Auto-Submitted": "auto-generated",
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def recipient_for_token(*, token: str) -> Recipient | None:
    try:
        uuid.UUID(token)
    except ValueError:
        pass
    else:
        follower = Follower.objects.select_related("signal").filter(token=token).first()
        return Recipient(signal=follower.signal, follower=follower) if follower else None
    try:
        signal_uuid = signing.loads(token, salt=REPORTER_SALT)
    except signing.BadSignature:
        return None
    signal = Signal.objects.filter(uuid=signal_uuid).first()
    return Recipient(signal=signal) if signal else None


def recipient_unsubscribe(*, token: str) -> Recipient:
    """Stop the mails `token` names, and any other mail to that address about that signal."""
    with transaction.atomic():
        recipient = recipient_for_token(token=token)
        if recipient is None:
            raise UnknownToken
        signal, address = recipient.signal, recipient.address
        if recipient.is_reporter or address.lower() == signal.reporter_email.lower():
            ReporterOptOut.objects.get_or_create(signal=signal)
        if address:
            deleted, _ = signal.followers.filter(email__iexact=address).delete()
            if not recipient.is_reporter and not deleted:
                # Another request stopped this follower meanwhile: the link is used.
                raise UnknownToken
    return recipient
