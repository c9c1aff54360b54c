"""Timing, a gunicorn server on loopback, and a small bounded HTTP client."""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Stats:
    samples: list[float]  # milliseconds

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def text(self) -> str:
        return f"{fmt_ms(self.p50)} / {fmt_ms(self.p95)}"


def fmt_ms(value: float) -> str:
    if value < 1:
        return f"{value:.3f} ms"
    if value < 100:
        return f"{value:.1f} ms"
    return f"{value:,.0f} ms"


def timed(fn: Callable, repeats: int, warmup: int = 1) -> Stats:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return Stats(samples)


def timed_pair(
    first: Callable, second: Callable, repeats: int, warmup: int = 1
) -> tuple[Stats, Stats]:
    """`first` and `second` (a path and its lower bound) timed alternately, in ABBA order.

    Timed one after the other, a change of the host's speed between the two series (on a
    shared machine, within seconds) would show in their ratio as if it were the code's;
    alternating puts any drift on both alike, and ABBA lets neither always run first.
    For two sides of comparable work: a much smaller one, run between the other's calls,
    finds the CPU's caches cold and is timed slower than it can run.
    """
    for _ in range(warmup):
        first()
        second()
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(repeats):
        order = ((0, first), (1, second)) if i % 2 == 0 else ((1, second), (0, first))
        for which, fn in order:
            started = time.perf_counter()
            fn()
            samples[which].append((time.perf_counter() - started) * 1000)
    return Stats(samples[0]), Stats(samples[1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as production runs it (config/gunicorn.conf.py) on 127.0.0.1, stopped by its pid."""

    def __init__(self, *, database_url: str, port: int, workers: int = 2):
        self.port, self.workers = port, workers
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "0",
            # The benchmark's own process signs the staff session the server must accept.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: TLS belongs to the front server in production.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT),
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [
                str(gunicorn),
                # Production's settings (threads, ...), with the benchmark's workers and port.
                "--config",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "config.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "300",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = get(self.port, "/api/v1/categories/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def worker_pids(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if self.process and ppid == self.process.pid:
                    found.append(int(entry.name))
        return found


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def get(
    port: int,
    path: str,
    sink: Callable[[bytes], None] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        if sink is None:
            return response.status, response.read()
        while chunk := response.read(1 << 16):
            sink(chunk)
        return response.status, b""
    finally:
        connection.close()


def post_json(
    port: int, path: str, payload: dict, kept: http.client.HTTPConnection | None = None
) -> tuple[int, bytes]:
    """POST `payload` as JSON over a connection of its own, or over `kept`, left open."""
    connection = kept or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = json.dumps(payload)
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if kept is None:
            connection.close()


def load(
    port: int, path: str, payloads: list[dict], *, threads: int = 4, keep_alive: bool = False
) -> tuple[Stats, float, dict]:
    """POST every payload once from `threads` clients, each opening a connection per
    request (a phone's report), or with `keep_alive` one connection each (a reverse proxy
    that reuses its connections to gunicorn).

    Returns the latencies, the throughput (requests per second over the wall
    time) and the count of each status code. Bounded by len(payloads).
    """
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    chunks = [payloads[i::threads] for i in range(threads)]

    def worker(mine: list[dict]) -> None:
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=60) if keep_alive else None
        for payload in mine:
            started = time.perf_counter()
            status, _ = post_json(port, path, payload, kept)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        if kept is not None:
            kept.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    return Stats(latencies), len(payloads) / wall, statuses
