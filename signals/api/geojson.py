"""Public signals as GeoJSON, built by PostgreSQL in one query.

The same Features as `SignalPublicSerializer` (which the detail view still
uses), but assembled with `json_build_object` / `ST_AsGeoJSON` / `json_agg`:
on a 10,000-signal viewport a Python serializer per row costs several times
the query itself. `tests/signals/test_api_geojson_sql.py` holds the two to
the same output.
"""

from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from signals.models import NAME_LANGUAGES
from workflow.states import State


class _Args(list):
    """Positional query parameters collected in the order the SQL text uses them."""

    def __call__(self, value) -> str:
        self.append(value)
        return "%s"


def _iso(column: str, arg: _Args) -> str:
    """SQL rendering a timestamptz exactly as DRF's DateTimeField does.

    ISO 8601 in the current time zone, microseconds only when non-zero, and
    `Z` for UTC.
    """
    zone = timezone.get_current_timezone_name()

    def local() -> str:
        return f"({column} AT TIME ZONE {arg(zone)})"

    def offset() -> str:
        return f"({local()} - ({column} AT TIME ZONE 'UTC'))"

    return f"""(to_char({local()}, 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN extract(microseconds FROM {column})::bigint %% 1000000 <> 0
                THEN to_char({local()}, '.US') ELSE '' END
        || CASE WHEN {offset()} = interval '0' THEN 'Z'
                WHEN {offset()} < interval '0' THEN '-' || to_char(-{offset()}, 'HH24:MI')
                ELSE '+' || to_char({offset()}, 'HH24:MI') END)"""


def _status_label(arg: _Args) -> str:
    cases = " ".join(f"WHEN {arg(value)} THEN {arg(str(label))}" for value, label in State.choices)
    return f"CASE s.status {cases} END"


def _photo_prefix(request) -> str:
    # Storage URLs are prefix + name for the file system storage we use;
    # names are random hex, which need no escaping.
    prefix = default_storage.url("x")[:-1]
    return request.build_absolute_uri(prefix) if request is not None else prefix


def _category_name() -> str:
    # As Category.display_name: the active language's name, French when it has none.
    language = (get_language() or "").split("-")[0]
    if language not in NAME_LANGUAGES:
        return "c.name"
    return f"coalesce(nullif(c.name_{language}, ''), c.name)"


def features_sql(page: QuerySet, *, request=None) -> tuple[str, list]:
    """One query returning the JSON array of the Features of `page` (ordered, sliced),
    and how many there are: a page that is not full says the count of the whole list."""
    ids = page.annotate(page_id=F("pk")).values_list("page_id", flat=True)
    ids_sql, ids_params = ids.query.sql_with_params()
    arg = _Args(ids_params)
    # ARRAY(subquery) keeps the page's order; WITH ORDINALITY numbers it. The
    # derived table drops the ordering columns that DISTINCT adds to the select list.
    # Only Django-compiled SQL and constants are interpolated; values are parameters.
    sql = f"""
        WITH page AS MATERIALIZED (
            SELECT id, ord
            FROM unnest(ARRAY(SELECT q.page_id FROM ({ids_sql}) AS q)) WITH ORDINALITY AS t(id, ord)
        )
        SELECT coalesce(json_agg(json_build_object(
            'id', s.reference,
            'type', 'Feature',
            'geometry', ST_AsGeoJSON(s.location, 15)::json,
            'properties', json_build_object(
                'category', json_build_object('code', c.code, 'name', {_category_name()}, 'parent', p.code),
                'description', s.description,
                'address', s.address,
                'status', s.status,
                'status_label', {_status_label(arg)},
                'service', CASE WHEN sv.id IS NULL THEN NULL
                                ELSE json_build_object('slug', sv.slug, 'name', sv.name) END,
                'created_at', {_iso("s.created_at", arg)},
                'updated_at', {_iso("s.updated_at", arg)},
                'photos', coalesce((
                    SELECT json_agg(json_build_object(
                        'url', {arg(_photo_prefix(request))} || ph.image, 'kind', ph.kind,
                        'width', ph.width, 'height', ph.height) ORDER BY ph.created_at, ph.id)
                    FROM signals_photo ph WHERE ph.signal_id = s.id AND ph.is_public), '[]')
            )) ORDER BY page.ord), '[]')::text AS features,
            count(*) AS rows
        FROM page
        JOIN signals_signal s ON s.id = page.id
        JOIN signals_category c ON c.id = s.category_id
        LEFT JOIN signals_category p ON p.id = c.parent_id
        LEFT JOIN geo_service sv ON sv.id = s.service_id
    """  # noqa: S608
    return sql, list(arg)


def features_json(page: QuerySet, *, request=None) -> tuple[str, int]:
    """(the JSON array of the page's Features, their number)."""
    sql, params = features_sql(page, request=request)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
