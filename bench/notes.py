"""Why a figure misses its target and what would fix it: written after reading RESULTS.md.

`bench/run.py` copies the entry of each missed (or unmeasured) row into RESULTS.md.
"""

NOTES: dict[str, str] = {
    "routing_nearest": """
The nearest fallback ranks 32 KNN candidates (`<->` on the pieces' GiST index, cheap) and then
measures each in metres on the spheroid (`ST_Distance` on geography), which is what costs
several milliseconds: geodesic distance to a 256-vertex polygon is far dearer than a planar
test. Our function is as fast as the raw query, so what misses is the query itself.
Fix: rank in EPSG:2154 (Lambert-93, metres, planar: `ST_Distance(ST_Transform(...))` is
~20× cheaper) and keep the spheroid distance only for the winner, or store the pieces in
2154 as well. Points outside every area are rare (a few per thousand reports), so this
path was left as it is.
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
A z11 tile over the whole city aggregates every open or recently closed signal (~50,000 rows)
from the heap: the partial GiST index finds them quickly, but each row is a random heap read,
and with `shared_buffers=128MB` against a 1.2 GB database most are not in PostgreSQL's cache.
Cached tiles are served in a few milliseconds once each gunicorn worker has its copy (the
local-memory cache is per worker; with `REDIS_URL` both share one).
Fix: pre-aggregate per grid cell in a small table kept current by the write path (or
refreshed every minute), so a low-zoom tile reads hundreds of rows instead of tens of
thousands; and size `shared_buffers` to the working set (1-2 GB on a real server).
""",
    "lowzoom_aggregates": """
The aggregates endpoint groups every matching signal (all statuses by default: a million rows
for the whole city) with `ST_SnapToGrid` and `ST_Centroid(ST_Collect(...))` at each request.
The response is now cached under the same version as the tiles (a status change or a new
signal invalidates it), so a repeated view costs a cache lookup; the first view after a change
still pays for a full aggregation. Fix: the same pre-aggregated grid table as for tiles, or a
default status filter (open signals, ~5% of the rows) for the whole-city view.
""",
    "creation": """
Each report is ~10 SQL statements (category lookup, sub-category check, routing, reference
sequence, insert, history row, commit, then the response's category and photos), and its
commit waits for the WAL flush (`synchronous_commit=on`): with two workers on two cores
shared with PostgreSQL and the load generator, the server spends most of a request waiting
on the database, not in Python (the bare Django view on the same server shows the HTTP floor).
The figure is also sensitive to whatever else the machine runs (see the load average above).
Fix, in order of effect: more gunicorn workers than cores (requests wait on I/O); a
connection pooler; group commit (`commit_delay`) or a faster WAL device; fewer statements per
report (category with its parent in one query, no photo query when none was sent).
""",
    "export_geojson": """
See the CSV export below: the same causes apply.
""",
    "export_csv": """
Streaming keeps memory flat (peak RSS well under 300 MB for a million rows). The rate is
bounded by Python doing per-row work: a row read through a server-side cursor in chunks of
2,000, formatted (csv writer, time-zone conversion of three datetimes) and handed to the WSGI
server. The rows are now joined into ~64 kB chunks before they are sent (one socket write per
chunk instead of one per row), which is the bulk of what was cheap to win.
Fix for the rest: let PostgreSQL write the whole file (`COPY (SELECT ...) TO STDOUT WITH CSV`
through psycopg's `copy()`, and `json_agg`-free row-per-line GeoJSON the same way), so Python
only forwards bytes; or pre-build the full export nightly and serve it as a static file, which
is what open-data portals do for a complete dump.
""",
    "queue": """
The staff triage queue (issue 3) was not on main when this run was made, so it could not be
measured. The indexes it needs exist (`signal_queue`: service, status, created_at).
""",
    "_general": """
Everything runs on one machine: PostgreSQL, gunicorn's two workers and the load generator
(Python threads) share its two cores, and during these runs other test suites and load tests
were running on the same machine too (see the load average above): absolute figures are
pessimistic and noisy, the side-by-side ratios much less so. Re-run `make bench` on an idle
machine for clean absolute numbers.

`make bench` rebuilds nothing when the cached city matches its spec; the first run builds it
in about two minutes (bulk `INSERT ... SELECT generate_series`, secondary indexes dropped and
rebuilt around the insert, areas subdivided by `geo.services.service_areas_index`).
""",
}
