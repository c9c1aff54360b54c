"""Writes on signals."""

import hashlib
import json
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save
from django.db.models.sql import InsertQuery
from django.utils import timezone

from geo.routing import Route, service_for_point
from signals.models import Category, Follower, Photo, Signal
from signals.photos import CleanPhoto
from signals.references import reference_next
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
    signal = Signal(
        reference=reference_next(at=now),
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
    first = StatusChange(
        signal_id=RawSQL("(SELECT id FROM created)", ()),
        from_state="",
        to_state=State.NEW,
        created_at=now,
    )
    # One statement is atomic by itself; photos, or a caller's transaction (a savepoint,
    # so that a refused insert leaves it usable), need a block around it.
    block = transaction.atomic() if photos or connection.in_atomic_block else nullcontext()
    with block:
        _insert_with_first_row(signal, first)
        stored = [
            Photo.objects.create(signal=signal, image=photo.content, kind=Photo.Kind.BEFORE)
            for photo in photos
        ]
    _photos_known(signal, stored)
    return signal


def _insert_with_first_row(signal: Signal, first: StatusChange) -> None:
    """Insert the signal and its first history row in one statement (one round trip).

    Each report ran BEGIN, nextval, two INSERTs and COMMIT: five waits on
    PostgreSQL. The two INSERTs are those `save()` would run (Django compiles
    them, every column and default included), joined in a data-modifying
    `WITH`; the reference's number comes from the sequence inside the statement.
    """
    reference = Signal._meta.get_field("reference")
    signal_sql, signal_params = _insert_sql(signal, returning=[Signal._meta.pk, reference])
    first_sql, first_params = _insert_sql(first, returning=[StatusChange._meta.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH created AS ({signal_sql}), first_row AS ({first_sql})"  # noqa: S608
            " SELECT created.id, created.reference, first_row.id FROM created, first_row",
            (*signal_params, *first_params),
        )
        signal.pk, signal.reference, first.pk = cursor.fetchone()
    first.signal = signal
    for instance in (signal, first):
        instance._state.adding = False
        instance._state.db = connection.alias
        # What save() tells its receivers (the tile cache, the map's cells), as it would.
        post_save.send(
            type(instance),
            instance=instance,
            created=True,
            update_fields=None,
            raw=False,
            using=connection.alias,
        )


def _insert_sql(instance, *, returning=()) -> tuple[str, tuple]:
    """The INSERT that `instance.save()` would run, as SQL text and parameters."""
    meta = instance._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    query = InsertQuery(type(instance))
    query.insert_values(fields, [instance])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = list(returning)
    [(sql, params)] = compiler.as_sql()
    return sql, params


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
