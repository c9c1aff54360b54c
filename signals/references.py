from datetime import datetime

from django.conf import settings
from django.db import connection

# One PostgreSQL sequence: gap-tolerant, contention-free, and unique across workers.
REFERENCE_SEQUENCE = "signals_reference_seq"


def next_reference(*, at: datetime) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [REFERENCE_SEQUENCE])
        (number,) = cursor.fetchone()
    return f"{settings.SIGNAL_REFERENCE_PREFIX}-{at.year}-{number:06d}"
