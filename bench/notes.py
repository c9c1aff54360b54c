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
A z11 cluster tile used to read every open or recently closed signal under it through the
partial GiST index (48,700 of them for the centre tile of the bench city), one random heap
read and one `ST_Transform` each, and group them on the tile's 64-pixel grid: 365-570 ms for
the three tiles. Most of an even earlier 740 ms was PostgreSQL's JIT compiler, triggered by
`ST_AsMVTGeom`'s declared cost (tiles run with `SET LOCAL jit = off`). Now the 64 × 64 cells
of a zoom-z tile are read as what they are, the web-mercator tiles of zoom z + 6: each signal
stores its zoom-19 tile as a quadtree key (`Signal.tile_key`, a generated column, x and y bits
interleaved), so a tile's signals are one range of keys and a cell's the key's top bits. The
open ones come from a partial btree index on the key, the recently closed ones from the
`closed_at` index carrying the key and the status: two index-only scans, no heap read, no
projection (the centre tile: 44,100 + 4,600 index entries, 18 ms in the database). Parallel
workers are off for cluster tiles (their start-up cost 27 ms against 18 ms a tile). Measured
interleaved with the old code on the same bench city (load average 2.8-3.6, two cores shared
with other work): 83-112 ms p50 for the three tiles over HTTP against 425-567 ms; cached ~12 ms
either way (the cached column misses its 10 ms under that load with or without this change).
Every z0-z13 tile over the bench city (45 holding signals, 182 with their empty neighbours)
decodes to the same cells, counts and open counts as before. The price: the key's computation (a PL/pgSQL
function, ~30 µs a statement) and one entry in a small partial index per report, +45 µs on the
INSERT alone (pgbench, one client, `synchronous_commit = off`: 0.444 → 0.489 ms); a closing
writes the wider `closed_at` entry it wrote before. The index-only scans need a current
visibility map: the bench city is vacuumed after its bulk load, migration 0015 vacuums after
0014's rewrite, and autovacuum keeps it afterwards.
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
Where the CPU goes, measured from /proc during 2,000 reports on a fast host (#6, ninth
session; Python calibration 35-46 ms): 5.3 ms of CPU per report in all, of which the
gunicorn workers 3.6 ms (1.0 ms for the bare view), PostgreSQL 1.2 ms, the load generator
0.4 ms. Two cores give 2 × 1000 / 5.3 ≈ 380 reports/s at full use: the target sits at
about 80 % of that, so host noise decides it. The same code measured 294/s, 333/s, 383/s,
401/s and 407/s in runs minutes apart. With connections kept alive, as behind a reverse proxy
that reuses them (config/gunicorn.conf.py), it reached 447-481/s (bare view 2,000-2,200/s). The
verdict stays on a new connection per report, the harder case; the figures column gives the
kept-alive rate of the same run, for the record.
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
At the database the queue now takes about a millisecond: the page is read off the partial
index `signal_queue_open` (or `signal_queue_open_followed` for "most followed first", whose
count a trigger keeps on the signal) and stops after 51 rows; the counts per status, which
were an index-only scan over the service's 174,000 signals (35-95 ms depending on the
machine, nearly all of the SQL column), are read from `workflow_queuecount` (184 rows for
this city), kept by a trigger on the signals as the map cells are (workflow.queue_counts:
appended +1/-1 changes, folded every 200 writes, so concurrent reports never wait on a
shared row). Text, age, overdue and area filters still count live, over what they leave.
Measured before landing, interleaved on one bench city (load average 1.1-3.2): the old code
107 ms / 104 ms over HTTP with 95 / 99 ms at the database; the new one 51 ms / 50 ms over
HTTP with 1.1-1.7 ms at the database.
The ratio end to end misses for the opposite reason it used to: what is left of the page is
Django's, ~45 ms of Python on this machine (session and user, the agent's services, the
filter's categories, 50 rows built, the template), on top of a 3 ms query, where a ratio of
1.5× would need the whole page in under 5 ms. The page got twice as fast and the ratio went
from 1.16× to ~14×. We think the issue's ratio target fits a query that dominates the page,
not one that no longer does; an absolute target for the page (e.g. ≤ 60 ms end to end on
this machine) would measure what agents feel. Earlier work on the page's own cost (#6,
third session) stays: 7 queries instead of 12 (tests/workflow/test_queue_page_cost.py pins
them), rows built with `format_html` from only the columns they show
(`workflow/queue_table.py`), select lists written in Python (`PlainSelect`). Then (#6, eighth
session) 6 queries: the filter's category list is the process's copy of the categories
(`signals.categories`, as reports use it), which took the form from ~5 to ~1 ms of CPU; the
rows are escaped without `format_html`'s check of every value for a lazy translation, and a
text short enough is not walked character by character by `Truncator` (the rows' HTML
14 → 8 ms, the old and new code interleaved, the same HTML). In one process the
page went from ~44 to ~35 ms of CPU on this (slow) host, of which the rows' query and model
instances ~10 ms, the rows' HTML ~6 ms, the template ~8 ms, session, user and access ~4 ms.
Next step if the page must get faster still: build the 50 rows from `values()` rather than
~150 model instances (a few ms).
Since the eleventh session the page also counts the signals residents contest ("is it
fixed?", workflow.feedback) for the filter's label: one more query, read off a partial
index of the answers awaiting a reply (0.1 ms at the database, ~1.5 ms as a round trip
on the slow host, most of it planning); a partial run on the final code gave the three
queue rows 40, 46 and 25 ms over HTTP, with 0.9-1.8 ms at the database for all three
queries (the full run before it: 37, 46 and 27 ms, 0.9-1.9 ms for two).
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

# The queue rows share one analysis; the search row adds how it is indexed.
NOTES["queue_followed"] = NOTES["queue_oldest"]
NOTES["queue_search"] = """
The search box matches a reference exactly (references are stored upper-case, so the text
is upper-cased and read off the unique index) or part of a description or an address,
through trigram GIN indexes on `UPPER(description)` and `UPPER(address)` (`pg_trgm`,
`signals 0016`), the expressions Django's `icontains` sends. Before them, a search read
every signal of the service: about 0.4 s for this one. The indexes cost each report a few
tens of microseconds at the database (pgbench, inserts with and without them).
""" + NOTES["queue_oldest"]
