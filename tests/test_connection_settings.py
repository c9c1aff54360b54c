"""What every connection of the app sets on PostgreSQL's side."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_app_runs_without_jit_and_with_generic_plans():
    # JIT compiled the app's short, high-priced statements (a live count of a service's
    # matches) for longer than they ran; routing's prepared lookups keep their generic plan.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("off", "force_generic_plan")
