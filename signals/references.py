from datetime import datetime

from django.conf import settings
from django.db import connection

# One PostgreSQL sequence: gap-tolerant, contention-free, and unique across workers.
REFERENCE_SEQUENCE = "signals_reference_seq"
# DMR-2026-000123: the number zero-padded to six digits, never cut past them.
REFERENCE_DIGITS = 6
# The same number written by PostgreSQL from `n` (a `nextval`), after the prefix parameter:
# a signal's INSERT draws its reference itself (signals.services).
REFERENCE_NUMBER_SQL = f"%s || lpad(n::text, greatest({REFERENCE_DIGITS}, length(n::text)), '0')"


def reference_prefix(*, at: datetime) -> str:
    return f"{settings.SIGNAL_REFERENCE_PREFIX}-{at.year}-"


def next_reference(*, at: datetime) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [REFERENCE_SEQUENCE])
        (number,) = cursor.fetchone()
    return f"{reference_prefix(at=at)}{number:0{REFERENCE_DIGITS}d}"
