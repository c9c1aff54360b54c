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
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, NullIf

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


_PROPERTIES = {
    "reference": F("reference"),
    "category": F("category__code"),
    "category_name": F("category__name"),
    "type": Coalesce(F("category__parent__code"), F("category__code")),
    "type_name": Coalesce(F("category__parent__name"), F("category__name")),
    "description": F("description"),
    "address": F("address"),
    "status": F("status"),
    "service": F("service__slug"),
    "service_name": F("service__name"),
    "created_at": F("created_at"),
    "updated_at": F("updated_at"),
    "closed_at": F("closed_at"),
}


def signal_features_json(queryset: QuerySet[Signal]) -> QuerySet:
    """One GeoJSON Feature per signal, serialized to text by PostgreSQL itself.

    Python only joins the strings: no model instance, no serializer, so an
    export of a million signals costs the same memory as one of ten.
    """
    feature = JSONObject(
        type=Value("Feature"),
        id=F("reference"),
        geometry=Cast(AsGeoJSON("location", precision=7), JSONField()),
        properties=JSONObject(**_PROPERTIES),
    )
    return queryset.annotate(feature=Cast(feature, TextField())).values_list("feature", flat=True)


class JsonBuildObject(Func):
    """`json_build_object(key, value, ...)`: keys in the order given, and, unlike Django's
    `JSONObject` (`jsonb_build_object`), no detour through jsonb: a quarter faster on a
    million Features."""

    function = "json_build_object"
    output_field = JSONField()

    def __init__(self, **fields):
        super().__init__(*(part for key, value in fields.items() for part in (Value(key), value)))


class Json(Func):
    template = "(%(expressions)s)::json"
    output_field = JSONField()


def signal_feature_lines(queryset: QuerySet[Signal]) -> QuerySet:
    """The Features of `signal_features_json` as lines of a FeatureCollection: each after a comma.

    PostgreSQL's COPY writes one line per row; the export drops the first comma.
    Timestamps are written in the session's time zone (the export sets UTC).
    """
    feature = JsonBuildObject(
        type=Value("Feature"),
        id=F("reference"),
        geometry=Json(AsGeoJSON("location", precision=7)),
        properties=JsonBuildObject(**_PROPERTIES),
    )
    line = Concat(Value(","), Cast(feature, TextField()), output_field=TextField())
    return queryset.annotate(feature_line=line).values_list("feature_line", flat=True)


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


class LocalIso(Func):
    """A timestamptz as Python's `localtime(value).isoformat()`: `2026-03-01T14:05:09.120000+01:00`.

    Local is the session's time zone, which the CSV export sets to the city's
    (`SET LOCAL`, see `opendata.exports`). Microseconds appear only when non-zero,
    as in Python; `.000000` can only be that part of the text.
    """

    template = (
        "replace(to_char(%(expressions)s, 'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM'), '.000000', '')"
    )
    output_field = TextField()


class Round7(Func):
    """A coordinate to 7 decimals (a centimetre), printed by PostgreSQL as Python prints the float.

    `round(x * 1e7) / 1e7` is the double nearest the rounded decimal, as
    Python's `round(x, 7)` is; PostgreSQL writes the shortest text that reads
    back as that double, as Python's `repr` does.
    """

    template = "round(%(expressions)s * 1e7) / 1e7"
    output_field = FloatField()


def _text(expression) -> NullIf:
    # COPY's CSV writes an empty string as "" and NULL as nothing; Python's csv wrote
    # nothing for both. Empty text becomes NULL so that the file stays byte for byte the same.
    return NullIf(expression, Value(""), output_field=TextField())


def signal_rows(queryset: QuerySet[Signal]) -> QuerySet:
    """Flat public rows in `CSV_COLUMNS` order, as text PostgreSQL's COPY writes as it stands."""
    return queryset.annotate(
        csv_reference=_text(F("reference")),
        csv_category=_text(F("category__code")),
        csv_category_name=_text(F("category__name")),
        csv_type=_text(Coalesce(F("category__parent__code"), F("category__code"))),
        csv_type_name=_text(Coalesce(F("category__parent__name"), F("category__name"))),
        csv_description=_text(F("description")),
        csv_address=_text(F("address")),
        csv_status=_text(F("status")),
        csv_service=_text(F("service__slug")),
        csv_service_name=_text(F("service__name")),
        csv_created_at=LocalIso("created_at"),
        csv_updated_at=LocalIso("updated_at"),
        csv_closed_at=LocalIso("closed_at"),
        csv_longitude=Round7(StX("location")),
        csv_latitude=Round7(StY("location")),
    ).values_list(*(f"csv_{column}" for column in CSV_COLUMNS))
