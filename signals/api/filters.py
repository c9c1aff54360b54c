import math
from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ParseError
from rest_framework_gis.filters import InBBoxFilter

from signals.models import Signal
from workflow.states import State


def _is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


class BBoxFilter(InBBoxFilter):
    """`?bbox=minlon,minlat,maxlon,maxlat`, the name every map client uses."""

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        message = _(
            "bbox must be four numbers: min longitude, min latitude, max longitude, max latitude."
        )
        raw = request.query_params.get(self.bbox_param)
        # drf-gis reads "nan" and "inf" as numbers, which GEOS then cannot draw: a 500.
        if raw and not all(_is_finite_number(part) for part in raw.split(",")):
            raise ParseError(message)
        try:
            return super().get_filter_bbox(request)
        except ParseError:
            raise ParseError(message) from None

    def get_schema_operation_parameters(self, view):
        # drf-gis's description names its own default parameter, `in_bbox`, and its
        # example box lies in the Gulf of Guinea.
        [parameter] = super().get_schema_operation_parameters(view)
        parameter["description"] = str(
            _("Only what lies in this box, in WGS84 degrees: bbox=min_lon,min_lat,max_lon,max_lat.")
        )
        parameter["schema"]["example"] = [2.25, 48.81, 2.42, 48.91]
        return [parameter]


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time compared in UTC.

    ISO 8601 allows offsets up to ±23:59 but PostgreSQL only ±15:59: sent as
    given, `2026-01-01T00:00:00-22:00` was a database error (a 500).
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError(_("This date is out of range."), code="invalid") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


class SignalFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(
        method="filter_category",
        help_text="Category code; a parent code includes its sub-categories.",
    )
    status = django_filters.MultipleChoiceFilter(choices=State.choices)
    service = django_filters.CharFilter(field_name="service__slug")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Signal
        fields = ["category", "status", "service"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category__code=value) | Q(category__parent__code=value))
