"""Real processes for fault and load tests: a private PostgreSQL cluster and a gunicorn server.

Nothing here touches the shared PostgreSQL on port 5432: the cluster lives in a
temporary directory, on a free port, and is stopped and removed afterwards.
Everything listens on loopback only.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings

ROLE = "dansmarue"


def clean_environ() -> dict[str, str]:
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a real server never has it.
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


PSQL = ("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bindir() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(out.stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    initdb = shutil.which("initdb")
    return Path(os.path.realpath(initdb)).parent if initdb else None


class PrivatePostgres:
    """A throw-away PostGIS cluster that a test may stop and start at will."""

    def __init__(self, workdir: Path):
        self.bindir = postgres_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb) are not installed")
        self.workdir = workdir
        self.data = workdir / "pgdata"
        self.port = free_port()
        self.url = f"postgis://{ROLE}@127.0.0.1:{self.port}/dmr_private"

    def _run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        # initdb and postgres refuse to run as root.
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    def create(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", ROLE, "--auth=trust", "-E", "UTF8")
        self.start()
        self.psql("postgres", "CREATE DATABASE dmr_private")
        self.psql("dmr_private", "CREATE EXTENSION postgis")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.workdir} "
            # fsync off is safe here: a stopped server, not a crashed machine. Commits stay
            # synchronous, or an "immediate" stop would lose acknowledged ones.
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.workdir / "log"), "-w",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def copy_database(self, source: dict) -> None:
        """Copy a migrated database (a Django `settings_dict`) into `dmr_private`.

        Much faster than running every migration again in the private cluster.
        """
        dump = subprocess.run(
            [
                *("pg_dump", "--no-owner", "--no-privileges", "-h", source["HOST"] or "127.0.0.1"),
                *("-p", str(source["PORT"] or 5432), "-U", source["USER"], source["NAME"]),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PGPASSWORD": source["PASSWORD"]},
        ).stdout
        subprocess.run(
            [*PSQL, "-p", str(self.port), "-U", ROLE, "-d", "dmr_private"],
            input=dump.replace(b"CREATE EXTENSION IF NOT EXISTS postgis", b"-- postgis exists"),
            check=True,
            capture_output=True,
        )

    def psql(self, database: str, sql: str) -> str:
        out = subprocess.run(
            [*PSQL, "-tA", "-p", str(self.port), "-U", ROLE, "-d", database, "-c", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean_environ(), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


# A small city: one service covering central Paris, one category, a superuser and an agent.
SEED_CITY = """
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Polygon
from geo.models import Service
from geo.services import service_area_create
from signals.models import Category
parent, _ = Category.objects.get_or_create(code="voirie", defaults={"name": "Voirie"})
Category.objects.get_or_create(code="nid-de-poule", defaults={"name": "Nid de poule", "parent": parent})
service, created = Service.objects.get_or_create(slug="voirie", defaults={"name": "Voirie"})
if created:
    square = Polygon.from_bbox((2.30, 48.84, 2.40, 48.88))
    service_area_create(service=service, name="Paris", geom=MultiPolygon(square, srid=4326))
User = get_user_model()
if not User.objects.filter(username="agent").exists():
    User.objects.create_superuser("agent", "agent@ville.example", "agent-password")
# A staff member of the routed service (not a superuser), for the staff API.
from workflow.models import Membership
member, _ = User.objects.get_or_create(username="agent-voirie")
Membership.objects.get_or_create(user=member, service=service)
"""


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """A production-like environment (DEBUG off) that serves plain HTTP on loopback."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "live-test-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "SIGNAL_CREATE_RATE": "none",
        "DATABASE_CONN_MAX_AGE": "60",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class Server:
    """gunicorn serving the project on a free loopback port, configured as in production
    (config/gunicorn.conf.py: threaded workers), only the port and the number of workers
    set here."""

    def __init__(self, env: dict[str, str], workers: int = 2, log: Path | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**clean_environ(), **env}
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        gunicorn = Path(sys.executable).parent / "gunicorn"
        output = open(self.log, "wb") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                *(str(gunicorn), "-c", "config/gunicorn.conf.py", "-w", str(self.workers)),
                *("-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5"),
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=output,
            stderr=output,
        )
        try:
            self._wait_until_ready()
        except Exception:
            self.__exit__(None, None, None)  # never leave a server behind
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                if requests.get(self.base + "/api/v1/categories/", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
