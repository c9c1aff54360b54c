"""Import service areas from any vector file GDAL reads.

manage.py import_areas secteurs.gpkg --service-field code_service --name-field libelle
manage.py import_areas proprete.shp --service proprete --categories proprete,objets
"""

from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException, OGRGeomType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from geo.geometry import to_valid_multipolygon
from geo.models import ServiceArea
from geo.services import service_area_create, service_get_or_create
from signals.models import Category

POLYGONAL = {OGRGeomType("Polygon").num, OGRGeomType("MultiPolygon").num}


class Command(BaseCommand):
    help = (
        "Import service areas (polygons) from a GeoJSON, Shapefile, GeoPackage or any GDAL format."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--layer", help="Layer name or index (default: the first layer).")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument(
            "--service", help="Assign every feature to this service slug (created if missing)."
        )
        who.add_argument("--service-field", help="One service per distinct value of this field.")
        parser.add_argument("--name-field", help="Field holding the service's display name.")
        parser.add_argument("--area-name-field", help="Field holding each area's name.")
        parser.add_argument(
            "--categories",
            default="",
            help="Comma-separated category codes handled (default: all).",
        )
        parser.add_argument("--priority", type=int, default=0)
        parser.add_argument("--srid", type=int, help="Source SRID when the file declares none.")
        parser.add_argument(
            "--replace", action="store_true", help="Delete the services' existing areas first."
        )

    def handle(self, *args, **options):
        layer = self._open_layer(options["path"], options["layer"])
        fields = set(layer.fields)
        for option in ("service_field", "name_field", "area_name_field"):
            field = options[option]
            if field and field not in fields:
                known = ", ".join(layer.fields) or "none"
                raise CommandError(
                    f"Unknown field {field!r} in layer {layer.name!r}; its fields are: {known}."
                )
        categories = self._categories(options["categories"])
        source_srs = layer.srs
        if source_srs is None and not options["srid"]:
            raise CommandError(
                "The file declares no coordinate system; give it with --srid (e.g. --srid 2154)."
            )

        rows = []
        skipped = 0
        for feature in layer:
            geom = feature.geom
            if geom is None or geom.geom_type.num not in POLYGONAL:
                skipped += 1
                continue
            if options["srid"]:
                geom.srid = options["srid"]
            geom.transform(4326)
            multi = to_valid_multipolygon(geom.geos)
            if multi is None:
                skipped += 1
                continue
            rows.append((feature, multi))
        if not rows:
            raise CommandError(
                f"Layer {layer.name!r} has no polygon to import ({len(layer)} features read)."
            )

        with transaction.atomic():
            created_areas: dict[str, int] = {}
            replaced: set[int] = set()
            for feature, multi in rows:
                slug, name = self._service_for(feature, options)
                service, created = service_get_or_create(slug=slug, name=name)
                if created:
                    self.stdout.write(f"Created service {service.slug} ({service.name})")
                if options["replace"] and service.pk not in replaced:
                    ServiceArea.objects.filter(service=service).delete()
                    replaced.add(service.pk)
                area_name = (
                    str(feature.get(options["area_name_field"]))
                    if options["area_name_field"]
                    else f"{service.name} {created_areas.get(service.slug, 0) + 1}"
                )
                service_area_create(
                    service=service,
                    name=area_name,
                    geom=multi,
                    categories=categories,
                    priority=options["priority"],
                )
                created_areas[service.slug] = created_areas.get(service.slug, 0) + 1
        for slug, count in sorted(created_areas.items()):
            self.stdout.write(self.style.SUCCESS(f"Imported {count} area(s) for service {slug}"))
        if skipped:
            self.stdout.write(self.style.WARNING(f"Skipped {skipped} feature(s) with no polygon."))

    def _open_layer(self, path: str, layer_key):
        if not Path(path).exists():
            raise CommandError(f"No such file: {path}")
        try:
            source = DataSource(path)
        except GDALException as error:
            raise CommandError(f"GDAL cannot read {path}: {error}") from error
        if source.layer_count == 0:
            raise CommandError(f"{path} has no layer.")
        if layer_key is None:
            return source[0]
        try:
            return source[int(layer_key)] if str(layer_key).isdigit() else source[layer_key]
        except (IndexError, KeyError) as error:
            names = ", ".join(layer.name for layer in source)
            raise CommandError(
                f"No layer {layer_key!r} in {path}; its layers are: {names}."
            ) from error

    def _categories(self, codes: str) -> list[Category]:
        wanted = [code.strip() for code in codes.split(",") if code.strip()]
        found = list(Category.objects.filter(code__in=wanted))
        missing = sorted(set(wanted) - {category.code for category in found})
        if missing:
            raise CommandError(f"Unknown category code(s): {', '.join(missing)}.")
        return found

    def _service_for(self, feature, options) -> tuple[str, str]:
        if options["service"]:
            name = str(feature.get(options["name_field"])) if options["name_field"] else ""
            return options["service"], name
        value = feature.get(options["service_field"])
        if value in (None, ""):
            raise CommandError(
                f"Feature {feature.fid} has no value for {options['service_field']!r}."
            )
        name = str(feature.get(options["name_field"])) if options["name_field"] else str(value)
        return str(value), name
