"""Load test: 20 residents create 2,000 signals (a quarter retried with the same
Idempotency-Key) against gunicorn with 2 workers, while agents of the routed
service move every fourth signal on through the staff API (some of them two
agents at once); then every answer is checked against the database. Loopback
only; a private PostgreSQL cluster in a temporary directory, removed
afterwards. `tests/security/test_load.py` runs the same in `make test`.

    .venv/bin/python bench/load.py [--clients 20] [--reports 100] [--workers 2]

Exit status 1 if anything was lost, doubled, or answered with a 5xx.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--reports", type=int, default=100, help="reports per client")
    parser.add_argument("--retry-every", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--agents", type=int, default=2)
    args = parser.parse_args()

    from tests.live import SEED_CITY, PrivatePostgres, Server, manage, server_env

    pg = PrivatePostgres(Path(tempfile.mkdtemp(prefix="dmr-load-")))
    # Before anything reads the settings: the checks below query this database.
    os.environ["DATABASE_URL"] = pg.url
    try:
        pg.create()
        posts = args.clients * args.reports * (1 + 1 / args.retry_every)
        # The per-address limit stays on, raised just above what the clients send.
        env = server_env(pg.url, SIGNAL_CREATE_RATE=f"{int(posts * 1.2)}/hour")
        manage("migrate", "--noinput", env=env)
        manage("shell", "-c", SEED_CITY, env=env)
        import django

        django.setup()
        from tests.load import agents_create, check_nothing_lost, run_load, timed

        agents = agents_create(service_slug="voirie", count=args.agents)

        with Server(env, workers=args.workers) as server:
            result, seconds = timed(
                run_load,
                server.base,
                clients=args.clients,
                reports_per_client=args.reports,
                retry_every=args.retry_every,
                agents=agents,
            )
        requests_made = sum(result.statuses.values())
        print(f"{len(result.accepted)} signals accepted, {result.replays} retries replayed")
        moves = sum(len(t) for t in result.transitions.values())
        print(
            f"{moves} transitions by {len(agents)} agents on {len(result.transitions)} signals "
            f"({result.transitions_during_creation} while residents were still reporting), "
            f"{len(result.contested)} races between two agents, {len(result.conflicts)} answered 409"
        )
        print(f"{requests_made} requests in {seconds:.1f} s: {requests_made / seconds:.0f} req/s")
        print(f"statuses: {dict(sorted(result.statuses.items()))}")
        problems = check_nothing_lost(result)
        for problem in problems[:50]:
            print("PROBLEM:", problem)
        print(
            "nothing lost, nothing doubled, no 5xx" if not problems else f"{len(problems)} problems"
        )
        return 1 if problems else 0
    finally:
        pg.destroy()


if __name__ == "__main__":
    sys.exit(main())
