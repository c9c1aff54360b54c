#!/usr/bin/env bash
# System packages: GDAL/GEOS/PROJ for GeoDjango, gettext for translations,
# and (unless DATABASE_URL points elsewhere) PostgreSQL with PostGIS.
# Usage: scripts/system-deps.sh [--browser]
source "$(dirname "$0")/lib.sh"

packages=(gdal-bin libgdal-dev gettext python3-venv ca-certificates)
if [ -z "${DATABASE_URL:-}" ]; then
    # Use the PostgreSQL already installed if there is one, else the distribution's default.
    pg_version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$pg_version" ]; then
        packages+=("postgresql-$pg_version" "postgresql-$pg_version-postgis-3")
    else
        packages+=(postgresql postgis)
    fi
fi
if [ "${1:-}" = "--browser" ]; then
    # Browser tests: the distribution's Chromium (never a downloaded build), and npm
    # for axe-core. Node may come from elsewhere (NodeSource); only add it if absent.
    packages+=(chromium fonts-dejavu-core)
    command -v npm >/dev/null || packages+=(nodejs npm)
fi
apt_install "${packages[@]}"
