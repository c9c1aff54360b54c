"""`python -m bench [--smoke] [--only queue,...] [--port 8106] [--out F]` (what `make bench` runs).

The benchmark's database is its own: BENCH_DATABASE_URL, or DATABASE_URL's
database name with `_bench` appended, or `dansmarue_bench` on the local
server. It is created (with PostGIS) and migrated when missing; the
synthetic city in it is kept between runs.
"""

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgis://dansmarue:dansmarue@127.0.0.1:5432/dansmarue"


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bench"))


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    target = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--smoke", action="store_true", help="a few thousand signals, seconds")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8106)))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated groups to measure (routing, geojson, tiles, creation, queue, "
        "opendata, exports); a partial run writes var/bench-partial.md unless --out is given",
    )
    args = parser.parse_args()
    only = frozenset(filter(None, args.only.split(",")))

    url = bench_database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from bench import city, run

    if only - set(run.GROUPS):
        parser.error(f"unknown group(s) {', '.join(sorted(only - set(run.GROUPS)))}")
    call_command("migrate", verbosity=0, interactive=False)
    spec, profile = (city.SMOKE, run.SMOKE) if args.smoke else (city.FULL, run.FULL)
    out = args.out
    # bench/RESULTS.md is the full run's record: a smoke or partial run writes elsewhere.
    if out == ROOT / "bench" / "RESULTS.md" and (args.smoke or only):
        out = ROOT / "var" / ("bench-smoke.md" if args.smoke else "bench-partial.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    run.run(
        spec=spec,
        profile=profile,
        database_url=url,
        port=args.port,
        out=out,
        log=lambda message: print(message, flush=True),
        only=only,
    )


if __name__ == "__main__":
    main()
