import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """Assignments in the history: a kind, and the agent given the signal. The index is
    built CONCURRENTLY: the history is the largest table."""

    atomic = False

    dependencies = [
        ("workflow", "0006_feedback"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="statuschange",
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
        migrations.AlterField(
            model_name="statuschange",
            name="kind",
            field=models.CharField(
                choices=[
                    ("status", "Status change"),
                    ("transfer", "Transfer"),
                    ("category", "Category change"),
                    ("comment", "Internal comment"),
                    ("assignment", "Assignment"),
                ],
                default="status",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        AddIndexConcurrently(
            model_name="statuschange",
            index=models.Index(
                condition=models.Q(assignee__isnull=False),
                fields=["assignee"],
                name="statuschange_assignee",
            ),
        ),
    ]
