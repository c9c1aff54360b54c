import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from signals.models import Signal

pytestmark = pytest.mark.django_db

HEADER = (
    "ID DECLARATION;TYPE DECLARATION;SOUS TYPE DECLARATION;ADRESSE;CODE POSTAL;VILLE;"
    "ARRONDISSEMENT;DATE DECLARATION;ANNEE DECLARATION;MOIS DECLARATION;NUMERO;PREFIXE;"
    "INTERVENANT;CONSEIL DE QUARTIER;geo_shape;geo_point_2d"
)


def line(
    *,
    type_="Voirie et espace public",
    subtype="Nid de poule",
    date="2021-03-04",
    point="48.857, 2.34",
    number="1",
):
    return f"{number};{type_};{subtype};12 rue de Rivoli;75004;Paris;4;{date};2021;3;{number};G;Voirie;;;{point}"


def run(tmp_path, lines, *args):
    path = tmp_path / "dmr.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    out, err = [], []

    class Sink:
        def __init__(self, store):
            self.store = store

        def write(self, text):
            self.store.append(text)

        def flush(self):
            pass

    call_command(
        "import_dansmarue", str(path), "--no-progress", *args, stdout=Sink(out), stderr=Sink(err)
    )
    return "".join(out), "".join(err)


def test_imports_routes_and_dates_every_line(tmp_path, city):
    out, err = run(
        tmp_path,
        [
            line(number="1"),
            line(point="48.857, 2.36", subtype="Graffiti ou tag", type_="Graffitis", number="2"),
        ],
    )
    assert "2 signal" in out and not err
    imported = Signal.objects.filter(source=Signal.Source.IMPORT).order_by("created_at", "id")
    assert [s.service.slug for s in imported] == ["ouest", "est"]
    assert [s.category.code for s in imported] == ["voirie-nid-de-poule", "graffitis-tag"]
    first = imported[0]
    assert timezone.localdate(first.created_at).isoformat() == "2021-03-04"
    assert first.reference.split("-")[1] == "2021"
    assert first.address == "12 rue de Rivoli, 75004 Paris"
    assert (first.location.x, first.location.y) == (2.34, 48.857)


def test_every_rejected_line_is_reported_and_the_good_ones_imported(tmp_path, city):
    lines = [
        line(number="1"),
        line(subtype="Inconnu", type_="Rien", number="2"),
        line(point="not a point", number="3"),
        line(date="hier", number="4"),
        line(point="10.0, 10.0", number="5"),
        line(number="6"),
    ]
    out, err = run(tmp_path, lines)
    assert "2 " in out and " 4 " in out
    for number in (3, 4, 5, 6):  # line numbers in the file (the header is line 1)
        assert f" {number} :" in err or f"line {number}:" in err
    assert "territ" in err
    assert Signal.objects.filter(source=Signal.Source.IMPORT).count() == 2


def test_strict_imports_nothing_when_a_line_is_rejected(tmp_path, city):
    with pytest.raises(CommandError, match="--strict"):
        run(tmp_path, [line(), line(date="")], "--strict")
    assert not Signal.objects.filter(source=Signal.Source.IMPORT).exists()


def test_dry_run_imports_nothing(tmp_path, city):
    out, _err = run(tmp_path, [line()], "--dry-run")
    assert "Dry run" in out or "Essai" in out
    assert not Signal.objects.filter(source=Signal.Source.IMPORT).exists()


def test_older_headers_and_type_colon_subtype_are_read(tmp_path, city):
    path = tmp_path / "old.csv"
    path.write_text(
        "TYPE;SOUSTYPE;ADRESSE;CODE_POSTAL;VILLE;DATEDECL;geo_point_2d\n"
        "Voirie et espace public;Voirie et espace public:Nid de poule;1 rue X;75001;Paris;04/03/2021;48.857, 2.34\n",
        encoding="utf-8",
    )
    call_command("import_dansmarue", str(path), "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert timezone.localdate(Signal.objects.get(source=Signal.Source.IMPORT).created_at).day == 4


def test_a_file_without_the_needed_columns_is_refused_before_anything(tmp_path, city):
    path = tmp_path / "bad.csv"
    path.write_text("A;B\n1;2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="DATE DECLARATION"):
        call_command("import_dansmarue", str(path), "--no-progress")
    with pytest.raises(CommandError, match=r"absent\.csv"):
        call_command("import_dansmarue", str(tmp_path / "absent.csv"))


def test_export_then_import_round_trips(client, tmp_path, city):
    exported = b"".join(client.get("/opendata/dans-ma-rue.csv").streaming_content)
    path = tmp_path / "export.csv"
    path.write_bytes(exported)
    call_command("import_dansmarue", str(path), "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    imported = Signal.objects.filter(source=Signal.Source.IMPORT)
    assert sorted(s.category.code for s in imported) == sorted(
        s.category.code for s in Signal.objects.exclude(source=Signal.Source.IMPORT)
    )


def test_dansmarue_export_layout(client, city):
    text = b"".join(client.get("/opendata/dans-ma-rue.csv").streaming_content).decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header == HEADER
    cells = first.split(";")
    reference = city["old"].reference
    assert cells[0] == reference
    assert cells[1:4] == [
        "Voirie et espace public",
        "Nid de poule",
        "12 rue de Rivoli, 75004 Paris",
    ]
    assert cells[4:7] == ["75004", "Paris", "4"]
    assert cells[10] == str(int(reference.rsplit("-", 1)[1])) and cells[11] == "DMR"
    assert cells[12] == "Voirie Ouest"
    assert cells[-1] == "48.857, 2.34"
