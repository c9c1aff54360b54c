"""OGC API – Features, Part 1: Core, at /ogc/ (GeoJSON, HTML and an OpenAPI 3.0 definition)."""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.paging import count_capped
from opendata.ogc.collections import COLLECTIONS, Collection, parse_datetime_filter
from opendata.ogc.openapi import openapi_document
from opendata.ogc.paging import AFTER, BEFORE, decode_cursor, encode_cursor, page_rows
from opendata.params import BadParameter, parse_bbox, parse_int

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


class BadRequest(Exception):
    def __init__(self, message: str):
        self.message = message


def _format(request, allowed=("json", "html")) -> str:
    fmt = request.GET.get("f")
    if fmt is not None:
        if fmt not in allowed:
            raise BadRequest(_("f is one of: %(formats)s.") % {"formats": ", ".join(allowed)})
        return fmt
    accept = request.headers.get("Accept", "")
    # A browser asks for HTML first; GDAL, QGIS and curl ask for JSON or anything.
    if "text/html" in accept and "json" not in accept.split("text/html")[0]:
        return "html"
    return "json"


def _check_params(request, allowed: set[str]) -> None:
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise BadRequest(
            _("Unknown query parameter(s): %(names)s. Allowed: %(allowed)s.")
            % {"names": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
        )
    for name in request.GET:
        if len(request.GET.getlist(name)) > 1:
            raise BadRequest(_("%(name)s is given more than once.") % {"name": name})


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "description": message}, status=status)


_REFUSAL_CODES = {400: "InvalidParameterValue", 413: "PayloadTooLarge", 503: "ServiceUnavailable"}


def refusal(request, *, status: int, message: str) -> JsonResponse:
    """A request refused before any view ran (config.error_response), as an OGC exception."""
    return _error(status, _REFUSAL_CODES.get(status, "Error"), message)


def _url(request, path: str, **query) -> str:
    query = {k: v for k, v in query.items() if v is not None}
    return request.build_absolute_uri(path + (f"?{urlencode(query)}" if query else ""))


def _self_links(request, path: str, title: str, json_type: str = JSON) -> list[dict]:
    return [
        {"href": _url(request, path, f="json"), "rel": "self", "type": json_type, "title": title},
        {
            "href": _url(request, path, f="html"),
            "rel": "alternate",
            "type": "text/html",
            "title": title,
        },
    ]


def _respond(request, fmt: str, data: dict, template_title: str, content_type: str = JSON):
    if fmt == "html":
        return render(
            request,
            "opendata/ogc.html",
            {
                "title": template_title,
                "data": data,
                "pretty": json.dumps(data, indent=2, ensure_ascii=False),
            },
        )
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=content_type)


def ogc_view(allowed_params: set[str]):
    """Validate `f` and reject unknown parameters with a 400, as Part 1 requires."""

    def decorator(view):
        @require_GET
        def wrapped(request, *args, **kwargs):
            try:
                _check_params(request, allowed_params)
                return view(request, *args, **kwargs)
            except BadRequest as error:
                return _error(400, "InvalidParameterValue", error.message)
            except BadParameter as error:
                return _error(400, "InvalidParameterValue", f"{error.name}: {error}")

        return wrapped

    return decorator


@ogc_view({"f"})
def landing(request):
    fmt = _format(request)
    data = {
        "title": _("Dans ma rue — open data"),
        "description": _("Problems reported in the public space, and the services' areas."),
        "links": [
            *_self_links(request, "/ogc/", _("This document")),
            {
                "href": _url(request, "/ogc/api"),
                "rel": "service-desc",
                "type": OPENAPI,
                "title": _("API definition"),
            },
            {
                "href": _url(request, "/ogc/api", f="html"),
                "rel": "service-doc",
                "type": "text/html",
                "title": _("API documentation"),
            },
            {
                "href": _url(request, "/ogc/conformance"),
                "rel": "conformance",
                "type": JSON,
                "title": _("Conformance"),
            },
            {
                "href": _url(request, "/ogc/conformance"),
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                "type": JSON,
                "title": _("Conformance"),
            },
            {
                "href": _url(request, "/ogc/collections"),
                "rel": "data",
                "type": JSON,
                "title": _("Collections"),
            },
            {
                "href": _url(request, "/ogc/collections"),
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/data",
                "type": JSON,
                "title": _("Collections"),
            },
        ],
    }
    return _respond(request, fmt, data, data["title"])


@ogc_view({"f"})
def conformance(request):
    fmt = _format(request)
    return _respond(request, fmt, {"conformsTo": CONFORMANCE}, _("Conformance"))


@ogc_view({"f"})
def api_definition(request):
    fmt = _format(request)
    document = openapi_document(request.build_absolute_uri("/ogc"))
    if fmt == "html":
        return _respond(request, fmt, document, _("API definition"))
    return HttpResponse(json.dumps(document, ensure_ascii=False), content_type=OPENAPI)


def _collection_document(request, collection: Collection) -> dict:
    base = f"/ogc/collections/{collection.id}"
    extent = {
        "spatial": {"bbox": [collection.spatial_extent() or [-180, -90, 180, 90]], "crs": CRS84}
    }
    temporal = collection.temporal_extent()
    if temporal:
        extent["temporal"] = {
            "interval": [temporal],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return {
        "id": collection.id,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            *_self_links(request, base, str(collection.title)),
            {
                "href": _url(request, f"{base}/items", f="json"),
                "rel": "items",
                "type": GEOJSON,
                "title": str(collection.title),
            },
            {
                "href": _url(request, f"{base}/items", f="html"),
                "rel": "items",
                "type": "text/html",
                "title": str(collection.title),
            },
        ],
    }


@ogc_view({"f"})
def collections(request):
    fmt = _format(request)
    data = {
        "links": _self_links(request, "/ogc/collections", _("Collections")),
        "collections": [_collection_document(request, c) for c in COLLECTIONS.values()],
    }
    return _respond(request, fmt, data, _("Collections"))


def _collection_or_404(collection_id: str) -> Collection | None:
    return COLLECTIONS.get(collection_id)


@require_GET
def collection(request, collection_id):
    target = _collection_or_404(collection_id)
    if target is None:
        return _error(404, "NotFound", _("No collection “%(id)s”.") % {"id": collection_id[:40]})
    return ogc_view({"f"})(
        lambda request: _respond(
            request, _format(request), _collection_document(request, target), str(target.title)
        )
    )(request)


def _items_params(target: Collection) -> set[str]:
    params = {"f", "limit", "offset", "cursor", "bbox", *target.filters}
    if target.temporal_field:
        params.add("datetime")
    return params


@require_GET
def items(request, collection_id):
    target = _collection_or_404(collection_id)
    if target is None:
        return _error(404, "NotFound", _("No collection “%(id)s”.") % {"id": collection_id[:40]})
    return ogc_view(_items_params(target))(lambda request: _items(request, target))(request)


def _items(request, target: Collection):
    fmt = _format(request)
    params = request.GET
    limit = (
        parse_int("limit", params["limit"], minimum=1, maximum=MAX_LIMIT)
        if "limit" in params
        else DEFAULT_LIMIT
    )
    offset = (
        parse_int("offset", params["offset"], minimum=0, maximum=10**9) if "offset" in params else 0
    )
    queryset = target.queryset()
    if "bbox" in params:
        from django.contrib.gis.geos import Polygon

        box = Polygon.from_bbox(parse_bbox("bbox", params["bbox"]))
        box.srid = 4326
        queryset = queryset.filter(**{f"{target.geometry_field}__intersects": box})
    if "datetime" in params:
        start, end = parse_datetime_filter(params["datetime"])
        if start:
            queryset = queryset.filter(**{f"{target.temporal_field}__gte": start})
        if end:
            queryset = queryset.filter(**{f"{target.temporal_field}__lte": end})
    for name in target.filters:
        if name in params:
            queryset = target.apply_filter(queryset, name, params[name])

    cursor = (
        decode_cursor(params["cursor"], queryset, target.ordering) if "cursor" in params else None
    )
    rows, more = page_rows(
        queryset,
        target.ordering,
        lambda page: target.features(page).values_list("feature", *target.ordering),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    features = [row[0] for row in rows]
    base = f"/ogc/collections/{target.id}/items"
    query = {k: v for k, v in params.items() if k not in ("offset", "cursor")}
    here = {"offset": offset or None, "cursor": params.get("cursor")}
    links = [
        {
            "href": _url(request, base, **{**query, **here, "f": "json"}),
            "rel": "self",
            "type": GEOJSON,
            "title": _("This page"),
        },
        {
            "href": _url(request, base, **{**query, **here, "f": "html"}),
            "rel": "alternate",
            "type": "text/html",
            "title": _("This page"),
        },
        {
            "href": _url(request, f"/ogc/collections/{target.id}"),
            "rel": "collection",
            "type": JSON,
            "title": str(target.title),
        },
    ]
    page_type = GEOJSON if fmt == "json" else "text/html"
    backwards = cursor is not None and cursor.direction == BEFORE
    if rows and (more if not backwards else True):
        links.append(
            {
                "href": _url(
                    request,
                    base,
                    **{**query, "cursor": encode_cursor(AFTER, rows[-1][1:]), "f": fmt},
                ),
                "rel": "next",
                "type": page_type,
                "title": _("Next page"),
            }
        )
    if rows and (more if backwards else (cursor is not None or offset > 0)):
        links.append(
            {
                "href": _url(
                    request,
                    base,
                    **{**query, "cursor": encode_cursor(BEFORE, rows[0][1:]), "f": fmt},
                ),
                "rel": "prev",
                "type": page_type,
                "title": _("Previous page"),
            }
        )
    matched = count_capped(queryset) if cursor is None else None
    head = {
        "type": "FeatureCollection",
        "timeStamp": timezone.now().isoformat(timespec="seconds"),
        # Counted for a first page (or an offset) when at most 10,000 features match;
        # left out, as the standard allows, above that and on the pages a cursor reaches:
        # counting the 200,000 signals of a city centre's bbox took 0.4 s, four times the
        # page, and a harvester would pay it again page after page.
        **({"numberMatched": matched} if matched is not None else {}),
        "numberReturned": len(features),
        "links": links,
    }
    if fmt == "html":
        data = {**head, "features": [json.loads(f) for f in features]}
        return _respond(request, fmt, data, str(target.title))
    # The features arrive serialized by PostgreSQL: splice them in rather than re-encode them.
    body = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [' + ",".join(features) + "]}"
    return HttpResponse(body, content_type=GEOJSON)


@require_GET
def item(request, collection_id, feature_id):
    target = _collection_or_404(collection_id)
    if target is None:
        return _error(404, "NotFound", _("No collection “%(id)s”.") % {"id": collection_id[:40]})

    def view(request):
        fmt = _format(request)
        feature = target.features(target.get(feature_id)).first()
        if feature is None:
            return _error(404, "NotFound", _("No feature “%(id)s”.") % {"id": feature_id[:40]})
        base = f"/ogc/collections/{target.id}/items/{feature_id}"
        links = [
            *_self_links(request, base, feature_id, GEOJSON),
            {
                "href": _url(request, f"/ogc/collections/{target.id}"),
                "rel": "collection",
                "type": JSON,
                "title": str(target.title),
            },
        ]
        if fmt == "html":
            return _respond(request, fmt, {**json.loads(feature), "links": links}, feature_id)
        body = feature[:-1] + ', "links": ' + json.dumps(links, ensure_ascii=False) + "}"
        return HttpResponse(body, content_type=GEOJSON)

    return ogc_view({"f"})(view)(request)
