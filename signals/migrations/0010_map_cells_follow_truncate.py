from django.db import migrations

# Emptying the signals table (a bulk reload, a test flush) empties the map's counts with it:
# a TRUNCATE fires no row trigger, and the counts would otherwise outlive their signals.
TRIGGER_SQL = """
CREATE FUNCTION signals_mapcell_truncate() RETURNS trigger AS $$
BEGIN
    -- DELETE, not TRUNCATE: the same statement may be truncating these tables too
    -- (a test database's flush), and a nested TRUNCATE of them is refused.
    DELETE FROM signals_mapcell;
    DELETE FROM signals_mapcellchange;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER signals_mapcell_truncate
AFTER TRUNCATE ON signals_signal
FOR EACH STATEMENT EXECUTE FUNCTION signals_mapcell_truncate();
"""

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS signals_mapcell_truncate ON signals_signal;
DROP FUNCTION IF EXISTS signals_mapcell_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("signals", "0009_category_name_en")]

    operations = [migrations.RunSQL(TRIGGER_SQL, DROP_TRIGGER_SQL)]
