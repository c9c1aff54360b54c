import django.utils.timezone
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """"Mes signalements": the links mailed to residents, and the look-ups by address they
    make. The signals' index is built CONCURRENTLY, as 0016 and 0017: reports keep coming
    in while a large city's index is built."""

    atomic = False

    dependencies = [
        ("signals", "0018_reporter_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="ResidentLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64, unique=True)),
                ("email", models.EmailField(max_length=254)),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
            ],
        ),
        AddIndexConcurrently(
            model_name="follower",
            index=models.Index(fields=["email"], name="follower_email"),
        ),
        AddIndexConcurrently(
            model_name="signal",
            index=models.Index(
                condition=~models.Q(reporter_email=""),
                fields=["reporter_email"],
                name="signal_reporter_email",
            ),
        ),
    ]
