"""Turning whatever a file or a form gives us into a valid MultiPolygon."""

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon


def polygons_of(geom: GEOSGeometry) -> list[Polygon]:
    """The polygons inside any geometry, collections included; lines and points dropped."""
    if isinstance(geom, Polygon):
        return [] if geom.empty else [geom]
    if geom.geom_type in {"MultiPolygon", "GeometryCollection"}:
        found: list[Polygon] = []
        for part in geom:
            found.extend(polygons_of(part))
        return found
    return []


def to_valid_multipolygon(geom: GEOSGeometry) -> MultiPolygon | None:
    """Repair `geom` (self-intersections, bow ties) and keep its polygonal part.

    Returns None when nothing polygonal is left, so the caller can say which
    feature it could not use instead of storing an empty area.
    """
    srid = geom.srid
    if not geom.valid:
        geom = geom.make_valid()
    polygons = polygons_of(geom)
    if not polygons:
        return None
    multi = MultiPolygon(*polygons, srid=srid)
    if not multi.valid:
        # Adjacent pieces from make_valid can overlap along an edge; a union merges them.
        multi = multi.unary_union
        polygons = polygons_of(multi)
        if not polygons:
            return None
        multi = MultiPolygon(*polygons, srid=srid)
    return multi
