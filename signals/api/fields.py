import json
import math

from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def _is_number(value) -> bool:
    # bool is an int in Python, but `true` is not a longitude.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class GeoJSONPointField(serializers.Field):
    """A GeoJSON Point in WGS84 (lon, lat), as an object or as a JSON string.

    Multipart forms can only send strings, hence the second form. Each way a
    point can be wrong gets its own message, so a client knows what to fix.
    """

    default_error_messages = {
        "invalid_json": _("The location is not valid JSON."),
        "not_object": _(
            'The location must be a GeoJSON object such as {{"type": "Point", "coordinates": [2.35, 48.85]}}.'
        ),
        "not_point": _("The location must be a GeoJSON Point, not {type}."),
        "coordinates": _("A point has two coordinates: [longitude, latitude]."),
        "not_number": _("Longitude and latitude must be numbers."),
        "longitude": _("The longitude must be between -180 and 180."),
        "latitude": _("The latitude must be between -90 and 90."),
    }

    def to_internal_value(self, data) -> Point:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid_json")
        if not isinstance(data, dict):
            self.fail("not_object")
        geom_type = data.get("type")
        if geom_type != "Point":
            self.fail("not_point", type=str(geom_type)[:40])
        coordinates = data.get("coordinates")
        # GeoJSON allows an altitude; we keep the position and drop it.
        if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
            self.fail("coordinates")
        if not all(_is_number(value) for value in coordinates):
            self.fail("not_number")
        lon, lat = coordinates[0], coordinates[1]
        if not -180 <= lon <= 180:
            self.fail("longitude")
        if not -90 <= lat <= 90:
            self.fail("latitude")
        # Past a nanodegree (0.1 mm) a coordinate holds float noise, not a position; and a
        # subnormal one (5e-324) underflows PostgreSQL's trigonometry into a 500 (fuzzing).
        return Point(round(float(lon), 9), round(float(lat), 9), srid=4326)

    def to_representation(self, value: Point) -> dict:
        return {"type": "Point", "coordinates": [round(value.x, 7), round(value.y, 7)]}
