"""Paris's "Dans ma rue" open-data CSV layout: export to it, read from it.

The column mapping is documented in the README ("Dans ma rue CSV"). Headers
are matched without regard to case, accents, underscores or spaces, so both
the current headers ("SOUS TYPE DECLARATION", "DATE DECLARATION") and the
older ones ("SOUSTYPE", "DATEDECL") are read.
"""

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from config.paging import beyond, keyset_read
from opendata.exports import CHUNK_SIZE, csv_stream
from opendata.params import BadParameter, parse_instant
from opendata.selectors import StX, StY

HEADER = [
    "ID DECLARATION",
    "TYPE DECLARATION",
    "SOUS TYPE DECLARATION",
    "ADRESSE",
    "CODE POSTAL",
    "VILLE",
    "ARRONDISSEMENT",
    "DATE DECLARATION",
    "ANNEE DECLARATION",
    "MOIS DECLARATION",
    "NUMERO",
    "PREFIXE",
    "INTERVENANT",
    "CONSEIL DE QUARTIER",
    "geo_shape",
    "geo_point_2d",
]
DELIMITER = ";"

POSTCODE = re.compile(r"\b(\d{5})\b\s*([^,\d][^,]*)?")


def normalize(text: str) -> str:
    """Upper case, no accents, single spaces: how headers and category names are compared."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s_\-]+", " ", text).strip().upper()


def split_address(address: str) -> tuple[str, str, str]:
    """(postcode, city, arrondissement) read from a free-text address, '' when absent."""
    match = POSTCODE.search(address or "")
    if not match:
        return "", "", ""
    postcode, city = match.group(1), (match.group(2) or "").strip()
    arrondissement = ""
    if postcode.startswith("75") and postcode != "75000":
        # Paris: 75001-75020, and 75116 for the north of the 16th.
        number = int(postcode[-2:])
        if 1 <= number <= 20:
            arrondissement = str(number)
    return postcode, city, arrondissement


def _export_row(row: tuple) -> list:
    reference, type_name, subtype_name, address, service_name, created_at, lon, lat = row
    postcode, city, arrondissement = split_address(address)
    prefix, _year, number = ([*reference.rsplit("-", 2), "", ""])[:3]
    local = timezone.localtime(created_at)
    lon, lat = round(lon, 7), round(lat, 7)
    return [
        reference,
        type_name,
        subtype_name,
        address,
        postcode,
        city,
        arrondissement,
        local.date().isoformat(),
        local.year,
        local.month,
        int(number) if number.isdigit() else "",
        prefix,
        service_name or "",
        "",  # no neighbourhood-council boundaries in our data
        json.dumps({"type": "Point", "coordinates": [lon, lat]}),
        f"{lat}, {lon}",
    ]


def export_stream(queryset: QuerySet) -> Iterator[str]:
    rows = (
        queryset.annotate(
            type_name=Coalesce(F("category__parent__name"), F("category__name")),
            subtype_name=F("category__name"),
            service_name=F("service__name"),
            lon=StX("location"),
            lat=StY("location"),
        )
        .order_by("created_at", "id")
        .values_list(
            "reference",
            "type_name",
            "subtype_name",
            "address",
            "service_name",
            "created_at",
            "lon",
            "lat",
            "id",
        )
    )
    read = keyset_read(rows, after=_after, size=CHUNK_SIZE)
    return csv_stream(HEADER, (_export_row(row[:-1]) for row in read), delimiter=DELIMITER)


def _after(rows: QuerySet, last: tuple) -> QuerySet:
    return rows.filter(beyond(("created_at", "id"), (last[5], last[-1])))


# --- Import -----------------------------------------------------------------

COLUMN_ALIASES = {
    "id": ["ID DECLARATION", "ID DMR", "ID"],
    "type": ["TYPE DECLARATION", "TYPE"],
    "subtype": ["SOUS TYPE DECLARATION", "SOUSTYPE", "SOUS TYPE"],
    "address": ["ADRESSE"],
    "postcode": ["CODE POSTAL"],
    "city": ["VILLE"],
    "date": ["DATE DECLARATION", "DATEDECL", "DATE"],
    "point": ["GEO POINT 2D", "GEO POINT"],
    "shape": ["GEO SHAPE"],
}


class RejectedLine(ValueError):
    pass


def columns_for(header: list[str]) -> dict[str, str]:
    """Map our names to the file's own header names; raises on a missing required column."""
    by_norm = {normalize(name): name for name in header}
    found = {}
    for key, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if normalize(alias) in by_norm:
                found[key] = by_norm[normalize(alias)]
                break
    missing = []
    if "type" not in found and "subtype" not in found:
        missing.append("TYPE DECLARATION / SOUS TYPE DECLARATION")
    if "date" not in found:
        missing.append("DATE DECLARATION")
    if "point" not in found and "shape" not in found:
        missing.append("geo_point_2d / geo_shape")
    if missing:
        raise ValueError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    return found


class CategoryIndex:
    """Finds a reportable category from Dans ma rue's type and sub-type labels (or codes)."""

    def __init__(self, categories):
        self.by_pair, self.by_name, self.by_code = {}, {}, {}
        for category in categories:
            parent = category.parent.name if category.parent_id else ""
            self.by_pair[(normalize(parent), normalize(category.name))] = category
            self.by_name.setdefault(normalize(category.name), category)
            self.by_code[category.code] = category

    def find(self, type_label: str, subtype_label: str):
        # Some years write the sub-type as "Type:Sous-type".
        subtype = subtype_label.rsplit(":", 1)[-1]
        for candidate in (
            self.by_pair.get((normalize(type_label), normalize(subtype))),
            self.by_name.get(normalize(subtype)),
            self.by_code.get(subtype.strip()),
        ):
            if candidate is not None:
                return candidate
        raise RejectedLine(
            _("unknown category “%(type)s” / “%(subtype)s”")
            % {"type": type_label, "subtype": subtype_label}
        )


def parse_point(point_text: str, shape_text: str) -> Point:
    if point_text:
        parts = [p.strip() for p in point_text.split(",")]
        try:
            lat, lon = (float(p) for p in parts)
        except ValueError:
            raise RejectedLine(
                _("geo_point_2d “%(value)s” is not “latitude, longitude”") % {"value": point_text}
            ) from None
    elif shape_text:
        try:
            shape = json.loads(shape_text)
            lon, lat = (float(v) for v in shape["coordinates"][:2])
            if shape.get("type") != "Point":
                raise ValueError
        except (ValueError, TypeError, KeyError, IndexError):
            raise RejectedLine(_("geo_shape is not a GeoJSON point")) from None
    else:
        raise RejectedLine(_("no position (geo_point_2d or geo_shape)"))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RejectedLine(_("position out of range: %(lat)s, %(lon)s") % {"lat": lat, "lon": lon})
    return Point(lon, lat, srid=4326)


def parse_date(text: str) -> datetime:
    text = (text or "").strip()
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})(.*)", text)
    if match:  # French day/month/year
        day, month, year, rest = match.groups()
        text = f"{year}-{month}-{day}{rest}"
    try:
        return parse_instant("DATE DECLARATION", text)
    except BadParameter:
        raise RejectedLine(
            _("date “%(value)s” is not a date") % {"value": text or _("(empty)")}
        ) from None


@dataclass(frozen=True)
class ImportRow:
    line: int
    category: object
    location: Point
    address: str
    created_at: datetime
    description: str


def parse_row(line: int, row: dict, columns: dict, categories: CategoryIndex) -> ImportRow:
    def get(key: str) -> str:
        return (row.get(columns[key]) or "").strip() if key in columns else ""

    category = categories.find(get("type"), get("subtype"))
    location = parse_point(get("point"), get("shape"))
    created_at = parse_date(get("date"))
    if created_at > timezone.now():
        raise RejectedLine(_("date in the future"))
    address = get("address")
    postcode, city = get("postcode"), get("city")
    if postcode and postcode not in address:
        address = ", ".join(p for p in (address, f"{postcode} {city}".strip()) if p)
    source_id = get("id")
    description = category.name
    if source_id:
        description += " " + _("(Dans ma rue no. %(id)s)") % {"id": source_id}
    return ImportRow(
        line=line,
        category=category,
        location=location,
        address=address[:255],
        created_at=created_at,
        description=description,
    )
