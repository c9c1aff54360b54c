"""Writes on signals."""

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone

from config.prepared import prepared_cursor
from geo.routing import Route, service_for_point
from signals.models import Category, Follower, Photo, Signal
from signals.photos import CleanPhoto
from signals.references import REFERENCE_NUMBER_SQL, REFERENCE_SEQUENCE, reference_prefix
from signals.storage import atomic_with_files, photos_delete
from workflow import notifications
from workflow.models import Feedback, ReporterQuestion, StatusChange
from workflow.states import State


def signal_create(
    *,
    category: Category,
    description: str,
    location: Point,
    email: str = "",
    language: str = "",
    address: str = "",
    source: str = Signal.Source.API,
    photos: Sequence[CleanPhoto] = (),
    created_at: datetime | None = None,
    route: Route | None = None,
    idempotency_key: str | None = None,
    idempotency_fingerprint: str = "",
) -> Signal:
    """Route and store a new signal with its first history row; a reporter who left an
    e-mail is told it was received, in `language` (the one they used on the site).

    Raises `geo.routing.OutsideTerritory` before anything is written when no
    service can take the point.
    """
    route = route or service_for_point(point=location, category=category)
    now = created_at or timezone.now()
    signal = Signal(
        category=category,
        description=description.strip(),
        location=location,
        address=address.strip(),
        reporter_email=email.strip().lower(),
        reporter_language=language if email else "",
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
    history = StatusChange(from_state="", to_state=State.NEW, created_at=now)
    prefix = reference_prefix(at=now)
    # A service that works from its mailbox hears of each new signal (one more mail).
    tell_service = route.service.mail_each_signal and bool(route.service.email)
    if not photos and not signal.reporter_email and not tell_service:
        # One statement is a transaction of its own: no BEGIN and COMMIT round trips,
        # which cost a report as much CPU as its routing (bench/notes.py, "creation").
        # Inside a caller's transaction it simply joins it.
        _insert_with_history(signal, history, reference_prefix=prefix)
        _photos_known(signal, [])
        return signal
    with atomic_with_files():  # a rollback also removes the photo files written
        _insert_with_history(signal, history, reference_prefix=prefix)
        stored = [
            Photo.objects.create(signal=signal, image=photo.content, kind=Photo.Kind.BEFORE)
            for photo in photos
        ]
        # In the same transaction: the acknowledgement exists if and only if the signal does.
        notifications.acknowledgement_queue(signal=signal)
        if tell_service:
            notifications.service_new_signal_queue(signal=signal, photos=len(stored))
    _photos_known(signal, stored)
    return signal


def _insert_fields(model) -> list:
    """The columns an INSERT of `model` writes: every concrete field but the primary key
    and those PostgreSQL computes (generated columns refuse a value)."""
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]


_SIGNAL_FIELDS = [f for f in _insert_fields(Signal) if f.attname != "reference"]
_HISTORY_FIELDS = [f for f in _insert_fields(StatusChange) if f.attname != "signal_id"]


def _columns(fields: list) -> str:
    return ", ".join(connection.ops.quote_name(field.column) for field in fields)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _placeholders(fields: list) -> str:
    return ", ".join(["%s"] * len(fields))


# A new signal, its reference and its first history row in one statement: one round trip
# instead of three, and none of the ORM's per-save compilation, which cost more Python
# time than PostgreSQL spent on the rows (bench/notes.py, "creation"). The columns come
# from the models, so a field added there is written here too.
_CREATE_SQL = f"""
    WITH number AS (SELECT nextval('{REFERENCE_SEQUENCE}') AS n),
    created AS (
        INSERT INTO {_table(Signal)} ({_columns(_SIGNAL_FIELDS)}, reference)
        VALUES ({_placeholders(_SIGNAL_FIELDS)}, (SELECT {REFERENCE_NUMBER_SQL} FROM number))
        RETURNING id, reference
    ),
    history AS (
        INSERT INTO {_table(StatusChange)} ({_columns(_HISTORY_FIELDS)}, signal_id)
        VALUES ({_placeholders(_HISTORY_FIELDS)}, (SELECT id FROM created))
    )
    SELECT id, reference FROM created
"""  # noqa: S608 (model and sequence names only)


def _insert_with_history(signal: Signal, history: StatusChange, *, reference_prefix: str) -> None:
    """Store `signal` with `history` as its first row; the signal gets its id and reference.

    What `Signal.objects.create()` then `StatusChange.objects.create()` would do,
    `post_save` included (the map's tiles and cells follow each write through it).
    """
    params = [f.get_db_prep_save(f.pre_save(signal, True), connection) for f in _SIGNAL_FIELDS]
    params.append(reference_prefix)
    params += [f.get_db_prep_save(f.pre_save(history, True), connection) for f in _HISTORY_FIELDS]
    with prepared_cursor() as cursor:
        # Prepared once per connection: planning the three-part statement cost more
        # than running it.
        cursor.execute(_CREATE_SQL, params, prepare=True)
        signal.id, signal.reference = cursor.fetchone()
    signal._state.adding = False
    signal._state.db = connection.alias
    post_save.send(
        sender=Signal,
        instance=signal,
        created=True,
        update_fields=None,
        raw=False,
        using=connection.alias,
    )


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
    """Erase the reporter's e-mail, the followers, the residents' feedback comments, the
    reporter's answers to the services' questions, and the photos sent with either, of
    signals closed before a date.

    The signal, its photos and its public history stay; only the means of
    reaching a person, and what residents wrote to the services alone, go. A signal reopened since has no `closed_at` and keeps
    them. Returns the number of signals anonymised.
    """
    with transaction.atomic():
        stale = Signal.objects.closed().filter(closed_at__lt=closed_before)
        with_contact = stale.exclude(reporter_email="") | stale.filter(followers__isnull=False)
        ids = list(with_contact.values_list("id", flat=True).distinct())
        Follower.objects.filter(signal_id__in=ids).delete()
        # A changed row gets a new version, so that a form opened before cannot write the e-mail back.
        Signal.objects.filter(id__in=ids).update(reporter_email="", version=F("version") + 1)
        Feedback.objects.filter(signal__in=stale).exclude(comment="").update(comment="")
        ReporterQuestion.objects.filter(signal__in=stale).exclude(answer="").update(answer="")
        # The photos residents sent with their answers go with the comments (files on commit).
        photos_delete(Photo.objects.filter(signal__in=stale, kind=Photo.Kind.FEEDBACK))
    return len(ids)
