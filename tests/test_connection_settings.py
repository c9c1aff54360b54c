"""What every connection of the app sets on PostgreSQL's side."""

import os
import subprocess
import sys

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_app_runs_without_jit_and_with_generic_plans():
    # JIT compiled the app's short, high-priced statements (a live count of a service's
    # matches) for longer than they ran; routing's prepared lookups keep their generic plan.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("off", "force_generic_plan")


@pytest.mark.parametrize(("value", "disabled"), [(None, False), ("false", True), ("true", False)])
def test_server_side_cursors_can_be_turned_off_for_a_transaction_pooler(value, disabled):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_SERVER_SIDE_CURSORS"}
    if value is not None:
        env["DATABASE_SERVER_SIDE_CURSORS"] = value
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; "
            "print(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str(disabled)
