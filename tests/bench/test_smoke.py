"""`make bench` on a few thousand signals: the benchmark code works end to end (no timings)."""

import re

import pytest
from django.db import connection

from bench import city, measure, run
from signals.models import Signal
from workflow.models import StatusChange

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgis://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_the_synthetic_city_has_what_the_spec_asks(settings):
    spec = city.CitySpec(areas=30, huge_areas=1, huge_vertices=2_000, signals=500)
    built = city.ensure_city(spec, log=lambda _: None)
    assert built["cached"] is False
    summary = city.city_summary()
    assert summary["areas"] == 30
    assert summary["max_vertices"] > 2_000
    # Every area is cut into pieces of at most SUBDIVIDE_MAX_VERTICES vertices.
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(ST_NPoints(geom)) FROM geo_serviceareapiece")
        assert cursor.fetchone()[0] <= summary["subdivide_max_vertices"]
        cursor.execute("SELECT count(*) FROM geo_servicearea WHERE NOT ST_IsValid(geom)")
        assert cursor.fetchone()[0] == 0
    assert Signal.objects.count() == 500
    assert Signal.objects.filter(reference__startswith="DMR-").count() == 500
    assert StatusChange.objects.filter(from_state="").count() == 500
    assert Signal.objects.closed().count() > 0 and Signal.objects.open().count() > 0
    assert city.ensure_city(spec, log=lambda _: None)["cached"] is True


def test_the_benchmark_runs_end_to_end_and_writes_its_table(tmp_path):
    out = tmp_path / "RESULTS.md"
    rows = run.run(
        spec=city.SMOKE,
        profile=run.SMOKE,
        database_url=_database_url(),
        port=measure.free_port(),
        out=out,
        log=lambda _: None,
    )
    text = out.read_text()
    measured = {row.key for row in rows if row.ours is not None}
    assert {"routing", "routing_nearest", "routing_huge", "geojson", "tile_z14"} <= measured
    assert {
        "lowzoom_tiles",
        "creation",
        "ogc_deep_page",
        "open311_list",
        "public_list_deep",
        "queue_oldest",
        "queue_deep_page",
        "signal_page",
    } <= measured
    assert "## Machine" in text and "| Routing one point (covers) |" in text
    # The machine's speed at both ends of the run, so that runs can be compared.
    assert re.search(r"Python loop \d+ → \d+ ms, PostgreSQL scan \d+ → \d+ ms", text)
    assert re.search(r"\(steal\)\*\*: \d+\.\d% of the CPU time during the run", text), text
    deep = next(row for row in rows if row.key == "ogc_deep_page")
    assert "the same features both ways: True" in deep.figures
    creation = next(row for row in rows if row.key == "creation")
    # Every report created, over a connection per report and over kept-alive ones.
    assert creation.figures.count("statuses {201: 20}") == 2, creation.figures
    assert "with connections kept alive" in creation.figures
    # The benchmark's own reports are removed: the cached city stays as built.
    assert not Signal.objects.exclude(source=Signal.Source.IMPORT).exists()
