from django.db import migrations, models

# A signal's quadtree key: its web-mercator tile at zoom 19 (x, y) by the slippy-map
# formulas, their bits interleaved (x on the even bits, y on the odd ones), so that the
# keys of every tile's descendants form one range (signals.tiles). NULL off the
# web-mercator square (beyond ±85.05° of latitude no tile shows a point).
#
# PL/pgSQL caches its plan for the backend's life: the same body in SQL with subqueries
# was planned again for every row of the table's rewrite (~230 µs a row against ~6 µs),
# and ST_Transform would have set its projection up again at each report. It takes
# numbers, not a geometry, and calls only pg_catalog's functions: nothing to look up
# through the search_path, which pg_restore empties while it refills the column.
FUNCTION_SQL = """
CREATE FUNCTION signals_tile_key(lon float8, lat float8) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    fx float8 := floor((lon + 180) / 360 * 524288);
    fy float8 := floor((1 - asinh(tan(radians(lat))) / pi()) / 2 * 524288);
    x bigint;
    y bigint;
BEGIN
    IF NOT (fx BETWEEN 0 AND 524287 AND fy BETWEEN 0 AND 524287) THEN
        RETURN NULL;
    END IF;
    x := fx;
    y := fy;
    -- Bit k moved to bit 2k, by halves: the masks are 0x0000FFFF0000FFFF,
    -- 0x00FF00FF00FF00FF, 0x0F0F0F0F0F0F0F0F, 0x3333333333333333, 0x5555555555555555.
    x := (x | (x << 16)) & 281470681808895;
    y := (y | (y << 16)) & 281470681808895;
    x := (x | (x << 8)) & 71777214294589695;
    y := (y | (y << 8)) & 71777214294589695;
    x := (x | (x << 4)) & 1085102592571150095;
    y := (y | (y << 4)) & 1085102592571150095;
    x := (x | (x << 2)) & 3689348814741910323;
    y := (y | (y << 2)) & 3689348814741910323;
    x := (x | (x << 1)) & 6148914691236517205;
    y := (y | (y << 1)) & 6148914691236517205;
    RETURN x | (y << 1);
END
$$;
"""

DROP_FUNCTION_SQL = "DROP FUNCTION IF EXISTS signals_tile_key(float8, float8);"


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0004_pieces_by_category"),
        ("signals", "0013_drop_queue_counts_index"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION_SQL, DROP_FUNCTION_SQL),
        # Adding a stored generated column rewrites the table: PostgreSQL computes the key
        # of every existing signal (~10 s a million rows, under an exclusive lock).
        migrations.AddField(
            model_name="signal",
            name="tile_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(
                    models.Func("location", function="ST_X", output_field=models.FloatField()),
                    models.Func("location", function="ST_Y", output_field=models.FloatField()),
                    function="signals_tile_key",
                    output_field=models.BigIntegerField(),
                ),
                output_field=models.BigIntegerField(),
            ),
        ),
        migrations.AddIndex(
            model_name="signal",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["accepted", "in_progress", "new", "on_hold", "scheduled"])
                ),
                fields=["tile_key"],
                name="signal_open_tile_key",
            ),
        ),
        # Replaces `signal_closed_at` (same column and condition) with the tile key and the
        # status alongside, so the recently closed signals of a tile are read off it alone.
        migrations.RemoveIndex(model_name="signal", name="signal_closed_at"),
        migrations.AddIndex(
            model_name="signal",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", False)),
                fields=["closed_at"],
                include=("tile_key", "status"),
                name="signal_closed_at_tile",
            ),
        ),
    ]
