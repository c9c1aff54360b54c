"""How the benchmark times a path beside its lower bound."""

from bench.measure import timed_pair


def test_a_path_and_its_lower_bound_are_timed_alternately_neither_always_first():
    calls = []
    path, bound = timed_pair(
        lambda: calls.append("path"), lambda: calls.append("bound"), repeats=4, warmup=1
    )
    # Warm-up, then ABBA: a drift of the host's speed falls on both series alike.
    assert calls == ["path", "bound"] + ["path", "bound", "bound", "path"] * 2
    assert (path.n, bound.n) == (4, 4)
