#!/usr/bin/env bash
# A PostGIS database for the project: start a local cluster if none answers,
# create the role, the database and the postgis extension. Idempotent.
# With DATABASE_URL set, the database is yours: we only check that it answers.
source "$(dirname "$0")/lib.sh"

if [ -n "${DATABASE_URL:-}" ]; then
    exit 0
fi

DB_NAME=${DB_NAME:-dansmarue}
DB_USER=${DB_USER:-dansmarue}
DB_PASSWORD=${DB_PASSWORD:-dansmarue}
PG_HOST=127.0.0.1
PG_PORT=${PG_PORT:-5432}

if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
        say "Creating PostgreSQL $version cluster"
        as_root pg_createcluster "$version" main --port "$PG_PORT" >/dev/null
    fi
    say "Starting PostgreSQL $version"
    # --skip-systemctl-redirect: containers and CI machines often run no systemd.
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
    pg_isready -h "$PG_HOST" -p "$PG_PORT"
fi

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"; }

# Superuser, because the test run creates a fresh database with the postgis
# extension, which only a superuser may do. This role is for a developer's
# machine; production uses DATABASE_URL with a role of its own.
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
    say "Creating role $DB_USER"
    psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD'"
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    say "Creating database $DB_NAME"
    psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
fi
psql_admin -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS postgis"
