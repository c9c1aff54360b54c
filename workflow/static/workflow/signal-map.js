// Progressive enhancement: the signal page works without this map.
(function () {
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;
  var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
  var map = L.map(el).setView(at, 17);
  L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
  L.circleMarker(at, { radius: 9, weight: 3 }).addTo(map);
})();
