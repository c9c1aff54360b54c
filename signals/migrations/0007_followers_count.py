from django.db import migrations, models

# Confirmed followers per signal, counted where they are written: whatever the path
# (a follow page, an unsubscribe link, the admin, a cascade), the count follows.
TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION signals_follower_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.confirmed_at IS NOT NULL THEN
        UPDATE signals_signal SET followers_count = followers_count - 1
        WHERE id = OLD.signal_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.confirmed_at IS NOT NULL THEN
        UPDATE signals_signal SET followers_count = followers_count + 1
        WHERE id = NEW.signal_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER signals_follower_count_insert_delete
    AFTER INSERT OR DELETE ON signals_follower
    FOR EACH ROW EXECUTE FUNCTION signals_follower_count();

CREATE TRIGGER signals_follower_count_update
    AFTER UPDATE OF confirmed_at, signal_id ON signals_follower
    FOR EACH ROW
    WHEN ((OLD.confirmed_at IS NULL) IS DISTINCT FROM (NEW.confirmed_at IS NULL)
          OR OLD.signal_id IS DISTINCT FROM NEW.signal_id)
    EXECUTE FUNCTION signals_follower_count();

UPDATE signals_signal s SET followers_count = f.n
FROM (SELECT signal_id, count(*) AS n FROM signals_follower
      WHERE confirmed_at IS NOT NULL GROUP BY signal_id) AS f
WHERE f.signal_id = s.id;
"""

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS signals_follower_count_insert_delete ON signals_follower;
DROP TRIGGER IF EXISTS signals_follower_count_update ON signals_follower;
DROP FUNCTION IF EXISTS signals_follower_count();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('geo', '0003_one_gist_index'),
        ('signals', '0006_queue_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='signal',
            name='followers_count',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='followers'),
        ),
        migrations.AddIndex(
            model_name='signal',
            index=models.Index(condition=models.Q(('status__in', ['accepted', 'in_progress', 'new', 'on_hold', 'scheduled'])), fields=['service', '-followers_count', 'id'], name='signal_queue_open_followed'),
        ),
        migrations.RunSQL(TRIGGER_SQL, DROP_TRIGGER_SQL),
    ]
