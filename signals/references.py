from datetime import datetime

from django.conf import settings
from django.db.models.expressions import RawSQL

# One PostgreSQL sequence: gap-tolerant, contention-free, and unique across workers.
REFERENCE_SEQUENCE = "signals_reference_seq"


def reference_next(*, at: datetime) -> RawSQL:
    """The next reference, `DMR-2026-000123`, as SQL for the INSERT: no round trip of its own.

    The number is zero-padded to six digits and grows beyond (as `f"{n:06d}"`).
    """
    return RawSQL(
        "(SELECT %s || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END"
        " FROM nextval(%s) AS n)",
        (f"{settings.SIGNAL_REFERENCE_PREFIX}-{at.year}-", REFERENCE_SEQUENCE),
    )
