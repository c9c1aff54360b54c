import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """The agent a signal is assigned to. A nullable column costs PostgreSQL no rewrite; the
    index is built CONCURRENTLY, as 0016, while reports keep coming in."""

    atomic = False

    dependencies = [
        ("signals", "0019_resident_links"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="signal",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="assigned to",
            ),
        ),
        AddIndexConcurrently(
            model_name="signal",
            index=models.Index(
                condition=models.Q(assignee__isnull=False),
                fields=["assignee", "status", "created_at"],
                name="signal_assignee",
            ),
        ),
    ]
