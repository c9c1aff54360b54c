import django.contrib.postgres.indexes
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

# Existing pieces (all keyed "every category") become one copy per category their area lists.
# After the index is built: the inserts leave deferred foreign-key checks pending, and
# PostgreSQL refuses to index a table with pending trigger events in the same transaction.
BACKFILL_SQL = """
INSERT INTO geo_serviceareapiece (area_id, category_key, geom)
SELECT p.area_id, ac.category_id, p.geom
FROM geo_serviceareapiece p
JOIN geo_servicearea_categories ac ON ac.servicearea_id = p.area_id
WHERE p.category_key = 0;

DELETE FROM geo_serviceareapiece p
WHERE p.category_key = 0
  AND EXISTS (SELECT 1 FROM geo_servicearea_categories ac WHERE ac.servicearea_id = p.area_id);
"""

# The pieces follow their area's category list, whichever way it changes (admin, import,
# shell, the cascade of a category's deletion): no re-subdivision, only re-keying and copies.
# An area with no category handles every category: its pieces have the key 0.
TRIGGER_SQL = """
CREATE FUNCTION geo_servicearea_category_pieces() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The area handled every category: its pieces now answer for this one only.
        UPDATE geo_serviceareapiece SET category_key = NEW.category_id
        WHERE area_id = NEW.servicearea_id AND category_key = 0;
        IF NOT FOUND THEN
            INSERT INTO geo_serviceareapiece (area_id, category_key, geom)
            SELECT area_id, NEW.category_id, geom
            FROM geo_serviceareapiece
            WHERE area_id = NEW.servicearea_id
              AND category_key = (SELECT min(category_key) FROM geo_serviceareapiece
                                  WHERE area_id = NEW.servicearea_id
                                    AND category_key <> NEW.category_id);
        END IF;
    ELSIF EXISTS (SELECT 1 FROM geo_servicearea_categories WHERE servicearea_id = OLD.servicearea_id) THEN
        DELETE FROM geo_serviceareapiece
        WHERE area_id = OLD.servicearea_id AND category_key = OLD.category_id;
    ELSE
        -- Its last category gone, the area handles every category again.
        UPDATE geo_serviceareapiece SET category_key = 0
        WHERE area_id = OLD.servicearea_id AND category_key = OLD.category_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER geo_servicearea_category_pieces
AFTER INSERT OR DELETE ON geo_servicearea_categories
FOR EACH ROW EXECUTE FUNCTION geo_servicearea_category_pieces();
"""

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS geo_servicearea_category_pieces ON geo_servicearea_categories;
DROP FUNCTION IF EXISTS geo_servicearea_category_pieces();
"""

UNDO_BACKFILL_SQL = """
DELETE FROM geo_serviceareapiece p
WHERE p.id <> (SELECT min(q.id) FROM geo_serviceareapiece q
               WHERE q.area_id = p.area_id AND q.geom = p.geom);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0003_one_gist_index"),
        ("signals", "0009_category_name_en"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RemoveIndex(
            model_name="serviceareapiece",
            name="serviceareapiece_geom_gist",
        ),
        migrations.AddField(
            model_name="serviceareapiece",
            name="category_key",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="serviceareapiece",
            index=django.contrib.postgres.indexes.GistIndex(
                fields=["category_key", "geom"], name="serviceareapiece_cat_geom_gist"
            ),
        ),
        migrations.RunSQL(BACKFILL_SQL, UNDO_BACKFILL_SQL),
        migrations.RunSQL(TRIGGER_SQL, DROP_TRIGGER_SQL),
        # Routing asks "does any area list this category?" before a nearest search.
        migrations.RunSQL(
            "CREATE INDEX geo_servicearea_categories_listed"
            " ON geo_servicearea_categories (category_id, servicearea_id)",
            "DROP INDEX geo_servicearea_categories_listed",
        ),
    ]
