"""Our objects as GeoReport v2 documents: every field of the specification."""

from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import F, FloatField, Func, QuerySet
from django.utils import timezone

from opendata.dansmarue import split_address
from opendata.selectors import first_public_photo, last_public_message
from signals.models import Category, Signal
from workflow.states import CLOSED, State

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def iso(value, zone=None) -> str | None:
    """ISO 8601 with the offset of the city's time zone, as the specification requires."""
    if not value:
        return None
    return value.astimezone(zone or timezone.get_current_timezone()).isoformat(timespec="seconds")


# The columns a request document reads, as plain values: a 1,000-request list used to
# build four model instances per row (signal, category, its parent, service), which
# cost more than the query. Categories are few and come in one query per page.
def requests_queryset(queryset: QuerySet[Signal]) -> QuerySet:
    return queryset.values(
        "reference",
        "status",
        "description",
        "address",
        "created_at",
        "updated_at",
        "closed_at",
        "category_id",
        service_name=F("service__name"),
        public_message=last_public_message(),
        public_photo=first_public_photo(),
        # Numbers from PostgreSQL: no GEOS point per request to read them back.
        longitude=Func("location", function="ST_X", output_field=FloatField()),
        latitude=Func("location", function="ST_Y", output_field=FloatField()),
    )


def request_documents(rows: list[dict], http_request) -> list[dict]:
    """`rows` from `requests_queryset`, as GeoReport v2 requests in the active language."""
    categories = Category.objects.in_bulk({row["category_id"] for row in rows})
    labels = {value: str(label) for value, label in State.choices}
    zone = timezone.get_current_timezone()
    return [
        _request_document(row, categories[row["category_id"]], labels, zone, http_request)
        for row in rows
    ]


def _request_document(row: dict, category: Category, labels: dict, zone, http_request) -> dict:
    status = row["status"]
    label = labels.get(status, status)
    closed = status in CLOSED
    message = row["public_message"]
    notes = f"{label} — {message}" if message else label
    expected = None
    if not closed:
        expected = row["created_at"] + timedelta(days=category.service_level_days)
    media_url = ""
    if row["public_photo"]:
        media_url = http_request.build_absolute_uri(default_storage.url(row["public_photo"]))
    zipcode, _city, _district = split_address(row["address"])
    return {
        "service_request_id": row["reference"],
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": category.display_name,
        "service_code": category.code,
        "description": row["description"],
        "agency_responsible": row["service_name"] or "",
        "service_notice": "",
        "requested_datetime": iso(row["created_at"], zone),
        "updated_datetime": iso(row["updated_at"], zone),
        "expected_datetime": iso(expected, zone),
        "address": row["address"],
        "address_id": "",
        "zipcode": zipcode,
        "lat": round(row["latitude"], 7),
        "long": round(row["longitude"], 7),
        "media_url": media_url,
        # GeoReport v2 extension: the detailed workflow state behind open/closed.
        "extended_attributes": {
            "detailed_status": status,
            "detailed_status_label": label,
            "closed_datetime": iso(row["closed_at"], zone),
        },
    }


def service_document(category: Category) -> dict:
    parent = category.parent.display_name if category.parent_id else ""
    return {
        "service_code": category.code,
        "service_name": category.display_name,
        "description": category.description or category.display_name,
        "metadata": bool(category.attribute_count),
        "type": "realtime",
        "keywords": ", ".join(filter(None, [parent, category.display_name])),
        "group": parent,
    }


def definition_document(category: Category) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                "order": attribute.order,
                "description": attribute.description,
                "values": [
                    {"key": str(item.get("key", "")), "name": str(item.get("name", ""))}
                    for item in (attribute.values if isinstance(attribute.values, list) else [])
                    if isinstance(item, dict)
                ],
            }
            for attribute in category.open311_attributes.all()
        ],
    }


def discovery_document(endpoint_url: str) -> dict:
    changeset = getattr(settings, "OPEN311_CHANGESET", "2026-11-22T00:00:00+00:00")
    return {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", settings.DEFAULT_FROM_EMAIL),
        "key_service": getattr(
            settings, "OPEN311_KEY_SERVICE", "API keys are issued by the city's administrators."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
