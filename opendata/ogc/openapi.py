"""The OpenAPI 3.0 definition of /ogc/ (conformance class oas30), built from COLLECTIONS."""

from opendata.ogc.collections import COLLECTIONS


def _param(name, description, schema, required=False, location="query", **extra):
    return (
        {
            "name": name,
            "in": location,
            "description": description,
            "required": required,
            "schema": schema,
            "style": "form",
            "explode": False,
            **extra,
        }
        if location == "query"
        else {
            "name": name,
            "in": location,
            "description": description,
            "required": True,
            "schema": schema,
        }
    )


F = _param("f", "Response format.", {"type": "string", "enum": ["json", "html"]})
JSON_BODY = {
    "application/json": {"schema": {"type": "object"}},
    "text/html": {"schema": {"type": "string"}},
}
GEOJSON_BODY = {
    "application/geo+json": {"schema": {"type": "object"}},
    "text/html": {"schema": {"type": "string"}},
}
ERRORS = {
    "400": {
        "description": "A malformed or unknown query parameter.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}},
    },
    "404": {
        "description": "No such resource.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}},
    },
}


def _get(summary, operation_id, parameters, body, description="OK"):
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "parameters": parameters,
            "responses": {"200": {"description": description, "content": body}, **ERRORS},
        }
    }


def openapi_document(server_url: str) -> dict:
    paths = {
        "/": _get("Landing page", "getLandingPage", [F], JSON_BODY),
        "/conformance": _get("Conformance classes", "getConformanceDeclaration", [F], JSON_BODY),
        "/api": _get(
            "This API definition",
            "getAPI",
            [F],
            {"application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}},
        ),
        "/collections": _get("Feature collections", "getCollections", [F], JSON_BODY),
    }
    for collection in COLLECTIONS.values():
        base = f"/collections/{collection.id}"
        items_params = [
            _param(
                "limit",
                "Number of features per page.",
                {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            ),
            _param(
                "offset",
                "Features to skip.",
                {"type": "integer", "minimum": 0, "default": 0},
            ),
            _param(
                "cursor",
                "Where a page starts: the next and prev links carry it (opaque; pages reached "
                "with it leave out numberMatched).",
                {"type": "string"},
            ),
            _param(
                "bbox",
                "minlon,minlat,maxlon,maxlat in CRS84.",
                {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
            ),
            F,
        ]
        if collection.temporal_field:
            items_params.append(
                _param(
                    "datetime",
                    "An RFC 3339 instant, or an interval start/end where an open end is `..`.",
                    {"type": "string"},
                )
            )
        items_params += [
            _param(name, str(description), {"type": "string"})
            for name, description in collection.filters.items()
        ]
        paths[base] = _get(str(collection.title), f"describe-{collection.id}", [F], JSON_BODY)
        paths[f"{base}/items"] = _get(
            f"{collection.title}: features",
            f"get-{collection.id}-features",
            items_params,
            GEOJSON_BODY,
        )
        paths[f"{base}/items/{{featureId}}"] = _get(
            f"{collection.title}: one feature",
            f"get-{collection.id}-feature",
            [
                _param(
                    "featureId", "Identifier of the feature.", {"type": "string"}, location="path"
                ),
                F,
            ],
            GEOJSON_BODY,
        )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Dans ma rue — OGC API – Features",
            "version": "1.0.0",
            "description": "Signals and service areas, as OGC API – Features Part 1: Core.",
            "license": {"name": "ODbL", "url": "https://opendatacommons.org/licenses/odbl/"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {
                "exception": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
                }
            }
        },
    }
