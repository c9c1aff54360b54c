"""The reference stays unique through the same index, renamed; its LIKE index goes.

`unique=True` on a CharField makes Django add a `varchar_pattern_ops` index for
LIKE queries; no query searches references that way, and every report wrote an
entry in it. The existing unique index is kept and renamed (no rebuild of an index
over every signal); only the state says it is now a Meta constraint.
"""

from django.db import migrations, models

UNIQUE_NAME = "signal_reference_unique"
LIKE_INDEX = "signals_signal_reference_d8984c91_like"  # the name Django gave it


def _unique_on_reference(cursor) -> str:
    cursor.execute(
        """
        SELECT con.conname FROM pg_constraint con
        JOIN pg_attribute att
          ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
        WHERE con.conrelid = 'signals_signal'::regclass AND con.contype = 'u'
          AND att.attname = 'reference' AND cardinality(con.conkey) = 1
        """
    )
    return cursor.fetchone()[0]


def forwards(apps, schema_editor):
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        current = _unique_on_reference(cursor)
        if current != UNIQUE_NAME:
            cursor.execute(
                f"ALTER TABLE signals_signal RENAME CONSTRAINT {quote(current)}"
                f" TO {quote(UNIQUE_NAME)}"
            )
        cursor.execute(f"DROP INDEX IF EXISTS {quote(LIKE_INDEX)}")


def backwards(apps, schema_editor):
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE signals_signal RENAME CONSTRAINT {quote(UNIQUE_NAME)}"
            f" TO {quote('signals_signal_reference_key')}"
        )
        cursor.execute(
            f"CREATE INDEX {quote(LIKE_INDEX)} ON signals_signal (reference varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("signals", "0011_held_photos"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="signal",
                    name="reference",
                    field=models.CharField(editable=False, max_length=32, verbose_name="reference"),
                ),
                migrations.AddConstraint(
                    model_name="signal",
                    constraint=models.UniqueConstraint(
                        fields=("reference",), name="signal_reference_unique"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
