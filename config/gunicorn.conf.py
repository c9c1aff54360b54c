"""gunicorn in production: `.venv/bin/gunicorn -c config/gunicorn.conf.py config.wsgi`.

Threads, not only processes: a report spends most of its time waiting on
PostgreSQL (routing, insert, the commit's WAL flush), and while one thread
waits another runs Python. With two workers on a loaded
machine, signal creation went from 61-74 reports/s (sync workers) to
161-189/s (four threads each), same code, same run (README, performance).

Threads also keep long downloads alive: a sync worker that streams a full
export for longer than `timeout` is killed as stuck (it reports that it is
alive only between requests); a threaded worker's main loop keeps reporting
while a thread streams, however long the download.

Each thread holds its own database connection (`DATABASE_CONN_MAX_AGE`):
workers × threads connections, 8 by default, well under PostgreSQL's 100.
Override with the environment: WEB_CONCURRENCY (workers), GUNICORN_THREADS,
GUNICORN_BIND (or gunicorn's own `--bind`, `--workers`, ... on the command line).
"""

import os

wsgi_app = "config.wsgi"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One worker per core is the usual start; threads cover the time spent waiting.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker whose main loop is silent this long is restarted (a running request is not).
timeout = 60
graceful_timeout = 30
# Behind a reverse proxy that reuses its connections.
keepalive = 5
