# Two commands on a fresh Debian/Ubuntu machine:
#   make run    set everything up and serve the demo on http://127.0.0.1:$(PORT)
#   make test   set everything up and run the whole test suite
PORT ?= 8000
# Two workers: the suite is database-bound and the reference machine has two cores.
PYTEST_ARGS ?= -n 2
PY := .venv/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test setup system python-env database migrate messages static demo lint format bench bench-load clean-db

run: setup demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: system-test python-env database messages browser-deps
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run >/dev/null || (echo "Models changed without a migration: run manage.py makemigrations" && exit 1)
	.venv/bin/pytest $(PYTEST_ARGS)

setup: system python-env database migrate messages

system:
	bash scripts/system-deps.sh

system-test:
	bash scripts/system-deps.sh --browser

python-env:
	bash scripts/python-env.sh

database:
	bash scripts/database.sh

migrate:
	$(MANAGE) migrate --noinput

messages:
	$(MANAGE) compilemessages --ignore=.venv --ignore=.tools --ignore=node_modules >/dev/null

# What production's whitenoise serves (STATIC_ROOT): the benchmark's gunicorn runs as production does.
static:
	$(MANAGE) collectstatic --noinput >/dev/null

browser-deps:
	@if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; fi

demo:
	$(MANAGE) load_demo

# The benchmark (not part of `make test`): a synthetic city of 1,000,000 signals in its own
# database (BENCH_DATABASE_URL, else DATABASE_URL's name + "_bench"), built once and cached,
# then every hot path against its lower bound; writes bench/RESULTS.md. BENCH_ARGS=--smoke
# runs the small version in seconds.
bench: system python-env database messages static
	$(PY) -m bench $(BENCH_ARGS)

# 2,000 signals from 20 clients (with retries) on gunicorn, agents transitioning: nothing lost.
bench-load: python-env
	$(PY) bench/load.py

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .
