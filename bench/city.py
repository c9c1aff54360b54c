"""A synthetic city, built in PostgreSQL with set-based SQL (no Python per row).

- Service areas: each of the fixture's category types gets its own service,
  which cuts the city into Voronoi cells densified to a realistic number of
  vertices; a few "huge" areas of hundreds of thousands of vertices (a
  hand-digitised district boundary) serve one extra category of their own, so
  routing against them can be compared with routing against simple cells.
  Areas are cut into pieces by `geo.services.service_areas_index`, the same
  code that imports use.
- Signals spread over five years: old ones are mostly closed, recent ones
  open; each has its history rows (new → accepted → final state).

The build is recorded in `bench_dataset`; a second run with the same spec
reuses it (`ensure_city`), so only the first `make bench` pays for it.
"""

import json
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection, transaction

from geo.services import SUBDIVIDE_MAX_VERTICES, service_areas_index
from signals import mapcells
from signals.demo import DESCRIPTIONS, load_categories
from workflow import queue_counts

# Bumped whenever the generated data changes shape: the cached city is rebuilt.
GENERATOR_VERSION = 4

# The city: an ellipse about the size of Paris inside its ring road.
CENTER = (2.3488, 48.8566)
SEMI_AXES = (0.118, 0.044)  # degrees lon, lat: ~17 km × ~10 km
HUGE_CATEGORY = "bench-grands-secteurs"
HUGE_LEAF = "bench-grands-secteurs-limite"


@dataclass(frozen=True)
class CitySpec:
    areas: int = 10_000
    huge_areas: int = 4
    huge_vertices: int = 500_000
    signals: int = 1_000_000
    years: int = 5
    seed: float = 0.2026

    def key(self) -> str:
        return json.dumps({**asdict(self), "generator": GENERATOR_VERSION}, sort_keys=True)


FULL = CitySpec()
SMOKE = CitySpec(areas=60, huge_areas=2, huge_vertices=3_000, signals=3_000)


def _sql(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def current_key() -> str | None:
    _sql(
        "CREATE TABLE IF NOT EXISTS bench_dataset ("
        " id int PRIMARY KEY, spec text NOT NULL, built_at timestamptz NOT NULL,"
        " seconds float NOT NULL)"
    )
    return _scalar("SELECT spec FROM bench_dataset WHERE id = 1")


def ensure_city(spec: CitySpec, log=print) -> dict:
    """Build the city unless the database already holds this exact one."""
    if (
        current_key() == spec.key()
        and _scalar("SELECT count(*) FROM signals_signal WHERE source = 'import'") == spec.signals
    ):
        log("city: cached")
        return {"cached": True, **timings_recorded()}
    return build_city(spec, log=log)


def timings_recorded() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT built_at, seconds FROM bench_dataset WHERE id = 1")
        built_at, seconds = cursor.fetchone()
    return {"built_at": built_at.isoformat(), "seconds": seconds}


def build_city(spec: CitySpec, log=print) -> dict:
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(name, fn):
        t0 = time.perf_counter()
        fn()
        steps[name] = round(time.perf_counter() - t0, 1)
        log(f"city: {name} {steps[name]} s")

    step("wipe", _wipe)
    step("categories", _categories)
    step("areas", lambda: _areas(spec))
    step("pieces", _pieces)
    step("signals", lambda: _signals(spec))
    # VACUUM as well: a bulk-loaded table has no visibility map yet, so index-only scans
    # (the queue's counts) would visit the heap until autovacuum comes by.
    step("vacuum", lambda: _sql("VACUUM (ANALYZE)"))
    # And a checkpoint: else the load's gigabyte of dirty pages is written back while the
    # first run measures (spread over checkpoint_timeout, about the length of a run).
    step("checkpoint", lambda: _sql("CHECKPOINT"))
    seconds = round(time.perf_counter() - started, 1)
    _sql(
        "INSERT INTO bench_dataset (id, spec, built_at, seconds) VALUES (1, %s, now(), %s)"
        " ON CONFLICT (id) DO UPDATE SET spec = EXCLUDED.spec, built_at = now(),"
        " seconds = EXCLUDED.seconds",
        [spec.key(), seconds],
    )
    return {"cached": False, "seconds": seconds, "steps": steps}


def _wipe() -> None:
    # The bench database is the benchmark's alone: start from empty tables.
    _sql("DELETE FROM bench_dataset")
    tables = [
        "workflow_statuschange",
        "signals_photo",
        "signals_follower",
        "signals_signal",
        "geo_serviceareapiece",
        "geo_servicearea_categories",
        "geo_servicearea",
    ]
    existing = [t for t in tables if t in connection.introspection.table_names()]
    _sql(f"TRUNCATE {', '.join(existing)} CASCADE")


def _categories() -> None:
    load_categories()
    _sql(
        """
        INSERT INTO signals_category
            (code, name, parent_id, icon, description, service_level_days, is_active, position)
        VALUES (%s, 'Grands secteurs (benchmark)', NULL, '', '', 7, true, 99)
        ON CONFLICT (code) DO NOTHING
        """,
        [HUGE_CATEGORY],
    )
    _sql(
        """
        INSERT INTO signals_category
            (code, name, parent_id, icon, description, service_level_days, is_active, position)
        SELECT %s, 'Limite détaillée (benchmark)', id, '', '', 7, true, 0
        FROM signals_category WHERE code = %s
        ON CONFLICT (code) DO NOTHING
        """,
        [HUGE_LEAF, HUGE_CATEGORY],
    )
    # One service per category type, handling that type (and so its sub-types).
    _sql(
        """
        INSERT INTO geo_service (name, slug, email, is_active)
        SELECT 'Service ' || name, 'bench-' || code, 'bench-' || code || '@ville.example', true
        FROM signals_category WHERE parent_id IS NULL
        ON CONFLICT (slug) DO NOTHING
        """
    )


def _ellipse(points: int = 720) -> str:
    """The city's outline as a WKT-free SQL expression (a densified ellipse)."""
    (cx, cy), (ax, ay) = CENTER, SEMI_AXES
    return f"""(SELECT ST_MakePolygon(ST_MakeLine(array_agg(
            ST_MakePoint({cx} + {ax} * cos(2 * pi() * k / {points}),
                         {cy} + {ay} * sin(2 * pi() * k / {points})) ORDER BY k)))
        FROM generate_series(0, {points}) AS k)"""


def _areas(spec: CitySpec) -> None:
    _sql("SELECT setseed(%s)", [spec.seed])
    types = _scalar(
        "SELECT count(*) FROM signals_category WHERE parent_id IS NULL AND code <> %s",
        [HUGE_CATEGORY],
    )
    per_type = max(1, (spec.areas - spec.huge_areas) // types)
    remainder = spec.areas - spec.huge_areas - per_type * types
    # Voronoi cells of random seeds, clipped to the city, then densified so a
    # cell has ~100-250 vertices like a digitised sector (one in fifty ~1,000).
    _sql(
        f"""
        WITH city AS (SELECT {_ellipse()} AS outline),
        kinds AS (
            SELECT c.id AS category_id, s.id AS service_id, c.code,
                   row_number() OVER (ORDER BY c.code) AS n
            FROM signals_category c JOIN geo_service s ON s.slug = 'bench-' || c.code
            WHERE c.parent_id IS NULL AND c.code <> %(huge)s
        ),
        seeds AS (
            SELECT k.category_id, k.service_id, k.code,
                   ST_Collect(ST_MakePoint(
                       {CENTER[0]} + {SEMI_AXES[0]} * sqrt(random()) * cos(a),
                       {CENTER[1]} + {SEMI_AXES[1]} * sqrt(random()) * sin(a))) AS pts
            FROM kinds k,
                 LATERAL (SELECT 2 * pi() * random() AS a, g
                          FROM generate_series(1, %(per)s + CASE WHEN k.n <= %(rem)s THEN 1 ELSE 0 END) g
                          WHERE k.n > 0) r
            GROUP BY k.category_id, k.service_id, k.code
        ),
        cells AS (
            SELECT s.category_id, s.service_id, s.code, (ST_Dump(ST_VoronoiPolygons(s.pts))).geom AS cell
            FROM seeds s
        ),
        clipped AS (
            SELECT category_id, service_id, code,
                   row_number() OVER (PARTITION BY service_id) AS i,
                   ST_CollectionExtract(ST_Intersection(cell, city.outline), 3) AS geom
            FROM cells, city
        ),
        inserted AS (
            INSERT INTO geo_servicearea (service_id, name, geom, priority, area_m2, created_at, updated_at)
            SELECT service_id, 'Secteur ' || code || ' ' || i,
                   -- Vertex density only (not a distance): ~1e-4 degree is ~8-11 m here.
                   ST_Multi(ST_Segmentize(geom, CASE WHEN i %% 50 = 0 THEN 0.00002 ELSE 0.0001 END)),
                   0, 0, now(), now()
            FROM clipped WHERE NOT ST_IsEmpty(geom)
            RETURNING id, service_id
        )
        INSERT INTO geo_servicearea_categories (servicearea_id, category_id)
        SELECT inserted.id, k.category_id FROM inserted JOIN kinds k USING (service_id)
        """,
        {"huge": HUGE_CATEGORY, "per": per_type, "rem": remainder},
    )
    # Huge areas: star-shaped boundaries (always simple polygons) with a rugged
    # edge of `huge_vertices` vertices, one per quadrant of the city.
    n = spec.huge_vertices
    _sql(
        f"""
        WITH service AS (SELECT id FROM geo_service WHERE slug = 'bench-' || %(huge)s),
        category AS (SELECT id FROM signals_category WHERE code = %(huge)s),
        shapes AS (
            SELECT q,
                   {CENTER[0]} + {SEMI_AXES[0]} * 0.5 * cos(pi() / 4 + q * pi() / 2) AS cx,
                   {CENTER[1]} + {SEMI_AXES[1]} * 0.5 * sin(pi() / 4 + q * pi() / 2) AS cy
            FROM generate_series(0, %(count)s - 1) AS q
        ),
        lines AS (
            SELECT q, ST_MakeLine(array_agg(ST_MakePoint(
                cx + 0.045 * r * cos(t), cy + 0.017 * r * sin(t)) ORDER BY k)) AS line
            FROM shapes,
                 LATERAL (SELECT k, 2 * pi() * k / %(n)s AS t FROM generate_series(0, %(n)s - 1) k) s,
                 -- Smooth at every scale, like a digitised boundary (per-vertex noise
                 -- would make ST_Subdivide cut it into 100,000 slivers).
                 LATERAL (SELECT 1 + 0.05 * sin(37 * t) + 0.02 * sin(411 * t)
                                 + 0.003 * sin(2903 * t) + 0.001 * sin(17011 * t) AS r) rr
            GROUP BY q
        ),
        rings AS (SELECT q, ST_MakePolygon(ST_AddPoint(line, ST_StartPoint(line))) AS geom FROM lines),
        inserted AS (
            INSERT INTO geo_servicearea (service_id, name, geom, priority, area_m2, created_at, updated_at)
            SELECT service.id, 'Grand secteur ' || q, ST_Multi(geom), 0, 0, now(), now()
            FROM rings, service
            RETURNING id
        )
        INSERT INTO geo_servicearea_categories (servicearea_id, category_id)
        SELECT inserted.id, category.id FROM inserted, category
        """,
        {"huge": HUGE_CATEGORY, "count": spec.huge_areas, "n": n},
    )


def _pieces() -> None:
    ids = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM geo_servicearea ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    service_areas_index(area_ids=ids)


# Final state, share among signals older than 60 days, share among younger ones.
STATUSES = [
    ("new", 0.0, 0.25),
    ("accepted", 0.01, 0.25),
    ("scheduled", 0.005, 0.1),
    ("in_progress", 0.005, 0.1),
    ("on_hold", 0.01, 0.05),
    ("resolved", 0.85, 0.18),
    ("rejected", 0.08, 0.05),
    ("duplicate", 0.04, 0.02),
]
CLOSED = ("resolved", "rejected", "duplicate")


def _cumulative(column: int) -> list[tuple[str, float]]:
    total, out = 0.0, []
    for row in STATUSES:
        total += row[column]
        out.append((row[0], total))
    return out


def _status_case(draw: str, column: int) -> str:
    cases = " ".join(
        f"WHEN {draw} < {bound:.4f} THEN '{name}'" for name, bound in _cumulative(column)[:-1]
    )
    return f"CASE {cases} ELSE '{STATUSES[-1][0]}' END"


SIGNAL_COLUMNS = {
    "id", "uuid", "reference", "category_id", "description", "location", "address",
    "reporter_email", "service_id", "routing_method", "routing_distance_m", "status", "source",
    "created_at", "updated_at", "closed_at", "version",
}  # fmt: skip
HISTORY_COLUMNS = {
    "id", "signal_id", "from_state", "to_state", "actor_id", "message", "note", "created_at",
}  # fmt: skip
EMPTY_BY_TYPE = {
    "character varying": "''",
    "text": "''",
    "boolean": "false",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "double precision": "0",
    "jsonb": "'{}'::jsonb",
    "timestamp with time zone": "now()",
}


def extra_columns(table: str, known: set[str]) -> tuple[str, str]:
    """(", col, ...", ", value, ...") for the required columns that other apps add later.

    Django gives NOT NULL columns no database default; a new one would break
    the bulk insert, so it gets the empty value of its type, as a blank field would.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
            ORDER BY ordinal_position
            """,
            [table],
        )
        extra = [(name, kind) for name, kind in cursor.fetchall() if name not in known]
    names = "".join(f", {name}" for name, _ in extra)
    values = "".join(f", {EMPTY_BY_TYPE.get(kind, 'DEFAULT')}" for _, kind in extra)
    return names, values


def _signals(spec: CitySpec) -> None:
    _sql("SELECT setseed(%s)", [spec.seed])
    descriptions = [text for texts in DESCRIPTIONS.values() for text in texts]
    (cx, cy), (ax, ay) = CENTER, SEMI_AXES
    # Secondary indexes are dropped and rebuilt around the bulk insert: one
    # sorted build is several times faster than a million index insertions.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique
            """,
            ["signals_signal"],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique
            """,
            ["workflow_statuschange"],
        )
        indexes += cursor.fetchall()
    for name, _definition in indexes:
        _sql(f'DROP INDEX "{name}"')
    _sql("SET maintenance_work_mem = '512MB'")
    # The map cells' trigger would append seven rows per signal: counted once at the end.
    _sql("ALTER TABLE signals_signal DISABLE TRIGGER signals_mapcell_insert_delete")
    # Likewise the queue's counts: one change row per signal, recounted at the end.
    _sql("ALTER TABLE signals_signal DISABLE TRIGGER workflow_queuecount_insert_delete")
    # Django's foreign keys are deferred: checked at once, so the rebuilt
    # indexes do not meet pending trigger events inside a transaction.
    _sql("SET CONSTRAINTS ALL IMMEDIATE")
    _sql(
        f"""
        WITH leaves AS (
            SELECT array_agg(c.id ORDER BY c.id) AS ids, array_agg(s.id ORDER BY c.id) AS services
            FROM signals_category c
            JOIN signals_category p ON p.id = c.parent_id
            JOIN geo_service s ON s.slug = 'bench-' || p.code
            WHERE p.code <> %(huge)s
        ),
        drawn AS (
            SELECT g,
                   now() - make_interval(secs => random() * %(years)s * 365.25 * 86400) AS created_at,
                   random() AS status_draw, random() AS leaf_draw, random() AS r, 2 * pi() * random() AS a,
                   random() AS delay_draw, random() AS text_draw, random() AS email_draw,
                   nextval('signals_reference_seq') AS number
            FROM generate_series(1, %(signals)s) AS g
        ),
        shaped AS (
            SELECT d.*,
                   CASE WHEN d.created_at < now() - interval '60 days'
                        THEN {_status_case("d.status_draw", 1)}
                        ELSE {_status_case("d.status_draw", 2)} END AS status,
                   1 + floor(d.leaf_draw * cardinality(leaves.ids))::int AS leaf,
                   leaves.ids, leaves.services
            FROM drawn d, leaves
        )
        INSERT INTO signals_signal (
            uuid, reference, category_id, description, location, address, reporter_email,
            service_id, routing_method, routing_distance_m, status, source,
            created_at, updated_at, closed_at, version{extra_columns("signals_signal", SIGNAL_COLUMNS)[0]})
        SELECT gen_random_uuid(),
               -- As signals.references: at least six digits, never truncated.
               %(prefix)s || '-' || extract(year FROM created_at)::int || '-'
                   || lpad(number::text, greatest(6, length(number::text)), '0'),
               ids[leaf],
               (%(descriptions)s::text[])[1 + floor(text_draw * %(ndesc)s)::int],
               ST_SetSRID(ST_MakePoint({cx} + {ax} * sqrt(r) * cos(a), {cy} + {ay} * sqrt(r) * sin(a)), 4326),
               '',
               CASE WHEN email_draw < 0.3 THEN 'resident' || g || '@example.org' ELSE '' END,
               services[leaf], 'covers', NULL, status, 'import',
               created_at,
               CASE WHEN status = 'new' THEN created_at
                    ELSE least(now(), created_at + make_interval(secs => delay_draw * 20 * 86400)) END,
               CASE WHEN status IN {CLOSED!r}
                    THEN least(now(), created_at + make_interval(secs => delay_draw * 20 * 86400)) END,
               CASE WHEN status = 'new' THEN 1 WHEN status IN ('accepted', 'rejected') THEN 2 ELSE 3 END
               {extra_columns("signals_signal", SIGNAL_COLUMNS)[1]}
        FROM shaped
        """,
        {
            "huge": HUGE_CATEGORY,
            "prefix": settings.SIGNAL_REFERENCE_PREFIX,
            "years": spec.years,
            "signals": spec.signals,
            "descriptions": descriptions,
            "ndesc": len(descriptions),
        },
    )
    # History: creation, acceptance (for those that went past "new"), final move.
    names, values = extra_columns("workflow_statuschange", HISTORY_COLUMNS)
    _sql(
        f"""
        INSERT INTO workflow_statuschange
            (signal_id, from_state, to_state, actor_id, message, note, created_at{names})
        SELECT h.*{values} FROM (
            SELECT id, '' AS from_state, 'new' AS to_state, NULL::integer AS actor_id,
                   '' AS message, '' AS note, created_at
            FROM signals_signal WHERE source = 'import'
            UNION ALL
            SELECT id, 'new', CASE WHEN status = 'rejected' THEN 'rejected' ELSE 'accepted' END,
                   NULL, 'Votre signalement a été pris en compte.', 'note interne',
                   created_at + (updated_at - created_at) / 3
            FROM signals_signal WHERE source = 'import' AND status <> 'new'
            UNION ALL
            SELECT id, 'accepted', status, NULL, '', '', updated_at
            FROM signals_signal
            WHERE source = 'import' AND status NOT IN ('new', 'accepted', 'rejected')
        ) AS h
        """
    )
    for _name, definition in indexes:
        _sql(definition)
    _sql("ALTER TABLE signals_signal ENABLE TRIGGER signals_mapcell_insert_delete")
    _sql("ALTER TABLE signals_signal ENABLE TRIGGER workflow_queuecount_insert_delete")
    mapcells.rebuild()
    queue_counts.rebuild()


def city_summary() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM geo_servicearea),
                   (SELECT count(*) FROM geo_serviceareapiece),
                   (SELECT max(ST_NPoints(geom)) FROM geo_servicearea),
                   (SELECT count(*) FROM geo_servicearea WHERE ST_NPoints(geom) >= 100000),
                   (SELECT count(*) FROM signals_signal),
                   (SELECT count(*) FROM workflow_statuschange),
                   (SELECT count(*) FROM signals_signal WHERE status IN ('resolved', 'rejected', 'duplicate')),
                   (SELECT min(created_at)::date || ' – ' || max(created_at)::date FROM signals_signal),
                   pg_size_pretty(pg_database_size(current_database()))
            """
        )
        row = cursor.fetchone()
    keys = [
        "areas",
        "pieces",
        "max_vertices",
        "huge_areas",
        "signals",
        "history_rows",
        "closed",
        "period",
        "db_size",
    ]
    return dict(zip(keys, row, strict=True)) | {"subdivide_max_vertices": SUBDIVIDE_MAX_VERTICES}


def build_in_transaction(spec: CitySpec, log=print) -> dict:
    with transaction.atomic():
        return ensure_city(spec, log=log)
