from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("signals", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS signals_reference_seq",
            "DROP SEQUENCE IF EXISTS signals_reference_seq",
        ),
    ]
