/* The report form, enhanced: place the point on the map or by geolocation, and see
   "Déjà signalé ?" before sending. Without JavaScript the same form works with coordinates. */
(function () {
  "use strict";
  var map = window.dmrMap;
  var DMR = window.DMR;
  var s = DMR.config.strings;
  var el = DMR.el;
  var form = document.getElementById("signaler");
  var lon = document.getElementById("id_longitude");
  var lat = document.getElementById("id_latitude");
  var pointStatus = document.getElementById("point-status");
  var nearby = document.getElementById("deja-signale");
  var nearbyList = document.getElementById("deja-signale-liste");
  // Tells the server which category and point the resident has seen the nearby signals of:
  // it then sends the report instead of showing them again.
  var nearbySeen = document.getElementById("id_nearby_seen");
  var marker = null;

  map.invalidateSize();

  function place(latlng, announce) {
    var point = L.latLng(latlng);
    if (!marker) {
      marker = L.marker(point, { draggable: true, keyboard: true, title: s.here, alt: s.here }).addTo(map);
      marker.on("dragend", function () { place(marker.getLatLng(), true); });
    } else {
      marker.setLatLng(point);
    }
    lon.value = point.lng.toFixed(6);
    lat.value = point.lat.toFixed(6);
    if (announce) pointStatus.textContent = s.here + " : " + lat.value + ", " + lon.value;
    checkNearby();
  }

  map.on("click", function (event) { place(event.latlng, true); });
  document.getElementById("centre-carte").addEventListener("click", function () { place(map.getCenter(), true); });
  document.getElementById("me-localiser").addEventListener("click", function () {
    if (!navigator.geolocation) { pointStatus.textContent = s.noPosition; return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      var here = [position.coords.latitude, position.coords.longitude];
      map.setView(here, 18);
      place(here, true);
    }, function () { pointStatus.textContent = s.noPosition; }, { enableHighAccuracy: true, timeout: 10000 });
  });
  [lon, lat].forEach(function (input) {
    input.addEventListener("change", function () {
      var x = parseFloat(lon.value), y = parseFloat(lat.value);
      if (isFinite(x) && isFinite(y)) { place([y, x], false); map.setView([y, x], Math.max(map.getZoom(), 17)); }
    });
  });
  if (lon.value && lat.value && isFinite(parseFloat(lon.value)) && isFinite(parseFloat(lat.value))) {
    map.setView([parseFloat(lat.value), parseFloat(lon.value)], 17);
    place([parseFloat(lat.value), parseFloat(lon.value)], false);
  }

  var pending = null;
  function checkNearby() {
    var chosen = form.querySelector('input[name="category"]:checked');
    if (!chosen || !lon.value || !lat.value) { nearby.hidden = true; return; }
    if (pending) pending.abort();
    pending = new AbortController();
    nearbySeen.value = "";
    var key = chosen.value + "@" + Number(lon.value).toFixed(6) + "," + Number(lat.value).toFixed(6);
    var params = new URLSearchParams({ lon: lon.value, lat: lat.value, category: chosen.value });
    fetch(DMR.config.nearbyUrl + "?" + params, { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (found) {
        nearbyList.replaceChildren();
        found.forEach(function (item) {
          nearbyList.appendChild(el("li", {}, [
            el("strong", {}, item.category.name), " — ", item.status_label, " — ",
            DMR.format(s.metres, { distance: Math.round(item.distance_m) }), " — ",
            DMR.formatDate(item.created_at),
            el("br"),
            el("span", { className: "excerpt" }, item.description.length > 120 ? item.description.slice(0, 120) + "…" : item.description),
            el("br"),
            el("a", { className: "button-link", href: item.url + "#suivre" }, s.nearbyFollow + " (" + item.reference + ")"),
          ]));
        });
        nearby.hidden = found.length === 0;
        nearbySeen.value = key;
      })
      .catch(function () { /* the check is a help, never a blocker */ });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "category") checkNearby();
  });

  // The server checks everything again; this only spares a round trip, and with it
  // the photos, which a browser cannot put back into a file input after a reload.
  function showError(id, anchor, message) {
    var list = document.getElementById(id);
    if (!list) {
      list = el("ul", { className: "errorlist", id: id });
      anchor.parentNode.insertBefore(list, anchor);
    }
    list.replaceChildren(el("li", {}, message));
    return list;
  }
  function clearError(id) {
    var list = document.getElementById(id);
    if (list) list.remove();
  }
  form.addEventListener("submit", function (event) {
    var problems = [];
    var categoryFieldset = form.querySelector("fieldset.step");
    if (!form.querySelector('input[name="category"]:checked')) {
      showError("category-errors", categoryFieldset.querySelector(".cat-type"), s.needCategory);
      problems.push(categoryFieldset.querySelector("summary"));
    } else clearError("category-errors");
    if (!lon.value || !lat.value) {
      showError("location-errors", document.querySelector(".where-tools"), s.needPoint);
      problems.push(document.getElementById("me-localiser"));
    } else clearError("location-errors");
    var description = document.getElementById("id_description");
    if (!description.value.trim()) {
      showError("description-errors", description, s.needDescription);
      var described = description.getAttribute("aria-describedby") || "";
      if (described.indexOf("description-errors") < 0) {
        description.setAttribute("aria-describedby", ("description-errors " + described).trim());
      }
      problems.push(description);
    } else clearError("description-errors");
    if (problems.length) {
      event.preventDefault();
      problems[0].focus();
    }
  });
})();
