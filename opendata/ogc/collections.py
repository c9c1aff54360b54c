"""The two feature collections served through OGC API – Features, and their filters."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.cache import cache
from django.db.models import F, JSONField, Max, Min, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, JSONObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo.models import ServiceArea
from opendata.params import BadParameter, parse_instant
from opendata.selectors import signal_features_json, signals_open_data
from workflow.states import State

EXTENT_SECONDS = 300


def parse_datetime_filter(raw: str) -> tuple[datetime | None, datetime | None]:
    """An instant, or an interval `start/end` where either end may be `..` or empty (open).

    A bare date as an instant means that whole day.
    """
    if "/" in raw:
        start_raw, _sep, end_raw = raw.partition("/")
        if "/" in end_raw:
            raise BadParameter("datetime", _("datetime is an instant or one interval start/end."))
        open_ends = ("", "..")
        if start_raw in open_ends and end_raw in open_ends:
            raise BadParameter("datetime", _("datetime: an interval needs at least one end."))
        start = None if start_raw in open_ends else parse_instant("datetime", start_raw)
        end = None if end_raw in open_ends else _interval_end(end_raw)
        if start and end and start > end:
            raise BadParameter("datetime", _("datetime: the interval ends before it starts."))
        return start, end
    if len(raw) == 10:  # a full-date: the whole day
        start = parse_instant("datetime", raw)
        return start, start + timedelta(days=1) - timedelta(microseconds=1)
    instant = parse_instant("datetime", raw)
    return instant, instant


def _interval_end(raw: str) -> datetime:
    end = parse_instant("datetime", raw)
    return end + timedelta(days=1) - timedelta(microseconds=1) if len(raw) == 10 else end


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    temporal_field: str | None
    filters: dict[str, str] = field(default_factory=dict)  # query parameter → its meaning
    # The columns `queryset()` is ordered by, unique together: the pages' cursors.
    ordering = ("id",)

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def features(self, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError

    def get(self, feature_id: str) -> QuerySet:
        raise NotImplementedError

    def apply_filter(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError

    def spatial_extent(self) -> list[float] | None:
        # ST_Extent reads every geometry (0.2 s for a million signals, on every visit of
        # /collections, which QGIS asks for on connecting): kept a few minutes, as the
        # extent of a city's reports seldom moves. The temporal extent needs no cache:
        # its bounds are the ends of an index.
        key = f"ogc-extent:{self.id}"
        extent = cache.get(key)
        if extent is None:
            box = self.queryset().aggregate(extent=Extent(self.geometry_field))["extent"]
            extent = [round(v, 7) for v in box] if box else []
            cache.set(key, extent, EXTENT_SECONDS)
        return extent or None

    def temporal_extent(self) -> list[str | None] | None:
        if not self.temporal_field:
            return None
        bounds = self.queryset().aggregate(
            start=Min(self.temporal_field), end=Max(self.temporal_field)
        )
        return [
            bounds["start"].isoformat() if bounds["start"] else None,
            bounds["end"].isoformat() if bounds["end"] else None,
        ]


class SignalsCollection(Collection):
    geometry_field = "location"
    ordering = ("created_at", "id")  # signals_open_data's, on the index signal_created

    def queryset(self) -> QuerySet:
        return signals_open_data()

    def features(self, queryset: QuerySet) -> QuerySet:
        return signal_features_json(queryset)

    def get(self, feature_id: str) -> QuerySet:
        return self.queryset().filter(reference=feature_id)

    def apply_filter(self, queryset, name, value):
        if name == "status":
            statuses = [part for part in value.split(",") if part]
            if not statuses or not set(statuses) <= set(State.values):
                raise BadParameter(
                    "status",
                    _("status is one of: %(states)s.") % {"states": ", ".join(State.values)},
                )
            return queryset.filter(status__in=statuses)
        if name == "category":
            return queryset.filter(Q(category__code=value) | Q(category__parent__code=value))
        if name == "service":
            return queryset.filter(service__slug=value)
        raise AssertionError(name)


class ServiceAreasCollection(Collection):
    geometry_field = "geom"

    def queryset(self) -> QuerySet:
        return ServiceArea.objects.filter(service__is_active=True).order_by("id")

    def features(self, queryset: QuerySet) -> QuerySet:
        feature = JSONObject(
            type=Value("Feature"),
            id=F("id"),
            geometry=Cast(AsGeoJSON("geom", precision=7), JSONField()),
            properties=JSONObject(
                name=F("name"),
                service=F("service__slug"),
                service_name=F("service__name"),
                priority=F("priority"),
                area_m2=F("area_m2"),
            ),
        )
        return queryset.annotate(feature=Cast(feature, TextField())).values_list(
            "feature", flat=True
        )

    def get(self, feature_id: str) -> QuerySet:
        if not feature_id.isdigit():
            return self.queryset().none()
        return self.queryset().filter(pk=int(feature_id))

    def apply_filter(self, queryset, name, value):
        if name == "service":
            return queryset.filter(service__slug=value)
        raise AssertionError(name)


COLLECTIONS: dict[str, Collection] = {
    "signals": SignalsCollection(
        id="signals",
        title=gettext_lazy("Signals"),
        description=gettext_lazy(
            "Problems reported in the public space, with their category, status and service."
        ),
        temporal_field="created_at",
        filters={
            "status": gettext_lazy("Detailed status (comma-separated)."),
            "category": gettext_lazy("Category code; a type's code includes its sub-categories."),
            "service": gettext_lazy("Slug of the service in charge."),
        },
    ),
    "service-areas": ServiceAreasCollection(
        id="service-areas",
        title=gettext_lazy("Service areas"),
        description=gettext_lazy("The territory of each technical service."),
        temporal_field=None,
        filters={"service": gettext_lazy("Slug of the service.")},
    ),
}
