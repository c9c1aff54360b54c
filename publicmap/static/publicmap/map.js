/* The home page's map: the signals of the visible area, fetched from the API as the map moves.
   Few enough → one marker each, clustered; too many → the server's counts per grid cell. */
(function () {
  "use strict";
  var map = window.dmrMap;
  var DMR = window.DMR;
  var cfg = DMR.config;
  var s = cfg.strings;
  var el = DMR.el;
  var status = document.getElementById("etat-carte");
  var filters = document.getElementById("filtres");
  var pending = null;
  // On a wide screen the legend has room to stay open; on a phone the map comes first.
  var panel = document.getElementById("panneau");
  if (panel && window.matchMedia("(min-width: 48rem)").matches) panel.open = true;

  function countIcon(count, size) {
    var html = el("span", { className: "dmr-count", style: "width:" + size + "px;height:" + size + "px" }, [
      el("span", { "aria-hidden": "true" }, count),
      el("span", { className: "visually-hidden" }, count + " " + s.signals),
    ]);
    return L.divIcon({ html: html, className: "dmr-count-wrap", iconSize: [size, size] });
  }

  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    iconCreateFunction: function (cluster) {
      var count = cluster.getChildCount();
      return countIcon(count, count < 10 ? 34 : count < 100 ? 40 : 48);
    },
  }).addTo(map);
  var cells = L.layerGroup().addTo(map);

  function popupFor(props) {
    var st = cfg.statuses[props.status] || { label: props.status_label };
    var photo = (props.photos || [])[0];
    var description = props.description || "";
    if (description.length > 140) description = description.slice(0, 140) + "…";
    return el("div", { className: "dmr-popup" }, [
      el("p", { className: "popup-title" }, props.category.name),
      el("p", {}, [el("span", { className: "swatch", style: "background:" + st.colour, "aria-hidden": "true" }), " ", props.status_label]),
      el("p", {}, s.reported + " " + DMR.formatDate(props.created_at)),
      photo ? el("img", { src: photo.url, alt: s.photo, width: 240, loading: "lazy" }) : null,
      el("p", { className: "popup-desc" }, description),
      el("p", {}, el("a", { href: DMR.signalUrl(props.reference) }, s.open + " " + props.reference)),
    ]);
  }

  function markerFor(feature) {
    // The reference is the Feature's id, not one of its properties.
    var props = Object.assign({ reference: feature.id }, feature.properties);
    var coords = feature.geometry.coordinates;
    var colour = (cfg.statuses[props.status] || {}).colour || "#333";
    var marker = L.marker([coords[1], coords[0]], {
      icon: L.divIcon({
        html: el("span", { className: "dmr-pin", style: "display:block;width:22px;height:22px;background:" + colour }),
        className: "dmr-marker dmr-status-" + props.status,
        iconSize: [22, 22],
      }),
      title: props.category.name + " — " + props.status_label + " — " + props.reference,
      keyboard: true,
    });
    marker.bindPopup(function () { return popupFor(props); });
    return marker;
  }

  function filterParams() {
    var params = new URLSearchParams();
    if (!filters) return params;
    var data = new FormData(filters);
    if (data.get("category")) params.set("category", data.get("category"));
    if (data.get("status")) params.set("status", data.get("status"));
    var days = parseInt(data.get("period") || "", 10);
    if (days) params.set("created_after", new Date(Date.now() - days * 86400000).toISOString());
    return params;
  }

  function getJSON(url, signal) {
    return fetch(url, { signal: signal, headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }

  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    var signal = pending.signal;
    var b = map.getBounds();
    var params = filterParams();
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
    var zoom = map.getZoom();
    var aggParams = new URLSearchParams(params);
    aggParams.set("zoom", zoom);
    status.textContent = s.loading;
    getJSON(cfg.aggregatesUrl + "?" + aggParams, signal).then(function (agg) {
      if (agg.total > cfg.pointsLimit || zoom < cfg.minPointsZoom) {
        clusters.clearLayers();
        cells.clearLayers();
        agg.cells.forEach(function (cell) {
          var size = Math.min(64, 30 + Math.round(Math.log10(cell.count) * 10));
          var marker = L.marker([cell.lat, cell.lon], { icon: countIcon(cell.count, size), keyboard: true });
          marker.on("click keypress", function () { map.setView([cell.lat, cell.lon], Math.min(map.getZoom() + 2, 18)); });
          cells.addLayer(marker);
        });
        status.textContent = DMR.format(s.aggregated, { count: agg.total });
        map.getContainer().dataset.mode = "aggregates";
        return;
      }
      params.set("page_size", cfg.pointsLimit);
      return getJSON(cfg.signalsUrl + "?" + params, signal).then(function (collection) {
        cells.clearLayers();
        clusters.clearLayers();
        clusters.addLayers(collection.features.map(markerFor));
        status.textContent = collection.count === 1 ? s.shownOne : DMR.format(s.shown, { count: collection.count });
        map.getContainer().dataset.mode = "points";
        map.getContainer().dataset.loaded = String(collection.features.length);
      });
    }).catch(function (error) {
      if (error.name !== "AbortError") status.textContent = s.error;
    });
  }

  var timer = null;
  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 200); }
  map.on("moveend", soon);
  if (filters) filters.addEventListener("change", soon);
  refresh();
})();
