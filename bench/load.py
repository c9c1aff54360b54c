"""Load test: 20 residents create 2,000 signals (a quarter retried with the same
Idempotency-Key) against gunicorn with 2 workers, while agents move signals on
through the staff API when it is there; then every answer is checked against
the database. Loopback only; a private PostgreSQL cluster in a temporary
directory, removed afterwards.

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
        env = server_env(pg.url)
        manage("migrate", "--noinput", env=env)
        manage("shell", "-c", SEED_CITY, env=env)
        import django

        django.setup()
        token = agent_token()
        from tests.load import check_nothing_lost, run_load, timed

        with Server(env, workers=args.workers) as server:
            result, seconds = timed(
                run_load,
                server.base,
                clients=args.clients,
                reports_per_client=args.reports,
                retry_every=args.retry_every,
                agent_token=token,
                agents=args.agents,
            )
        requests_made = sum(result.statuses.values())
        print(f"{len(result.accepted)} signals accepted, {result.replays} retries replayed")
        print(
            f"{sum(len(t) for t in result.transitions.values())} transitions by agents, {result.conflicts} conflicts (409) retried"
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


def agent_token() -> str | None:
    """A token for the staff API, if this version has one (the workflow's token auth)."""
    from django.apps import apps
    from django.urls import NoReverseMatch, reverse

    if not apps.is_installed("rest_framework.authtoken"):
        return None
    try:
        reverse("workflow-api:transitions", kwargs={"reference": "X"})
    except NoReverseMatch:
        return None
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=get_user_model().objects.get(username="agent"))[0].key


if __name__ == "__main__":
    sys.exit(main())
