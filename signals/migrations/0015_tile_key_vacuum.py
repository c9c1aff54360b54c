from django.db import migrations


class Migration(migrations.Migration):
    """Low-zoom tiles are counted by index-only scans, which skip a row's visit only on
    pages the visibility map marks all-visible. 0014 rewrote the table, which empties that
    map, and autovacuum would not come back before a fifth of the table changes: until
    then every tile would visit its rows. VACUUM cannot run inside a transaction."""

    atomic = False

    dependencies = [("signals", "0014_tile_key")]

    operations = [migrations.RunSQL("VACUUM (ANALYZE) signals_signal", migrations.RunSQL.noop)]
