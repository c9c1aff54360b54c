"""Leaflet maps made with folium, every asset served from our own static files.

Folium's defaults load Leaflet, jQuery, Bootstrap and Font Awesome from CDNs
and its page header forbids zooming on phones; `ResidentMap` keeps folium's
Python API and element tree but ships only Leaflet, from the xstatic package,
and a header of our own.
"""

import functools
import json
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from django.conf import settings
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from folium.template import Template


class ResidentMap(folium.Map):
    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>#{{ this.get_name() }} { width: 100%; height: 100%; }</style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
        <div class="folium-map dmr-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.map(
            {{ this.get_name()|tojson }},
            Object.assign(
                {center: {{ this.location|tojson }}, crs: L.CRS.{{ this.crs }}},
                {{ this.options|tojavascript }}
            )
        );
        {% endmacro %}
        """
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Instance attributes: the class-level CDN lists of folium stay untouched for others.
        self.default_js = [("leaflet", static("leaflet/leaflet.js"))]
        self.default_css = [("leaflet_css", static("leaflet/leaflet.css"))]


class _ExposeMap(MacroElement):
    """Hands the Leaflet map to our scripts as `window.dmrMap`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.dmrMap = {{ this._parent.get_name() }};
        {% endmacro %}
        """
    )


@dataclass(frozen=True)
class MapParts:
    header: SafeString
    html: SafeString
    script: SafeString


def map_parts(
    *,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    clustered: bool = False,
    marker: tuple[float, float] | None = None,
) -> MapParts:
    """The three pieces a template places: links in <head>, the <div>, the script.

    `center` and `marker` are (lon, lat), as everywhere else in the project.
    """
    lon, lat = center or settings.MAP_CENTER
    zoom = settings.MAP_ZOOM if zoom is None else zoom
    # Building a folium map costs ~12 ms of CPU, on every public page: branca compiles a
    # Jinja template for each element of each map. What it writes depends on the settings
    # and the options only, so each process renders a map once per set of options, with
    # placeholder positions, and puts each page's positions in their place.
    model = _map_model(
        zoom=zoom,
        clustered=clustered,
        with_marker=marker is not None,
        tile_url=settings.MAP_TILE_URL,
        attribution=settings.MAP_TILE_ATTRIBUTION,
        leaflet=static("leaflet/leaflet.js"),
    )
    positions = {_CENTER: (lat, lon)}
    if marker is not None:
        positions[_MARKER] = (marker[1], marker[0])
    script = model.script
    for placeholder, (y, x) in positions.items():
        script = script.replace(_position(placeholder), _position((float(y), float(x))))
    return MapParts(header=model.header, html=model.html, script=mark_safe(script))  # noqa: S308


# Positions no real map holds (latitude, longitude), written as folium writes a location.
_CENTER = (-89.123456789, -179.123456789)
_MARKER = (-88.987654321, -178.987654321)


def _position(latitude_longitude: tuple[float, float]) -> str:
    return json.dumps(list(latitude_longitude))


@functools.lru_cache(maxsize=64)
def _map_model(
    *, zoom: int, clustered: bool, with_marker: bool, tile_url: str, attribution: str, leaflet: str
) -> MapParts:
    """The map for these options, at the placeholder positions; `leaflet` (the static URL
    of Leaflet) is there so that a change of static storage renders anew."""
    parts = _render(
        center=_CENTER,
        zoom=zoom,
        clustered=clustered,
        marker=_MARKER if with_marker else None,
        tile_url=tile_url,
        attribution=attribution,
    )
    expected = {_CENTER: 1, _MARKER: 1 if with_marker else 0}
    found = {spot: parts.script.count(_position(spot)) for spot in expected}
    if found != expected:  # folium writes locations some other way: never serve a wrong map
        raise RuntimeError(f"map placeholders not found as expected: {found}")
    return parts


def _render(
    *,
    center: tuple[float, float],
    zoom: int,
    clustered: bool,
    marker: tuple[float, float] | None,
    tile_url: str,
    attribution: str,
) -> MapParts:
    """One folium map, rendered; `center` and `marker` are (lat, lon), as folium takes them."""
    # Our zoom control is added by our script, with translated titles.
    fmap = ResidentMap(location=list(center), zoom_start=zoom, tiles=None, zoom_control=False)
    folium.TileLayer(tiles=tile_url, attr=attribution, max_zoom=19, max_native_zoom=19).add_to(fmap)
    if clustered:
        fmap.add_js_link("markercluster", static("leaflet-markercluster/leaflet.markercluster.js"))
        fmap.add_css_link("markercluster_css", static("leaflet-markercluster/MarkerCluster.css"))
    if marker:
        folium.CircleMarker(
            location=list(marker),
            radius=10,
            color="#ffffff",
            weight=3,
            fill=True,
            fill_color="#b3261e",
            fill_opacity=1,
        ).add_to(fmap)
    fmap.add_child(_ExposeMap())
    figure = fmap.get_root()
    figure.render()
    return MapParts(
        header=mark_safe(figure.header.render()),  # noqa: S308 — folium's own output, no user data
        html=mark_safe(figure.html.render()),  # noqa: S308
        script=mark_safe(figure.script.render()),  # noqa: S308
    )
