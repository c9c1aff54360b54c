"""Writes on signals."""

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from geo.routing import Route, service_for_point
from signals.models import Category, Follower, Photo, Signal
from signals.photos import CleanPhoto
from signals.references import next_reference
from signals.storage import atomic_with_files
from workflow.models import StatusChange
from workflow.states import State


def signal_create(
    *,
    category: Category,
    description: str,
    location: Point,
    email: str = "",
    address: str = "",
    source: str = Signal.Source.API,
    photos: Sequence[CleanPhoto] = (),
    created_at: datetime | None = None,
    route: Route | None = None,
    idempotency_key: str | None = None,
    idempotency_fingerprint: str = "",
) -> Signal:
    """Route and store a new signal with its first history row.

    Raises `geo.routing.OutsideTerritory` before anything is written when no
    service can take the point.
    """
    route = route or service_for_point(point=location, category=category)
    now = created_at or timezone.now()
    with atomic_with_files():  # a rollback also removes the photo files written
        signal = Signal.objects.create(
            reference=next_reference(at=now),
            category=category,
            description=description.strip(),
            location=location,
            address=address.strip(),
            reporter_email=email.strip().lower(),
            service=route.service,
            routing_method=route.method,
            routing_distance_m=route.distance_m,
            status=State.NEW,
            source=source,
            created_at=now,
            updated_at=now,
            idempotency_key=idempotency_key,
            idempotency_fingerprint=idempotency_fingerprint,
        )
        StatusChange.objects.create(
            signal=signal, from_state="", to_state=State.NEW, created_at=now
        )
        stored = [
            Photo.objects.create(signal=signal, image=photo.content, kind=Photo.Kind.BEFORE)
            for photo in photos
        ]
    _photos_known(signal, stored)
    return signal


def _photos_known(signal: Signal, photos: list[Photo]) -> None:
    """A new signal's photos are the ones just stored: `signal.photos.all()` needs no query.

    The reporter's answer lists them right away; this is what `prefetch_related`
    leaves on an instance, filled without asking PostgreSQL what we just wrote.
    """
    queryset = signal.photos.all()
    queryset._result_cache = photos
    queryset._prefetch_done = True
    signal._prefetched_objects_cache = {"photos": queryset}


class IdempotencyConflict(Exception):
    """The `Idempotency-Key` was already used for a different report."""


IDEMPOTENCY_CONSTRAINT = "signal_idempotency_key_unique"


def signal_create_idempotent(
    *, idempotency_key: str, category: Category, description: str, location: Point, **fields
) -> tuple[Signal, bool]:
    """Create a signal once per key: `(signal, True)` the first time, `(signal, False)` after.

    Two concurrent requests with one key both get past the look-up; the unique
    constraint then makes the second INSERT wait for the first transaction and
    fail, and that request returns the first one's signal. Raises
    `IdempotencyConflict` when the key comes back with a different report.
    """
    fingerprint = _report_fingerprint(
        category=category,
        description=description,
        location=location,
        email=fields.get("email", ""),
        address=fields.get("address", ""),
    )
    existing = Signal.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        try:
            signal = signal_create(
                category=category,
                description=description,
                location=location,
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint,
                **fields,
            )
        except IntegrityError as error:
            if _violated_constraint(error) != IDEMPOTENCY_CONSTRAINT:
                raise
            existing = Signal.objects.get(idempotency_key=idempotency_key)
        else:
            return signal, True
    if existing.idempotency_fingerprint != fingerprint:
        raise IdempotencyConflict
    return existing, False


def _report_fingerprint(
    *, category: Category, description: str, location: Point, email: str, address: str
) -> str:
    report = [
        category.code,
        description.strip(),
        [round(location.x, 7), round(location.y, 7)],
        email.strip().lower(),
        address.strip(),
    ]
    return hashlib.sha256(json.dumps(report, ensure_ascii=False).encode()).hexdigest()


def _violated_constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def signals_anonymize_reporters(*, closed_before: datetime) -> int:
    """Erase the reporter's e-mail, and the followers, of signals closed before a date.

    The signal, its photos and its public history stay; only the means of
    reaching a person go. A signal reopened since has no `closed_at` and keeps
    them. Returns the number of signals anonymised.
    """
    with transaction.atomic():
        stale = Signal.objects.closed().filter(closed_at__lt=closed_before)
        with_contact = stale.exclude(reporter_email="") | stale.filter(followers__isnull=False)
        ids = list(with_contact.values_list("id", flat=True).distinct())
        Follower.objects.filter(signal_id__in=ids).delete()
        # A changed row gets a new version, so that a form opened before cannot write the e-mail back.
        Signal.objects.filter(id__in=ids).update(reporter_email="", version=F("version") + 1)
    return len(ids)
