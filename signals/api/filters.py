import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework_gis.filters import InBBoxFilter

from signals.models import Signal
from workflow.states import State


class BBoxFilter(InBBoxFilter):
    """`?bbox=minlon,minlat,maxlon,maxlat`, the name every map client uses."""

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        try:
            return super().get_filter_bbox(request)
        except ParseError:
            raise ParseError(
                _(
                    "bbox must be four numbers: min longitude, min latitude, max longitude, max latitude."
                )
            ) from None


class SignalFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(
        method="filter_category",
        help_text="Category code; a parent code includes its sub-categories.",
    )
    status = django_filters.MultipleChoiceFilter(choices=State.choices)
    service = django_filters.CharFilter(field_name="service__slug")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Signal
        fields = ["category", "status", "service"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category__code=value) | Q(category__parent__code=value))
