"""Writes on services and their areas."""

from collections.abc import Iterable

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.utils.text import slugify

from geo.geometry import to_valid_multipolygon
from geo.models import Service, ServiceArea

# Pieces of at most this many vertices keep a point-in-polygon test cheap
# whatever the size of the original boundary (MapIt uses the same order).
SUBDIVIDE_MAX_VERTICES = 256


class InvalidAreaGeometry(ValueError):
    pass


def service_get_or_create(*, slug: str, name: str = "", email: str = "") -> tuple[Service, bool]:
    slug = slugify(slug)
    service, created = Service.objects.get_or_create(
        slug=slug, defaults={"name": name or slug, "email": email}
    )
    return service, created


@transaction.atomic
def service_area_create(
    *,
    service: Service,
    name: str,
    geom: GEOSGeometry,
    categories: Iterable = (),
    priority: int = 0,
) -> ServiceArea:
    multi = to_valid_multipolygon(geom)
    if multi is None:
        raise InvalidAreaGeometry(f"Area {name!r} has no polygon.")
    if multi.srid != 4326:
        multi.transform(4326)
    area = ServiceArea.objects.create(service=service, name=name, geom=multi, priority=priority)
    area.categories.set(list(categories))
    service_area_index(area=area)
    return area


@transaction.atomic
def service_area_update(
    *,
    area: ServiceArea,
    geom: GEOSGeometry | None = None,
    priority: int | None = None,
    name: str | None = None,
) -> ServiceArea:
    area = ServiceArea.objects.select_for_update().get(pk=area.pk)
    if geom is not None:
        multi = to_valid_multipolygon(geom)
        if multi is None:
            raise InvalidAreaGeometry(f"Area {area.name!r} has no polygon.")
        if multi.srid != 4326:
            multi.transform(4326)
        area.geom = multi
    if priority is not None:
        area.priority = priority
    if name is not None:
        area.name = name
    area.save()
    service_area_index(area=area)
    return area


def service_area_index(*, area: ServiceArea) -> None:
    """Recompute the area's size and its subdivided pieces after a geometry change."""
    service_areas_index(area_ids=[area.pk])
    area.refresh_from_db(fields=["area_m2"])


def service_areas_index(*, area_ids: list[int]) -> None:
    """The same for many areas in three statements (bulk imports, the benchmark city)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE geo_servicearea SET area_m2 = ST_Area(geom::geography) WHERE id = ANY(%s)",
            [area_ids],
        )
        cursor.execute("DELETE FROM geo_serviceareapiece WHERE area_id = ANY(%s)", [area_ids])
        # ST_Dump of a polygon yields only polygons; anything else would be a bug upstream.
        # Each piece once per category the area lists, or once for every category (key 0).
        cursor.execute(
            """
            INSERT INTO geo_serviceareapiece (area_id, category_key, geom)
            SELECT area.id, handled.category_id, piece.geom
            FROM geo_servicearea AS area,
                 LATERAL ST_Subdivide(area.geom, %s) AS sub(geom),
                 LATERAL ST_Dump(sub.geom) AS piece,
                 LATERAL (
                     SELECT ac.category_id FROM geo_servicearea_categories ac
                     WHERE ac.servicearea_id = area.id
                     UNION ALL
                     SELECT 0 WHERE NOT EXISTS (
                         SELECT 1 FROM geo_servicearea_categories ac
                         WHERE ac.servicearea_id = area.id)
                 ) AS handled
            WHERE area.id = ANY(%s) AND GeometryType(piece.geom) = 'POLYGON'
            """,
            [SUBDIVIDE_MAX_VERTICES, area_ids],
        )
