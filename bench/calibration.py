"""How fast the machine is at the moment of a run: three fixed workloads, timed.

Targets in absolute milliseconds (a queue page, reports per second, a tile) pass or
fail with the host: the same code has measured 37 ms on one machine and 66 ms on
another. These figures, taken at the start and at the end of each run and written
next to the results, make two runs comparable: if they moved, the machine did.
"""

import time
from pathlib import Path

from django.db import connection

PYTHON_LOOP = 1_000_000
PG_ROWS = 500_000
ROUND_TRIPS = 1_000


def _best_of(fn, repeats: int = 3) -> float:
    """The fastest of `repeats` runs, in milliseconds: the least disturbed one."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def _python_loop() -> None:
    sum(i * i for i in range(PYTHON_LOOP))


def _pg_scan() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(i) FROM generate_series(1, %s) AS i", [PG_ROWS])
        cursor.fetchone()


def _round_trips() -> None:
    with connection.cursor() as cursor:
        for _ in range(ROUND_TRIPS):
            cursor.execute("SELECT 1")
            cursor.fetchone()


def calibrate() -> dict[str, float]:
    """Python CPU (ms), PostgreSQL CPU (ms), one query's round trip (µs)."""
    with connection.cursor() as cursor:
        # JIT compiling would time the compiler, which varies by its own rules.
        cursor.execute("SET jit = off")
    try:
        figures = {
            "python": _best_of(_python_loop),
            "postgresql": _best_of(_pg_scan),
            "round_trip_us": _best_of(_round_trips) * 1000 / ROUND_TRIPS,
        }
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
    return figures


def describe(start: dict[str, float], end: dict[str, float]) -> str:
    return (
        f"Python loop {start['python']:.0f} → {end['python']:.0f} ms, "
        f"PostgreSQL scan {start['postgresql']:.0f} → {end['postgresql']:.0f} ms, "
        f"query round trip {start['round_trip_us']:.0f} → {end['round_trip_us']:.0f} µs "
        f"(start → end of the run; lower is faster)"
    )


def cpu_counters() -> tuple[int, int] | None:
    """(stolen, total) CPU time in clock ticks since boot, from Linux's /proc/stat; None
    elsewhere. On a virtual machine, "steal" is the time the hypervisor gave our virtual
    CPUs to other guests: a run that lost much of it measured a slower machine."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if fields[0] != "cpu" or len(fields) < 9:
        return None
    ticks = [int(value) for value in fields[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice, counted in user]
    return ticks[7], sum(ticks[:8])


def describe_steal(start: tuple[int, int] | None, end: tuple[int, int] | None) -> str:
    if start is None or end is None or end[1] <= start[1]:
        return "not available"
    share = (end[0] - start[0]) / (end[1] - start[1])
    return f"{share:.1%} of the CPU time during the run"
