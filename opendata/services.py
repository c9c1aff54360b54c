"""Writes for open data: API keys, and signals posted through Open311."""

from collections.abc import Sequence

from django.contrib.gis.geos import Point
from django.utils import timezone

from opendata.models import ApiKey, ServiceAttribute, SignalAttributeValue, api_key_hash
from signals.models import Category, Signal
from signals.photos import CleanPhoto
from signals.services import signal_create
from signals.storage import atomic_with_files


def api_key_create(*, name: str) -> tuple[ApiKey, str]:
    """Returns the key and its secret, which is stored nowhere: show it once."""
    secret = ApiKey.new_secret()
    key = ApiKey.objects.create(name=name, prefix=secret[:8], key_hash=api_key_hash(secret))
    return key, secret


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, secret: str) -> ApiKey | None:
    """The active key with this secret, or None; records its use."""
    if not secret:
        return None
    key = ApiKey.objects.filter(key_hash=api_key_hash(secret), revoked_at__isnull=True).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def open311_request_create(
    *,
    category: Category,
    description: str,
    location: Point,
    email: str = "",
    language: str = "",
    address: str = "",
    photos: Sequence[CleanPhoto] = (),
    attributes: Sequence[tuple[ServiceAttribute, str]] = (),
) -> Signal:
    """Store a signal posted through Open311 with its attribute answers, all or nothing.

    Raises `geo.routing.OutsideTerritory` before anything is written.
    """
    with atomic_with_files():  # a rollback also removes the photo files written
        signal = signal_create(
            category=category,
            description=description,
            location=location,
            email=email,
            language=language,
            address=address,
            photos=photos,
            source=Signal.Source.OPEN311,
        )
        SignalAttributeValue.objects.bulk_create(
            SignalAttributeValue(signal=signal, attribute=attribute, value=value)
            for attribute, value in attributes
        )
    return signal
