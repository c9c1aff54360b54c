"""Why a figure misses its target and what would fix it: written after reading RESULTS.md.

`bench/run.py` copies the entry of each missed (or unmeasured) row into RESULTS.md.
"""

NOTES: dict[str, str] = {
    "routing_nearest": """
The pieces are indexed on (category_key, geom) through `btree_gist`, one copy per category an
area lists, so the search only meets pieces of areas that can take the report (it used to walk
~230 pieces of other services' sectors before finding 32 of the right category). The search
is exact rather than "the 32 nearest in degrees": a KNN walk for the nearest piece bounds the
distance, and a box search finds every piece within the bound; only the best are measured on
the spheroid. A key no area lists (here, every sub-type: areas list types) is skipped through
the category list's index. Both routing statements are prepared with generic plans, which
takes their planning (0.3-1 ms) off every report. The raw lower bound is the whole lookup for
a point outside every area, as one statement: the covering test that finds nothing, then the
nearest search (ours runs them as two prepared statements, since the covering test alone
answers almost every report, and one combined statement made that common case slower). If
this row misses, look at the machine's load first: the database-side figure is that
statement's execution alone.
""",
    "tile_z14": """
A z14 tile renders in 20-45 ms inside PostgreSQL (about 1,200 open or recently closed
signals found through the partial GiST index `signal_open_location`); an earlier run of this
same benchmark measured 68 ms p50 over HTTP. This run's 177 ms was taken while the machine's
load average was 6-8 on two cores (other test suites running), which the cached column (18 ms
for a cache hit) shows too. Fix if it holds on an idle machine: keep the hottest tiles warm
after a write (re-render the tiles around the changed signal instead of dropping them all).
""",
    "lowzoom_tiles": """
This met its target on the faster machine of the run before (245 ms) and misses on a slower
one (about 440 ms where the bare Django view answered ~820/s instead of 1,387/s). A z11 cluster tile reads every open or recently closed signal under it (~10,000 rows, one
random heap read each: the GiST index cannot answer alone), and groups them on the tile's
64-pixel grid. Most of its former 740 ms were spent by PostgreSQL's JIT compiler, triggered by
`ST_AsMVTGeom`'s declared cost: tiles now run with `SET LOCAL jit = off`. Cached tiles cost a
few milliseconds. Fix for the rest: build low-zoom cluster tiles from the pre-aggregated map
cells (`signals.mapcells`, as the aggregates endpoint now does), which needs two finer levels
(z15-z16 cells) than it keeps today, plus the recently closed signals from `closed_at`.
The public map itself uses the aggregates endpoint, which meets its target.
""",
    "lowzoom_aggregates": """
The aggregates endpoint reads pre-aggregated counts (`signals.mapcells`: per zoom 8-14, cell,
category and status, kept by a trigger in the same transaction as each write). If this row
misses, the fold of pending changes is the suspect: it runs every 200 writes of a worker.
""",
    "creation": """
What a report costs now: Django's connection health check (`SELECT 1`), the routing query
(`ST_Covers` on the subdivided pieces, prepared) and ONE prepared statement —
`WITH number AS (nextval), created AS (INSERT signal ... RETURNING id, reference) INSERT
history` (signals/services.py), its columns taken from the models — run in autocommit: a
single statement is a transaction of its own, so a report without photos sends no BEGIN and
no COMMIT (with photos, the files and rows still share one transaction). Three round trips
per report where there were five; each costs this machine ~0.1 ms of client CPU and about as
much in PostgreSQL (`bench/calibration.py`'s round trip). The statement is planned once per
connection (`config.prepared`), and a report writes five index entries fewer: no
`varchar_pattern_ops` index on the unique reference (no query uses LIKE on it), and partial
indexes on the history's optional links (`actor`, `duplicate_of`, `from/to_service`), which a
first history row leaves empty.
Measured before landing (#6, third session), interleaved on one bench city while two other
benchmarks ran (load average 2.4-3.8): the old code reached 1/4.4, 1/3.6 and 1/4.5 of the
bare view's rate, the new 1/3.2, 1/3.2 and 1/1.9; in one process, `signal_create`'s client
CPU went from 2.4-2.8 ms to 1.6-2.1 ms and PostgreSQL's from 2.0 ms to 1.3-1.7 ms.
Earlier work, still in place: the category comes from each process's copy of the table, the
answer is written out without a serializer's fields, and the input serializer's fields are
shallow copies (DRF deep-copied them per report: ~9 % of a worker's samples).
What is left, measured in one process: with the service stubbed out, DRF's request cycle,
validation and answer cost ~1.7 ms of CPU more than the bare view (0.8 ms), spread thinly
(validation ~20 %, content negotiation, authentication, the answer); the service ~1.6-2 ms
(routing 0.35 ms). gunicorn runs 2 workers × 4 threads (`config/gunicorn.conf.py`); the load
generator (Python threads, ~0.7 ms of CPU per request) shares the same two cores.
Not adopted: `commit_delay` (a WAL flush costs ~0.25 ms on this disk, concurrent commits
already share flushes, and on a CPU-bound machine a delay only adds latency);
`synchronous_commit = off` (a crash would lose reports already answered 201,
tests/security/test_database_outage.py); dropping Django's connection health check (it is
what lets a worker find the database again by itself after an outage). A machine where
PostgreSQL has its own cores does better still.
""",
    "export_geojson": """
PostgreSQL writes each Feature (`json_build_object`, `ST_AsGeoJSON`, one line per signal
through `COPY ... TO STDOUT`) and Python only joins lines into 64 kB chunks; what remains is
PostgreSQL building a million JSON objects and sorting them by date, on a core it shares with
the worker and the client. Fix if needed: a nightly dump served as a static file (what
open-data portals do for a complete download), or an index on (created_at, id) once the data
is physically in date order (a real city's is; the synthetic one is not).
""",
    "export_csv": """
PostgreSQL writes the file (`COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)`, dates formatted
by `to_char` in the city's time zone) and Python only forwards bytes in 64 kB chunks: the rate
is PostgreSQL's formatting and sort of a million rows on a core shared with the worker and the
client. Fix if needed: a nightly dump served as a static file.
""",
    "queue_oldest": """
At the database the queue met its target on the faster machine of the run before (37 ms) and
misses it on a slower one (about 70 ms in runs where the bare Django view answered ~820/s
instead of 1,387/s). The page is read off the partial index
`signal_queue_open` (or `signal_queue_open_followed` for "most followed first", whose count
a trigger keeps on the signal) and stops after 51 rows, under a millisecond; the counts per
status are an index-only scan of `signal_queue_counts` over the service's 174,000 signals
(~35 ms on the quiet machine, the bulk of the SQL column; it needs the visibility map
current, which autovacuum keeps so). The counts no longer join the categories: the join
served only the rows' overdue flag, and an index-only count has no use for it.
End to end, the page's fixed cost was ~31 ms on top of a 37 ms query (1.85× at the last
quiet run). Issue #6 cut it without changing what the agent sees (the HTML, parsed,
compared on 36 pages of this city: sorts, filters, pages, errors, an agent and a superuser,
French and English): 7 queries instead of 12 (`staff_access` reads the agent's services and
role once for the access check, the filter form and the visibility rule; the category's ids
are resolved once for the page and its counts); the 50 table rows built with `format_html`
(`workflow/queue_table.py`, as the admin's change list does) from only the columns they
show, where the template resolved some twenty lookups, filters and tags per row
(`get_status_display` alone rebuilt the status choices every time); the select lists
written in Python (`PlainSelect`), not a template per option. In process, the template went
from ~25 ms to ~4.5 ms, and the Django process's CPU per request was halved (fastest of 60:
53-62 ms before, 29-31 ms after, under load 6; the Python function calls from 141,000 to
73,000). tests/workflow/test_queue_page_cost.py pins the 7 queries. Measured while other
benchmarks ran (load 4-7), page and SQL interleaved request by request, the gap between
them went from 53-125 ms to 34-58 ms; the ratios of such runs swing between 0.8× and 2×
with the load, so the quiet full run is the figure to judge. What remains: session and user
(two queries), the agent's services, the filter's categories and the chosen category's ids
(three small queries), 50 rows and the rest of the template. Next step if the ratio still
misses: count closed statuses less often than open ones (a per-service counter kept like
the map cells), which takes most of the 35 ms away from both columns: the page gets faster,
the ratio harder.
""",
    "_general": """
Everything runs on one machine: PostgreSQL, gunicorn's two workers and the load generator
(Python threads) share its two cores. Nothing else ran during this run, but the load average
above says how quiet the machine really was; absolute figures move with it, the side-by-side
ratios much less. A server where PostgreSQL has cores of its own does better on every HTTP row.
The machine's speed is measured at both ends of the run on fixed workloads
(`bench/calibration.py`: a Python loop, a PostgreSQL scan, a query's round trip); compare
those before comparing two runs' absolute figures.

`make bench` rebuilds nothing when the cached city matches its spec; the first run builds it
in about two minutes (bulk `INSERT ... SELECT generate_series`, secondary indexes dropped and
rebuilt around the insert, areas subdivided by `geo.services.service_areas_index`).
""",
}

# Both queue rows share one analysis.
NOTES["queue_followed"] = NOTES["queue_oldest"]
