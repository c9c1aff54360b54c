"""Reads for open data: every output here is public, so every field is chosen.

Nothing in this module may select `reporter_email`, a follower, a status
change's `note` or its `actor`: the querysets below name their columns one by
one (`values`/`values_list`), so a new private field on `Signal` never leaks
by accident.
"""

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import (
    F,
    FloatField,
    Func,
    JSONField,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, JSONObject

from signals.models import Photo, Signal
from workflow.models import StatusChange


class StX(Func):
    function = "ST_X"
    output_field = FloatField()


class StY(Func):
    function = "ST_Y"
    output_field = FloatField()


def signals_open_data() -> QuerySet[Signal]:
    """Every signal, oldest first with the id breaking ties: exports and pages never skip one."""
    return Signal.objects.order_by("created_at", "id")


def last_public_message() -> Subquery:
    """The public message of the latest status change (never its internal note)."""
    return Subquery(
        StatusChange.objects.filter(signal=OuterRef("pk"))
        .exclude(message="")
        .order_by("-created_at", "-id")
        .values("message")[:1],
        output_field=TextField(),
    )


def first_public_photo() -> Subquery:
    return Subquery(
        Photo.objects.filter(signal=OuterRef("pk"), is_public=True)
        .order_by("created_at", "id")
        .values("image")[:1],
        output_field=TextField(),
    )


def _feature_properties() -> JSONObject:
    return JSONObject(
        reference=F("reference"),
        category=F("category__code"),
        category_name=F("category__name"),
        type=Coalesce(F("category__parent__code"), F("category__code")),
        type_name=Coalesce(F("category__parent__name"), F("category__name")),
        description=F("description"),
        address=F("address"),
        status=F("status"),
        service=F("service__slug"),
        service_name=F("service__name"),
        created_at=F("created_at"),
        updated_at=F("updated_at"),
        closed_at=F("closed_at"),
    )


def signal_features_json(queryset: QuerySet[Signal]) -> QuerySet:
    """One GeoJSON Feature per signal, serialized to text by PostgreSQL itself.

    Python only joins the strings: no model instance, no serializer, so an
    export of a million signals costs the same memory as one of ten.
    """
    feature = JSONObject(
        type=Value("Feature"),
        id=F("reference"),
        geometry=Cast(AsGeoJSON("location", precision=7), JSONField()),
        properties=_feature_properties(),
    )
    return queryset.annotate(feature=Cast(feature, TextField())).values_list("feature", flat=True)


CSV_COLUMNS = [
    "reference",
    "category",
    "category_name",
    "type",
    "type_name",
    "description",
    "address",
    "status",
    "service",
    "service_name",
    "created_at",
    "updated_at",
    "closed_at",
    "longitude",
    "latitude",
]


def signal_rows(queryset: QuerySet[Signal]) -> QuerySet:
    """Flat public rows in `CSV_COLUMNS` order."""
    return queryset.annotate(
        category_name=F("category__name"),
        type=Coalesce(F("category__parent__code"), F("category__code")),
        type_name=Coalesce(F("category__parent__name"), F("category__name")),
        service_slug=F("service__slug"),
        service_name=F("service__name"),
        longitude=StX("location"),
        latitude=StY("location"),
    ).values_list(
        "reference",
        "category__code",
        "category_name",
        "type",
        "type_name",
        "description",
        "address",
        "status",
        "service_slug",
        "service_name",
        "created_at",
        "updated_at",
        "closed_at",
        "longitude",
        "latitude",
    )
