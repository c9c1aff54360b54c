"""Photos kept between two sendings of the report form without JavaScript (see HeldPhoto)."""

import re
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from signals.models import HeldPhoto
from signals.photos import CleanPhoto

HOLD_FOR = timedelta(hours=1)
# What `photos_hold` makes: anything else is no token of ours, whatever a page posted.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def photos_held(*, token: str) -> list[CleanPhoto] | None:
    """The photos kept under `token`, in order; None if there are none (unknown or expired)."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    rows = HeldPhoto.objects.filter(token=token, held_at__gte=timezone.now() - HOLD_FOR)
    photos = [
        CleanPhoto(
            content=ContentFile(bytes(row.jpeg), name=f"photo-{row.position}.jpg"),
            width=row.width,
            height=row.height,
        )
        for row in rows.order_by("position")
    ]
    return photos or None


def photos_forget_expired() -> int:
    """Delete the photos held longer than HOLD_FOR; how many. Run on each holding and
    sending, and by `manage.py forget_held_photos` on a timer, so that a site nobody
    reports on keeps no resident's photo past the hour either."""
    deleted, _ = HeldPhoto.objects.filter(held_at__lt=timezone.now() - HOLD_FOR).delete()
    return deleted


@transaction.atomic
def photos_hold(*, photos: list[CleanPhoto], token: str = "") -> str:
    """Keep `photos` after those already under `token` (a new token if it has none left);
    returns the token. Photos held longer than HOLD_FOR are deleted on the way."""
    photos_forget_expired()
    already = HeldPhoto.objects.filter(token=token).count() if _TOKEN.fullmatch(token) else 0
    if not already:
        token = secrets.token_urlsafe(24)
    HeldPhoto.objects.bulk_create(
        HeldPhoto(
            token=token,
            position=already + offset,
            jpeg=photo.content.read(),
            width=photo.width,
            height=photo.height,
        )
        for offset, photo in enumerate(photos, start=1)
    )
    for photo in photos:
        photo.content.seek(0)  # they may still be stored with a report
    return token


def photos_release(*, token: str) -> None:
    """Forget the photos kept under `token` (sent with a report, or removed by the resident),
    and any others held too long."""
    if _TOKEN.fullmatch(token or ""):
        HeldPhoto.objects.filter(token=token).delete()
    photos_forget_expired()
