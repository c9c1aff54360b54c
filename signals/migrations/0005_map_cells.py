import math

from django.conf import settings
from django.db import migrations, models

# Frozen copies of signals.mapcells at the time of this migration.
LEVELS = range(8, 15)
CELL_PX = 80


def _steps(level: int) -> tuple[float, float]:
    lon_step = 360 / (256 * 2**level) * CELL_PX
    return lon_step, lon_step * math.cos(math.radians(settings.MAP_CENTER[1]))


def count_existing_signals(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for level in LEVELS:
            cursor.execute(
                "INSERT INTO signals_mapgrid (level, lon_step, lat_step) VALUES (%s, %s, %s)",
                [level, *_steps(level)],
            )
        cursor.execute(
            """
            INSERT INTO signals_mapcell
                (level, gx, gy, category_id, status, count, sum_lon, sum_lat)
            SELECT g.level, floor(ST_X(s.location) / g.lon_step)::int,
                   floor(ST_Y(s.location) / g.lat_step)::int, s.category_id, s.status,
                   count(*), sum(ST_X(s.location)), sum(ST_Y(s.location))
            FROM signals_signal s, signals_mapgrid g
            GROUP BY 1, 2, 3, 4, 5
            """
        )


TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION signals_mapcell_track() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO signals_mapcellchange
            (level, gx, gy, category_id, status, count, sum_lon, sum_lat)
        SELECT g.level, floor(ST_X(OLD.location) / g.lon_step)::int,
               floor(ST_Y(OLD.location) / g.lat_step)::int,
               OLD.category_id, OLD.status, -1, -ST_X(OLD.location), -ST_Y(OLD.location)
        FROM signals_mapgrid g;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO signals_mapcellchange
            (level, gx, gy, category_id, status, count, sum_lon, sum_lat)
        SELECT g.level, floor(ST_X(NEW.location) / g.lon_step)::int,
               floor(ST_Y(NEW.location) / g.lat_step)::int,
               NEW.category_id, NEW.status, 1, ST_X(NEW.location), ST_Y(NEW.location)
        FROM signals_mapgrid g;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS signals_mapcell_insert_delete ON signals_signal;
CREATE TRIGGER signals_mapcell_insert_delete
    AFTER INSERT OR DELETE ON signals_signal
    FOR EACH ROW EXECUTE FUNCTION signals_mapcell_track();

-- Most updates (a comment, a transfer, a new version) leave the cell alone.
DROP TRIGGER IF EXISTS signals_mapcell_update ON signals_signal;
CREATE TRIGGER signals_mapcell_update
    AFTER UPDATE OF status, category_id, location ON signals_signal
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.category_id IS DISTINCT FROM NEW.category_id
          OR NOT ST_Equals(OLD.location, NEW.location))
    EXECUTE FUNCTION signals_mapcell_track();
"""

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS signals_mapcell_insert_delete ON signals_signal;
DROP TRIGGER IF EXISTS signals_mapcell_update ON signals_signal;
DROP FUNCTION IF EXISTS signals_mapcell_track();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('signals', '0004_map_tile_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='MapCellChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField()),
                ('gx', models.IntegerField()),
                ('gy', models.IntegerField()),
                ('category_id', models.BigIntegerField()),
                ('status', models.CharField(max_length=20)),
                ('count', models.IntegerField()),
                ('sum_lon', models.FloatField()),
                ('sum_lat', models.FloatField()),
            ],
        ),
        migrations.CreateModel(
            name='MapGrid',
            fields=[
                ('level', models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ('lon_step', models.FloatField()),
                ('lat_step', models.FloatField()),
            ],
        ),
        migrations.CreateModel(
            name='MapCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField()),
                ('gx', models.IntegerField()),
                ('gy', models.IntegerField()),
                ('category_id', models.BigIntegerField()),
                ('status', models.CharField(max_length=20)),
                ('count', models.IntegerField()),
                ('sum_lon', models.FloatField()),
                ('sum_lat', models.FloatField()),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('level', 'gx', 'gy', 'category_id', 'status'), name='mapcell_key')],
            },
        ),
        migrations.RunSQL(TRIGGER_SQL, DROP_TRIGGER_SQL),
        migrations.RunPython(count_existing_signals, migrations.RunPython.noop),
    ]
