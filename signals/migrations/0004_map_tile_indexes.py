from django.db import migrations, models

# The open states when this migration was written (workflow.states.OPEN).
OPEN_STATES = "'accepted', 'in_progress', 'new', 'on_hold', 'scheduled'"


class Migration(migrations.Migration):
    dependencies = [
        ("signals", "0003_idempotency_key"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS signal_open_location ON signals_signal"
            f" USING gist (location) WHERE status IN ({OPEN_STATES})",
            "DROP INDEX IF EXISTS signal_open_location",
        ),
        migrations.AddIndex(
            model_name="signal",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", False)),
                fields=["closed_at"],
                name="signal_closed_at",
            ),
        ),
    ]
