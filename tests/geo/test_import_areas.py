"""`import_areas` on real files written and converted by GDAL's own tools."""

import json
import subprocess
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from geo.models import Service, ServiceArea
from geo.routing import OutsideTerritory, service_for_point
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def square(lon, lat, size=0.01):
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(coords, geom_type="Polygon", **props):
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": geom_type, "coordinates": coords},
    }


@pytest.fixture
def sectors(tmp_path):
    return write_geojson(
        tmp_path / "secteurs.geojson",
        [
            feature(square(2.33, 48.85), code="proprete-ouest", libelle="Propreté Ouest"),
            feature(square(2.34, 48.85), code="proprete-est", libelle="Propreté Est"),
            feature(square(2.35, 48.85), code="proprete-est", libelle="Propreté Est"),
        ],
    )


def run(*args) -> str:
    out = StringIO()
    call_command("import_areas", *map(str, args), stdout=out)
    return out.getvalue()


def test_every_feature_to_one_service(sectors):
    output = run(sectors, "--service", "proprete")
    assert Service.objects.get(slug="proprete").areas.count() == 3
    assert "Created service proprete" in output
    assert "Imported 3 area(s) for service proprete" in output


def test_one_service_per_value_of_a_field_with_its_display_name(sectors):
    run(sectors, "--service-field", "code", "--name-field", "libelle")
    services = {s.slug: (s.name, s.areas.count()) for s in Service.objects.all()}
    assert services == {
        "proprete-ouest": ("Propreté Ouest", 1),
        "proprete-est": ("Propreté Est", 2),
    }


def test_categories_restrict_what_the_areas_handle(sectors):
    handled, other = CategoryFactory(code="depot"), CategoryFactory(code="tag")
    run(sectors, "--service", "proprete", "--categories", "depot")
    assert set(ServiceArea.objects.values_list("categories__code", flat=True)) == {"depot"}
    point = Point(2.335, 48.855, srid=4326)
    assert service_for_point(point=point, category=handled).service.slug == "proprete"
    with pytest.raises(OutsideTerritory):
        service_for_point(point=point, category=other)


def test_a_lambert93_geopackage_is_reprojected(tmp_path, sectors):
    gpkg = tmp_path / "secteurs.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:2154", str(gpkg), str(sectors)], check=True
    )
    run(gpkg, "--service-field", "code")
    category = CategoryFactory()
    route = service_for_point(point=Point(2.355, 48.855, srid=4326), category=category)
    assert route.service.slug == "proprete-est"
    assert route.method == "covers"
    area = ServiceArea.objects.filter(service__slug="proprete-ouest").get()
    assert area.geom.srid == 4326
    assert area.geom.extent == pytest.approx((2.33, 48.85, 2.34, 48.86), abs=1e-6)


def test_a_shapefile_is_read(tmp_path, sectors):
    shp = tmp_path / "secteurs.shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(shp), str(sectors)], check=True)
    run(shp, "--service", "voirie")
    assert ServiceArea.objects.filter(service__slug="voirie").count() == 3


def test_an_invalid_bow_tie_is_repaired(tmp_path):
    bow_tie = [[[2.33, 48.85], [2.34, 48.86], [2.34, 48.85], [2.33, 48.86], [2.33, 48.85]]]
    path = write_geojson(tmp_path / "bad.geojson", [feature(bow_tie)])
    run(path, "--service", "voirie")
    area = ServiceArea.objects.get()
    assert area.geom.valid
    assert area.geom.area == pytest.approx(0.00005, rel=0.01)  # both triangles kept


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="No such file"):
        run("/nonexistent/secteurs.geojson", "--service", "voirie")


def test_an_unknown_field_names_the_fields_and_imports_nothing(sectors):
    with pytest.raises(CommandError, match=r"Unknown field 'service'.*code, libelle"):
        run(sectors, "--service-field", "service")
    assert not ServiceArea.objects.exists()
    assert not Service.objects.exists()


def test_a_layer_of_points_has_no_polygon(tmp_path):
    path = write_geojson(tmp_path / "points.geojson", [feature([2.33, 48.85], "Point")])
    with pytest.raises(CommandError, match="no polygon"):
        run(path, "--service", "voirie")
    assert not Service.objects.exists()


def test_an_unknown_category_is_refused(sectors):
    with pytest.raises(CommandError, match="Unknown category code"):
        run(sectors, "--service", "voirie", "--categories", "nope")


def test_a_failure_midway_leaves_no_partial_import(tmp_path):
    path = write_geojson(
        tmp_path / "half.geojson",
        [feature(square(2.33, 48.85), code="a"), feature(square(2.34, 48.85), code="")],
    )
    with pytest.raises(CommandError, match="no value for 'code'"):
        run(path, "--service-field", "code")
    assert not ServiceArea.objects.exists()
    assert not Service.objects.exists()


def test_replace_swaps_a_services_areas(sectors):
    run(sectors, "--service", "proprete")
    run(sectors, "--service", "proprete", "--replace")
    assert ServiceArea.objects.filter(service__slug="proprete").count() == 3
