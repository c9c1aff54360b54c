from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """Signals in date order off an index: open data's pages, Open311's list and the public
    API sorted every signal to return their first hundred (about 1 s for a million, and
    14 s for an OGC page at offset 500,000). Built CONCURRENTLY, as 0016: reports keep
    coming in while a large city's index is built."""

    atomic = False

    dependencies = [("signals", "0016_search_trigram_indexes")]

    operations = [
        AddIndexConcurrently(
            model_name="signal",
            index=models.Index(fields=["created_at", "id"], name="signal_created"),
        ),
    ]
