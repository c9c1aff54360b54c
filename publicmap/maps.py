"""Leaflet maps made with folium, every asset served from our own static files.

Folium's defaults load Leaflet, jQuery, Bootstrap and Font Awesome from CDNs
and its page header forbids zooming on phones; `ResidentMap` keeps folium's
Python API and element tree but ships only Leaflet, from the xstatic package,
and a header of our own.
"""

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
    # Our zoom control is added by our script, with translated titles.
    fmap = ResidentMap(location=[lat, lon], zoom_start=zoom, tiles=None, zoom_control=False)
    folium.TileLayer(
        tiles=settings.MAP_TILE_URL,
        attr=settings.MAP_TILE_ATTRIBUTION,
        max_zoom=19,
        max_native_zoom=19,
    ).add_to(fmap)
    if clustered:
        fmap.add_js_link("markercluster", static("leaflet-markercluster/leaflet.markercluster.js"))
        fmap.add_css_link("markercluster_css", static("leaflet-markercluster/MarkerCluster.css"))
    if marker:
        folium.CircleMarker(
            location=[marker[1], marker[0]],
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
