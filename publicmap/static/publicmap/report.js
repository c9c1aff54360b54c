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
    event.preventDefault();
    if (problems.length) {
      problems[0].focus();
      return;
    }
    send();
  });

  // Sent from here rather than by the browser: when the server refuses the report (400), or
  // shows "Déjà signalé ?" first, the page stays as it is — with the photos the resident chose,
  // the same File objects, sent again with the next try — and only takes the server's messages.
  var sendButton = form.querySelector('button[type="submit"]');
  var sending = false;
  function send() {
    if (sending) return;
    sending = true;
    sendButton.disabled = true;
    var data = new FormData(form);
    // This page keeps the chosen files itself: the server need not keep a copy of them.
    data.append("photos_in_browser", "1");
    fetch(form.action || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (response.redirected && response.ok) {
          window.location.assign(response.url);
          return null;
        }
        return response.text().then(function (html) {
          var answer = new DOMParser().parseFromString(html, "text/html");
          if (!answer.getElementById("signaler")) throw new Error(response.status);
          takeServerMessages(answer);
        });
      })
      .catch(function () {
        // Anything unexpected (a network error, a page without the form): the browser sends
        // the form itself and shows the server's answer, as without JavaScript.
        form.submit();
      })
      .then(function () {
        sending = false;
        sendButton.disabled = false;
      });
  }

  function takeServerMessages(answer) {
    var fresh = answer.getElementById("signaler");
    // The summary of errors and "Déjà signalé ?" stand before the form.
    var first = null;
    ["erreurs", "deja-signale-envoye"].forEach(function (id) {
      var old = document.getElementById(id);
      if (old) old.remove();
      var block = answer.getElementById(id);
      if (block) {
        block = document.importNode(block, true);
        form.parentNode.insertBefore(block, form);
        first = first || block;
      }
    });
    // Each error list goes where the server put it: before the same element as in its page.
    form.querySelectorAll(".errorlist").forEach(function (list) { list.remove(); });
    fresh.querySelectorAll(".errorlist").forEach(function (list) {
      var anchor = list.nextElementSibling;
      while (anchor && !anchor.id && !anchor.querySelector("[id]")) anchor = anchor.nextElementSibling;
      if (!anchor) return;
      var named = anchor.id ? anchor : anchor.querySelector("[id]");
      var here = document.getElementById(named.id);
      if (!here) return;
      for (var up = named; up !== anchor; up = up.parentElement) here = here.parentElement;
      here.parentNode.insertBefore(document.importNode(list, true), here);
      first = first || here;
    });
    // What points at those messages, and what the server decided for the next sending.
    fresh.querySelectorAll("[id]").forEach(function (element) {
      var here = document.getElementById(element.id);
      if (!here || !form.contains(here)) return;
      ["aria-describedby", "aria-invalid"].forEach(function (name) {
        if (element.hasAttribute(name)) here.setAttribute(name, element.getAttribute(name));
        else here.removeAttribute(name);
      });
    });
    fresh.querySelectorAll("fieldset.step").forEach(function (fieldset, index) {
      var here = form.querySelectorAll("fieldset.step")[index];
      if (!here) return;
      if (fieldset.hasAttribute("aria-describedby")) here.setAttribute("aria-describedby", fieldset.getAttribute("aria-describedby"));
      else here.removeAttribute("aria-describedby");
    });
    var coords = fresh.querySelector("details.coords");
    if (coords && coords.open) form.querySelector("details.coords").open = true;
    nearbySeen.value = fresh.querySelector("#id_nearby_seen").value;
    sendButton.textContent = fresh.querySelector('button[type="submit"]').textContent;
    var target = document.getElementById("erreurs") || document.getElementById("deja-signale-envoye") || first;
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }
})();
