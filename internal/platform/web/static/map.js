// Maps: outlines and grids from the API drawn with Leaflet, no tile server
// needed (a tile layer is added when the site is configured with one), and
// a small polygon editor that writes GeoJSON into a form field.
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  // label is tooltip content as text. Leaflet puts a string into the page
  // as HTML, and names are typed by people (a grid named <img onerror=…>
  // would run), so every tooltip gets an element whose text is set.
  function label(s) {
    var span = document.createElement("span");
    span.textContent = s;
    return span;
  }

  // view is the city profile's frame (the layout's #map-view): where a map
  // opens before its data is drawn, or when it has none. Without one, a
  // map opens on China and fits whatever it then draws.
  var view = (function () {
    var el = document.getElementById("map-view"), v = null;
    try { v = el ? JSON.parse(el.textContent) : null; } catch (e) { v = null; }
    return v || {};
  })();

  // open sets a map's first view: the city's bounds (wide maps), else its
  // centre at zoom, else the whole country.
  function open(map, zoom, wide) {
    var b = view.bounds, c = view.centre;
    if (wide && b) {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [8, 8], animate: false });
    } else if (c) {
      map.setView([c[1], c[0]], zoom);
    } else if (b) {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [8, 8], animate: false });
    } else {
      map.setView([35, 105], 4);
    }
  }

  function init(el) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    }
    open(map, 11, true);
    var bounds = null;
    function extend(b) {
      if (!b.isValid()) { return; }
      bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
      map.fitBounds(bounds, { padding: [12, 12] });
    }
    var focus = el.dataset.focus;
    var loads = [];
    if (el.dataset.boundary) {
      loads.push(getJSON(el.dataset.boundary).then(function (b) {
        if (!b) { return; }
        var layer = L.geoJSON(b.geometry, { style: { color: "#555", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
        if (!focus) { extend(layer.getBounds()); }
      }));
    }
    if (el.dataset.grids) {
      loads.push(getJSON(el.dataset.grids).then(function (fc) {
        if (!fc || !fc.features) { return; }
        var focusLayer = null;
        var layer = L.geoJSON(fc, {
          style: function (f) {
            var mine = f.properties.code === focus;
            return { color: mine ? "#c8161d" : "#0b5cad", weight: mine ? 3 : 1.5, fillOpacity: mine ? 0.25 : 0.08 };
          },
          onEachFeature: function (f, l) {
            l.bindTooltip(label(f.properties.name + " " + f.properties.code));
            l.on("click", function () {
              // While drawing, a click is a corner, not a way to the grid.
              if (el.dataset.drawing !== "1") { window.location.href = "/grids/" + f.properties.code; }
            });
            if (f.properties.code === focus) { focusLayer = l; }
          }
        }).addTo(map);
        el.dataset.gridCount = String(fc.features.length);
        extend(focusLayer ? focusLayer.getBounds() : layer.getBounds());
      }));
    }
    Promise.all(loads).then(function () { el.dataset.ready = "1"; });
    if (el.dataset.draw) { editor(map, el, document.querySelector(el.dataset.draw)); }
  }

  // editor: "draw" starts a polygon, each map click adds a corner, "undo"
  // removes the last, "clear" starts again; the ring is written to the
  // hidden input as a GeoJSON Polygon whenever it has three corners.
  function editor(map, el, input) {
    var pts = [], line = null, poly = null, on = false;
    var status = document.getElementById("draw-status");
    function render() {
      if (line) { map.removeLayer(line); line = null; }
      if (poly) { map.removeLayer(poly); poly = null; }
      if (pts.length >= 3) {
        poly = L.polygon(pts, { color: "#c8161d", weight: 2, fillOpacity: 0.2 }).addTo(map);
        var ring = pts.map(function (p) { return [round(p.lng), round(p.lat)]; });
        ring.push(ring[0]);
        input.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
      } else {
        if (pts.length > 0) { line = L.polyline(pts, { color: "#c8161d", weight: 2 }).addTo(map); }
        input.value = "";
      }
      if (status) { status.textContent = on ? status.dataset.points.replace("%d", pts.length) : ""; }
    }
    function round(v) { return Math.round(v * 1e7) / 1e7; }
    map.on("click", function (e) {
      if (!on) { return; }
      pts.push(e.latlng);
      render();
    });
    function bind(id, fn) {
      var b = document.getElementById(id);
      if (b) { b.addEventListener("click", fn); }
    }
    bind("draw-start", function () {
      on = true; pts = [];
      el.dataset.drawing = "1";
      el.classList.add("drawing");
      render();
    });
    bind("draw-undo", function () { pts.pop(); render(); });
    bind("draw-clear", function () { pts = []; render(); });
  }

  // coverage colours each child's outline by the chosen measure, from
  // light (lowest) to Party red (highest).
  function coverage(el) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    open(map, 9, true);
    var m = el.dataset.measure;
    getJSON(el.dataset.coverage).then(function (fc) {
      if (!fc || !fc.features || fc.features.length === 0) { el.dataset.ready = "1"; el.classList.add("empty"); return; }
      var vals = fc.features.map(function (f) { return f.properties[m] || 0; });
      var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var v = f.properties[m] || 0, t = hi > lo ? (v - lo) / (hi - lo) : 1;
          return { color: "#7a0b10", weight: 1, fillColor: "#c8161d", fillOpacity: 0.1 + 0.7 * t };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(label(f.properties.name + ": " + (f.properties[m] || 0)));
          l.on("click", function () { window.location.href = "/coverage/" + f.properties.code + "?measure=" + m; });
        }
      }).addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [12, 12] }); }
      el.dataset.ready = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) { return; }
    var cov = document.querySelector("[data-coverage]");
    if (cov) { coverage(cov); }
    document.querySelectorAll("[data-grids], [data-boundary]").forEach(function (el) {
      if (el.classList.contains("map") && !el.dataset.pick && !el.dataset.clusters) { init(el); }
    });
  });

  // base is a map with the configured tiles (if any) at the city's centre.
  function base(el, zoom) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    open(map, zoom, false);
    return map;
  }

  function outlines(map, url, fit) {
    return getJSON(url).then(function (fc) {
      if (!fc || !fc.features || fc.features.length === 0) { return null; }
      var layer = L.geoJSON(fc, { style: { color: "#0b5cad", weight: 1, fillOpacity: 0.04 } }).addTo(map);
      if (fit && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      return layer;
    });
  }

  // pick: a tap on the map puts a marker there and writes the point into
  // the form's lon and lat inputs (the report form).
  function pick(el) {
    var map = base(el, 14), marker = null;
    el.leafletMap = map; // for tests that tap a known place
    var lon = document.querySelector(el.dataset.pick + " [name=lon]"), lat = document.querySelector(el.dataset.pick + " [name=lat]");
    function put(ll) {
      if (marker) { marker.setLatLng(ll); } else { marker = L.circleMarker(ll, { radius: 9, color: "#c8161d", weight: 3, fillOpacity: 0.5 }).addTo(map); }
      lon.value = ll.lng.toFixed(7); lat.value = ll.lat.toFixed(7);
      el.dataset.picked = "1";
    }
    var done = el.dataset.grids ? outlines(map, el.dataset.grids, true) : Promise.resolve();
    done.then(function () {
      if (lon.value && lat.value) { put(L.latLng(+lat.value, +lon.value)); map.setView([+lat.value, +lon.value], 16); }
      el.dataset.ready = "1";
    });
    map.on("click", function (e) { put(e.latlng); });
    var here = document.getElementById("locate-me");
    if (here && navigator.geolocation) {
      here.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (p) {
          var ll = L.latLng(p.coords.latitude, p.coords.longitude);
          put(ll); map.setView(ll, 17);
        });
      });
    }
  }

  // point: one case's location.
  function point(el) {
    var map = base(el, 16);
    var ll = L.latLng(+el.dataset.lat, +el.dataset.lon);
    L.circleMarker(ll, { radius: 9, color: "#c8161d", weight: 3, fillOpacity: 0.5 }).addTo(map);
    map.setView(ll, 17);
    var done = el.dataset.outline ? outlines(map, el.dataset.outline, false) : Promise.resolve();
    done.then(function () { el.dataset.ready = "1"; });
  }

  // hotspots: grids shaded by their number of cases (heat by grid) and
  // cases grouped into cells drawn as circles sized by count.
  function hotspots(el) {
    var map = base(el, 12);
    Promise.all([getJSON(el.dataset.heat), el.dataset.grids ? getJSON(el.dataset.grids) : Promise.resolve(null), getJSON(el.dataset.clusters)]).then(function (r) {
      var counts = r[0] || {}, fc = r[1], cells = r[2] || [];
      var bounds = null;
      if (fc && fc.features && fc.features.length) {
        var hi = 1;
        fc.features.forEach(function (f) { hi = Math.max(hi, counts[f.properties.code] || 0); });
        var layer = L.geoJSON(fc, {
          style: function (f) {
            var t = (counts[f.properties.code] || 0) / hi;
            return { color: "#7a0b10", weight: 1, fillColor: "#c8161d", fillOpacity: 0.05 + 0.6 * t };
          },
          onEachFeature: function (f, l) { l.bindTooltip(label(f.properties.name + ": " + (counts[f.properties.code] || 0))); }
        }).addTo(map);
        if (layer.getBounds().isValid()) { bounds = layer.getBounds(); }
      }
      cells.forEach(function (c) {
        var m = L.circleMarker([c.lat, c.lon], { radius: Math.min(6 + 3 * Math.sqrt(c.count), 30), color: "#0b5cad", weight: 1, fillOpacity: 0.6 }).addTo(map);
        m.bindTooltip(label(String(c.count)));
        if (c.count === 1) { m.on("click", function () { window.location.href = "/cases/" + c.case_id; }); }
        var b = L.latLngBounds([c.lat, c.lon], [c.lat, c.lon]);
        bounds = bounds ? bounds.extend(b) : b;
      });
      if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12], maxZoom: 16, animate: false }); }
      el.dataset.cells = String(cells.length);
      el.dataset.ready = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) { return; }
    document.querySelectorAll("[data-pick]").forEach(pick);
    document.querySelectorAll("[data-lat][data-lon].map").forEach(point);
    document.querySelectorAll("[data-clusters]").forEach(hotspots);
  });
})();
