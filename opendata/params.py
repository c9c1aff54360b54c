"""Query parameters shared by the open-data endpoints, each with a precise error."""

import math
from datetime import UTC, datetime

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import get_current_timezone, make_aware
from django.utils.translation import gettext as _


class BadParameter(ValueError):
    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(message)


def parse_bbox(name: str, raw: str) -> tuple[float, float, float, float]:
    """`minlon,minlat,maxlon,maxlat` in WGS84 (CRS84 axis order)."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise BadParameter(name, _("bbox takes four numbers: minlon,minlat,maxlon,maxlat."))
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise BadParameter(
            name, _("bbox takes four numbers: minlon,minlat,maxlon,maxlat.")
        ) from None
    if not all(math.isfinite(value) for value in values):
        raise BadParameter(name, _("bbox takes four numbers: minlon,minlat,maxlon,maxlat."))
    minlon, minlat, maxlon, maxlat = values
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
        raise BadParameter(name, _("bbox is outside the range of longitudes and latitudes."))
    if minlon > maxlon:
        raise BadParameter(name, _("bbox crossing the antimeridian is not supported."))
    return minlon, minlat, maxlon, maxlat


def parse_instant(name: str, raw: str) -> datetime:
    """An RFC 3339 date-time, or a date (its midnight in the city's time zone)."""
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            if day is not None:
                value = datetime(day.year, day.month, day.day)
    except ValueError:
        value = None
    if value is None:
        raise BadParameter(
            name, _("“%(value)s” is not an ISO 8601 date-time.") % {"value": raw[:40]}
        )
    try:
        if value.tzinfo is None:
            value = make_aware(value, get_current_timezone())
        # ISO 8601 allows offsets up to ±23:59, PostgreSQL only ±15:59: compare in UTC.
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadParameter(name, _("“%(value)s” is out of range.") % {"value": raw[:40]}) from None


def parse_int(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise BadParameter(
            name,
            _("%(name)s must be a whole number between %(min)d and %(max)d.")
            % {"name": name, "min": minimum, "max": maximum},
        )
    return value
