"""Our objects as GeoReport v2 documents: every field of the specification."""

from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import FloatField, Func, QuerySet
from django.utils import timezone

from opendata.dansmarue import split_address
from opendata.selectors import first_public_photo, last_public_message
from signals.models import Category, Signal

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def iso(value, zone=None) -> str | None:
    """ISO 8601 with the offset of the city's time zone, as the specification requires."""
    if not value:
        return None
    return value.astimezone(zone or timezone.get_current_timezone()).isoformat(timespec="seconds")


def requests_queryset(queryset: QuerySet[Signal]) -> QuerySet[Signal]:
    # The coordinates come as numbers from PostgreSQL: building a GEOS point per request
    # to read them back cost a tenth of a 1,000-request list.
    return (
        queryset.select_related("category__parent", "service")
        .defer("location")
        .annotate(
            public_message=last_public_message(),
            public_photo=first_public_photo(),
            longitude=Func("location", function="ST_X", output_field=FloatField()),
            latitude=Func("location", function="ST_Y", output_field=FloatField()),
        )
    )


def request_document(signal: Signal, http_request) -> dict:
    """`signal` from `requests_queryset`."""
    zone = timezone.get_current_timezone()
    label = str(signal.get_status_display())
    notes = f"{label} — {signal.public_message}" if signal.public_message else label
    expected = None
    if not signal.is_closed:
        expected = signal.created_at + timedelta(days=signal.category.service_level_days)
    media_url = ""
    if signal.public_photo:
        media_url = http_request.build_absolute_uri(default_storage.url(signal.public_photo))
    zipcode, _city, _district = split_address(signal.address)
    return {
        "service_request_id": signal.reference,
        "status": "closed" if signal.is_closed else "open",
        "status_notes": notes,
        "service_name": signal.category.display_name,
        "service_code": signal.category.code,
        "description": signal.description,
        "agency_responsible": signal.service.name if signal.service_id else "",
        "service_notice": "",
        "requested_datetime": iso(signal.created_at, zone),
        "updated_datetime": iso(signal.updated_at, zone),
        "expected_datetime": iso(expected, zone),
        "address": signal.address,
        "address_id": "",
        "zipcode": zipcode,
        "lat": round(signal.latitude, 7),
        "long": round(signal.longitude, 7),
        "media_url": media_url,
        # GeoReport v2 extension: the detailed workflow state behind open/closed.
        "extended_attributes": {
            "detailed_status": signal.status,
            "detailed_status_label": label,
            "closed_datetime": iso(signal.closed_at, zone),
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
