"""Serving residents' photos, with the one content type they can have.

Every stored photo is a JPEG we encoded ourselves (`signals.photos`), under a
random name. This view serves only names of that shape, only for photos that
exist and are public (the services in charge see the others), always as `image/jpeg`, with
`nosniff` and a sandboxing CSP so that no browser ever treats one as a page.
"""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from signals.models import Photo

_SHARD = re.compile(r"[0-9a-f]{2}")
_NAME = re.compile(r"[0-9a-f]{32}\.jpg")


def _staff_may_see(user, photo: Photo) -> bool:
    """A private photo (a resident's answer to "is it fixed?") is for the services in charge
    of its signal, and the admins."""
    # Imported here: the staff's rule lives in workflow, which imports this app's models.
    from workflow.selectors import signals_visible_to

    if not user.is_authenticated:
        return False
    return user.is_staff or signals_visible_to(user).filter(pk=photo.signal_id).exists()


def photo_file(request, shard: str, name: str) -> FileResponse:
    if not (_SHARD.fullmatch(shard) and _NAME.fullmatch(name) and name.startswith(shard)):
        raise Http404
    path = f"photos/{shard}/{name}"
    photo = Photo.objects.filter(image=path).only("is_public", "signal_id").first()
    if photo is None or not (photo.is_public or _staff_may_see(request.user, photo)):
        raise Http404
    try:
        handle = default_storage.open(path, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    # Names are random and never reused: a photo can be cached for good, unless it is private.
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if photo.is_public else "private, no-store"
    )
    return response
