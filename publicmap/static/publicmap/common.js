/* Shared by the residents' pages: configuration, DOM helpers, the map's controls.
   Everything that comes from the data is put into the page as text nodes, never as HTML. */
(function () {
  "use strict";
  var node = document.getElementById("dmr-map-config");
  var config = node ? JSON.parse(node.textContent) : { strings: {} };
  var lang = document.documentElement.lang || "fr";

  function el(tag, attrs, children) {
    var element = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "className") element.className = attrs[name];
      else if (name === "style") element.style.cssText = attrs[name];
      else element.setAttribute(name, attrs[name]);
    });
    [].concat(children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      element.appendChild(typeof child === "string" || typeof child === "number"
        ? document.createTextNode(String(child)) : child);
    });
    return element;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }

  function formatDate(iso) {
    try {
      return new Intl.DateTimeFormat(lang, { dateStyle: "long" }).format(new Date(iso));
    } catch (error) {
      return iso.slice(0, 10);
    }
  }

  function signalUrl(reference) {
    return config.signalUrl.replace("REF", encodeURIComponent(reference));
  }

  if (window.dmrMap) {
    L.control.zoom({
      zoomInTitle: config.strings.zoomIn,
      zoomOutTitle: config.strings.zoomOut,
      position: "topright",
    }).addTo(window.dmrMap);
  }

  window.DMR = { config: config, el: el, format: format, formatDate: formatDate, signalUrl: signalUrl, lang: lang };
})();
