"""Reads on services and their areas."""

from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import Transform
from django.db.models import Func, QuerySet, Value

from geo.models import Service, ServiceArea

# Simplifying is done in metres: Lambert-93, the territory's projection (France).
METRIC_SRID = 2154


class _SimplifyPreserveTopology(Func):
    function = "ST_SimplifyPreserveTopology"


class _Multi(Func):
    # GEOS may hand back a Polygon for a one-part MultiPolygon: the API promises MultiPolygons.
    function = "ST_Multi"


def services_public() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True)


def service_areas_simplified(*, service: Service, tolerance_m: float) -> QuerySet[ServiceArea]:
    """The areas of `service`, each with `simplified`: its boundary with no detail smaller
    than `tolerance_m` metres (ST_SimplifyPreserveTopology, so no polygon collapses or
    crosses itself); the full geometry never leaves the database."""
    queryset = service.areas.defer("geom").prefetch_related("categories").order_by("name", "id")
    if tolerance_m <= 0:
        return queryset.annotate(simplified=Transform("geom", 4326))
    simplified = _SimplifyPreserveTopology(
        Transform("geom", METRIC_SRID),
        Value(float(tolerance_m)),
        output_field=MultiPolygonField(srid=METRIC_SRID),
    )
    return queryset.annotate(
        simplified=_Multi(Transform(simplified, 4326), output_field=MultiPolygonField(srid=4326))
    )


def areas_handling_only(category_ids: list[int]) -> QuerySet[ServiceArea]:
    """The areas whose list of categories holds some of `category_ids` and nothing else.

    Deleting those categories would leave such an area with an empty list, which means
    "every category": it would start taking every report under it.
    """
    through = ServiceArea.categories.through
    with_others = through.objects.exclude(category_id__in=category_ids).values("servicearea_id")
    return (
        ServiceArea.objects.filter(categories__in=category_ids)
        .exclude(pk__in=with_others)
        .select_related("service")
        .distinct()
        .order_by("name", "id")
    )
