"""Where each public page's map opens and what it marks: every page its own place, even
though each process renders a map once per set of options (publicmap.maps)."""

import json
import re

import pytest
from django.contrib.gis.geos import Point

from tests.factories import INSIDE_WEST, make_signal

pytestmark = pytest.mark.django_db


def _centre(html: str) -> list[float]:
    return json.loads(re.search(r"\{center: (\[[^\]]*\]), crs:", html).group(1))


def _markers(html: str) -> list[list[float]]:
    return [json.loads(found) for found in re.findall(r"L\.circleMarker\(\s*(\[[^\]]*\])", html)]


def test_each_signal_page_opens_on_its_own_signal_and_marks_it(client, city):
    first = make_signal(city, INSIDE_WEST)
    second = make_signal(city, Point(2.3456789, 48.8612345, srid=4326))
    for signal in (first, second, first):
        html = client.get(f"/signalements/{signal.reference}/").content.decode()
        where = [signal.location.y, signal.location.x]
        assert _centre(html) == where
        assert _markers(html) == [where]


def test_the_home_map_opens_where_the_settings_say_without_a_marker(client, city, settings):
    html = client.get("/").content.decode()
    assert _centre(html) == [settings.MAP_CENTER[1], settings.MAP_CENTER[0]]
    assert _markers(html) == []

    settings.MAP_CENTER = [4.8357, 45.764]  # another city
    settings.MAP_TILE_URL = "/static/publicmap/blank-tile.png"
    html = client.get("/").content.decode()
    assert _centre(html) == [45.764, 4.8357]
    assert '"/static/publicmap/blank-tile.png"' in html
    assert "tile.openstreetmap.org" not in html


def test_the_report_form_map_opens_on_the_city_without_a_marker(client, city, settings):
    html = client.get("/signaler/").content.decode()
    assert _centre(html) == [settings.MAP_CENTER[1], settings.MAP_CENTER[0]]
    assert _markers(html) == []
