"""Writes on signals."""

from collections.abc import Sequence
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from geo.routing import Route, service_for_point
from signals.models import Category, Photo, Signal
from signals.photos import CleanPhoto
from signals.references import next_reference
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
) -> Signal:
    """Route and store a new signal with its first history row.

    Raises `geo.routing.OutsideTerritory` before anything is written when no
    service can take the point.
    """
    route = route or service_for_point(point=location, category=category)
    now = created_at or timezone.now()
    with transaction.atomic():
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
        )
        StatusChange.objects.create(signal=signal, from_state="", to_state=State.NEW)
        for photo in photos:
            Photo.objects.create(signal=signal, image=photo.content, kind=Photo.Kind.BEFORE)
    return signal
