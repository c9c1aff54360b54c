from django.db import migrations, models


class Migration(migrations.Migration):
    """The language each resident used on the site, so that their e-mails are written in it.
    A constant default, kept in the database for the rows written in SQL (the benchmark's
    city): PostgreSQL adds the columns without rewriting the tables."""

    dependencies = [
        ("signals", "0017_signal_created_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="follower",
            name="language",
            field=models.CharField(
                blank=True, default="", db_default="", max_length=7, verbose_name="language"
            ),
        ),
        migrations.AddField(
            model_name="signal",
            name="reporter_language",
            field=models.CharField(
                blank=True,
                default="",
                db_default="",
                max_length=7,
                verbose_name="reporter's language",
            ),
        ),
    ]
