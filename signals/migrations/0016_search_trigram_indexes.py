from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper


class Migration(migrations.Migration):
    """Trigram indexes for the triage queue's free-text search, which read every signal of
    the service (about 0.4 s for a service of 176,000 signals; under a millisecond with
    them). Built CONCURRENTLY, so that reports keep coming in while a large city's indexes
    are built; that cannot run inside a transaction."""

    atomic = False

    dependencies = [("signals", "0015_tile_key_vacuum")]

    operations = [
        # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension.
        TrigramExtension(),
        AddIndexConcurrently(
            model_name="signal",
            index=GinIndex(
                OpClass(Upper("description"), name="gin_trgm_ops"),
                name="signal_description_trgm",
            ),
        ),
        AddIndexConcurrently(
            model_name="signal",
            index=GinIndex(
                OpClass(Upper("address"), name="gin_trgm_ops"),
                name="signal_address_trgm",
            ),
        ),
    ]
