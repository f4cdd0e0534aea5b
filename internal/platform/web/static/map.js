// Maps: outlines and grids from the API drawn with Leaflet over a base.
// The base is the site's tiles when it is configured with some (天地图,
// AMap or any XYZ server; the layout's #map-view names them), and under
// them — or alone, when there are none — a light base map drawn from our
// own data: division outlines, grids and buildings with their names by
// zoom (GET /api/v1/basemap.geojson, by box and zoom). A small polygon
// editor writes GeoJSON into a form field.
//
// Everything we store is WGS-84. AMap's tiles are drawn in GCJ-02, so on
// such a map every shape and point we draw is moved to GCJ-02 first, and
// every tap is moved back to WGS-84 before it is written to a form
// (toMap and fromMap below; the formula is internal/platform/geo's).
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
  // opens before its data is drawn, or when it has none, and the tiles the
  // site is configured with. Without a frame, a map opens on China and
  // fits whatever it then draws.
  var view = (function () {
    var el = document.getElementById("map-view"), v = null;
    try { v = el ? JSON.parse(el.textContent) : null; } catch (e) { v = null; }
    return v || {};
  })();
  var tiles = view.tiles && view.tiles.layers && view.tiles.layers.length ? view.tiles : null;
  var gcj = !!(tiles && tiles.datum === "gcj02");

  // GCJ-02, as internal/platform/geo/gcj02.go: the published forward
  // transform, and its inverse by fixed-point iteration.
  var GCJ_A = 6378245.0, GCJ_EE = 0.00669342162296594323;
  function outOfChina(lon, lat) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function gcjDelta(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0, PI = Math.PI;
    var tlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    tlat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    tlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    tlat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var tlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    tlon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    tlon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    tlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI, magic = Math.sin(radLat);
    magic = 1 - GCJ_EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    return [(tlon * 180.0) / (GCJ_A / sqrtMagic * Math.cos(radLat) * PI),
      (tlat * 180.0) / ((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtMagic) * PI)];
  }
  function wgsToGcj(lon, lat) {
    if (outOfChina(lon, lat)) { return [lon, lat]; }
    var d = gcjDelta(lon, lat);
    return [lon + d[0], lat + d[1]];
  }
  function gcjToWgs(lon, lat) {
    if (outOfChina(lon, lat)) { return [lon, lat]; }
    var wlon = lon, wlat = lat;
    for (var i = 0; i < 10; i++) {
      var g = wgsToGcj(wlon, wlat), dlon = g[0] - lon, dlat = g[1] - lat;
      wlon -= dlon; wlat -= dlat;
      if (Math.abs(dlon) < 1e-10 && Math.abs(dlat) < 1e-10) { break; }
    }
    return [wlon, wlat];
  }

  // toMap is where a stored (WGS-84) point is drawn; fromMap is the stored
  // point of a place on the map.
  function toMap(lat, lon) {
    if (!gcj) { return L.latLng(lat, lon); }
    var g = wgsToGcj(lon, lat);
    return L.latLng(g[1], g[0]);
  }
  function fromMap(ll) {
    if (!gcj) { return L.latLng(ll.lat, ll.lng); }
    var w = gcjToWgs(ll.lng, ll.lat);
    return L.latLng(w[1], w[0]);
  }

  // geoLayer draws GeoJSON of stored coordinates where the map shows them.
  function geoLayer(data, opts) {
    opts = opts || {};
    opts.coordsToLatLng = function (c) { return toMap(c[1], c[0]); };
    return L.geoJSON(data, opts);
  }

  function frame(b) { return L.latLngBounds(toMap(b[1], b[0]), toMap(b[3], b[2])); }

  // open sets a map's first view: the city's bounds (wide maps), else its
  // centre at zoom, else the whole country.
  function open(map, zoom, wide) {
    var b = view.bounds, c = view.centre;
    if (wide && b) {
      map.fitBounds(frame(b), { padding: [8, 8], animate: false });
    } else if (c) {
      map.setView(toMap(c[1], c[0]), zoom);
    } else if (b) {
      map.fitBounds(frame(b), { padding: [8, 8], animate: false });
    } else {
      map.setView([35, 105], 4);
    }
  }

  // newMap makes the Leaflet map of el with the configured tiles and our
  // own base under the page's shapes, then opens it (see open).
  function newMap(el, zoom, wide) {
    var map = L.map(el, { zoomSnap: 0.25, maxZoom: 19, attributionControl: !!(tiles || el.dataset.tiles) });
    el.leafletMap = map; // for tests that tap a known place
    if (tiles) {
      tiles.layers.forEach(function (t) {
        L.tileLayer(t.url, { subdomains: t.subdomains || "abc", maxNativeZoom: t.max_zoom || 18, maxZoom: 19, attribution: t.attribution || "" }).addTo(map);
      });
    } else if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    }
    // The base needs territory.view, which the page shows by asking for
    // our outlines (data-grids, -outline, -boundary, -coverage).
    var d = el.dataset;
    if (d.grids || d.outline || d.boundary || d.coverage) { basemap(map, el, !!(tiles || d.tiles)); }
    open(map, zoom, wide);
    return map;
  }

  // BASE are the base map's styles by level, light, so that the page's
  // own shapes stand out; LABEL the type of its names.
  var BASE = {
    city: { color: "#7d8590", weight: 2.5, fill: false },
    district: { color: "#868c95", weight: 2, fillColor: "#ece8df", fillOpacity: 0.55 },
    subdistrict: { color: "#9aa0a8", weight: 1.5, dashArray: "5 4", fill: false },
    community: { color: "#a6abb2", weight: 1.2, fillColor: "#f8f6f1", fillOpacity: 0.6 },
    grid: { color: "#bfc3c9", weight: 1, fill: false },
    building: { color: "#b3ab9c", weight: 0.8, fillColor: "#dcd4c4", fillOpacity: 0.9, radius: 3 }
  };
  var LABEL = {
    city: ["600 15px", "#3f444c", 0], district: ["600 14px", "#474c54", 1], subdistrict: ["13px", "#555a62", 2],
    community: ["12px", "#5c6169", 3], grid: ["11px", "#6b7078", 4], building: ["10px", "#7a7466", 5]
  };

  function baseStyle(level, over) {
    var s = {}, b = BASE[level] || BASE.grid;
    for (var k in b) { if (Object.prototype.hasOwnProperty.call(b, k)) { s[k] = b[k]; } }
    if (over) { s.fill = level === "building"; s.opacity = 0.8; } // tiles show the land
    return s;
  }

  function labelIcon(text, level) {
    var l = LABEL[level] || LABEL.grid, span = document.createElement("span");
    span.textContent = text;
    var st = span.style; // set through the CSSOM, which the CSP allows
    st.position = "absolute"; st.left = "0"; st.top = "0"; st.transform = "translate(-50%, -50%)";
    st.whiteSpace = "nowrap"; st.font = l[0] + " system-ui, sans-serif"; st.color = l[1];
    st.textShadow = "0 0 2px #fff, 0 0 2px #fff, 0 0 4px #fff"; st.pointerEvents = "none";
    return L.divIcon({ className: "map-label map-label-" + level, html: span, iconSize: null });
  }

  // basemap keeps the base of map in step with its view: it asks for the
  // box around the view (half as large again, so a small pan needs
  // nothing new) at the view's zoom, and draws the answer in panes under
  // the overlays, labels hidden where they would overlap a finer one. On
  // a map over tiles it draws the outlines only, and names only what the
  // tiles do not (communities, grids, buildings). On a map without
  // overlays of its own grids (a district's or the city's) the base's
  // grids open their page.
  function basemap(map, el, over) {
    map.createPane("basemap").style.zIndex = 250;
    var lp = map.createPane("baselabels");
    lp.style.zIndex = 350; lp.style.pointerEvents = "none";
    if (!over) { el.style.background = "#faf9f6"; }
    var renderer = L.svg({ pane: "basemap", padding: 0.5 });
    var links = el.dataset.baseLinks === "1";
    var shapes = null, names = null, loaded = null, seq = 0, timer = null;

    function declutter() {
      if (!names) { return; }
      var items = [];
      names.eachLayer(function (m) {
        var e = m.getElement();
        if (e && e.firstChild) { items.push({ el: e.firstChild, rank: m.options.rank }); }
      });
      items.sort(function (a, b) { return b.rank - a.rank; }); // finest first
      var box = el.getBoundingClientRect(), kept = [];
      items.forEach(function (it) {
        it.el.style.visibility = "";
        var r = it.el.getBoundingClientRect();
        var ok = r.width > 0 && r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
        for (var i = 0; ok && i < kept.length; i++) {
          var k = kept[i];
          if (r.left < k.right + 6 && r.right > k.left - 6 && r.top < k.bottom + 2 && r.bottom > k.top - 2) { ok = false; }
        }
        if (ok) { kept.push(r); } else { it.el.style.visibility = "hidden"; }
      });
      el.dataset.baseLabels = String(kept.length);
    }

    function draw(fc, z) {
      var next = L.layerGroup(), words = L.layerGroup(), n = 0;
      fc.features.forEach(function (f) {
        var p = f.properties || {}, linked = links && p.level === "grid";
        var opts = {
          style: baseStyle(p.level, over), interactive: linked,
          pointToLayer: function (ft, ll) {
            var s = baseStyle(p.level, over);
            s.renderer = renderer; s.pane = "basemap"; s.interactive = false;
            return L.circleMarker(ll, s);
          }
        };
        if (linked) {
          opts.onEachFeature = function (ft, l) {
            l.bindTooltip(label(p.name));
            l.on("click", function () { window.location.href = "/grids/" + p.code; });
          };
        } else {
          opts.renderer = renderer; opts.pane = "basemap";
        }
        next.addLayer(geoLayer(f, opts));
        n++;
        var named = !over || p.level === "community" || p.level === "grid" || p.level === "building";
        if (p.label && p.name && named) {
          words.addLayer(L.marker(toMap(p.label[1], p.label[0]), {
            icon: labelIcon(p.name, p.level), pane: "baselabels", interactive: false, keyboard: false,
            rank: (LABEL[p.level] || LABEL.grid)[2]
          }));
        }
      });
      if (shapes) { map.removeLayer(shapes); }
      if (names) { map.removeLayer(names); }
      shapes = next.addTo(map);
      names = words.addTo(map);
      declutter();
      el.dataset.base = String(n);
      el.dataset.baseZoom = String(z);
      el.dataset.baseTruncated = fc.truncated ? "1" : "0";
    }

    function refresh() {
      var z = Math.max(0, Math.min(22, Math.floor(map.getZoom())));
      var vb = map.getBounds();
      if (loaded && loaded.z === z && loaded.b.contains(vb)) { declutter(); return; }
      var b = vb.pad(0.25), sw = fromMap(b.getSouthWest()), ne = fromMap(b.getNorthEast());
      var w = Math.max(-180, sw.lng), s = Math.max(-85, sw.lat), e = Math.min(180, ne.lng), n = Math.min(85, ne.lat);
      if (!(w < e && s < n)) { return; }
      var my = ++seq;
      getJSON("/api/v1/basemap.geojson?bbox=" + [w, s, e, n].map(function (v) { return v.toFixed(5); }).join(",") + "&zoom=" + z)
        .then(function (fc) {
          if (my !== seq || !fc || !fc.features) { return; }
          loaded = { z: z, b: b };
          draw(fc, z);
        })
        .catch(function () { /* offline: the next move asks again */ });
    }

    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 120);
    });
    map.on("resize", function () { loaded = null; });
  }

  function init(el) {
    var map = newMap(el, 11, true);
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
        var layer = geoLayer(b.geometry, { style: { color: "#555", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
        if (!focus) { extend(layer.getBounds()); }
      }));
    }
    if (el.dataset.grids) {
      loads.push(getJSON(el.dataset.grids).then(function (fc) {
        if (!fc || !fc.features) { return; }
        var focusLayer = null;
        var layer = geoLayer(fc, {
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
    if (el.dataset.buildings) {
      // The buildings of the page (a grid's): footprints, or points, each
      // a way to its own page.
      loads.push(getJSON(el.dataset.buildings).then(function (fc) {
        if (!fc || !fc.features) { return; }
        geoLayer(fc, {
          style: { color: "#7a5a1e", weight: 1, fillColor: "#d9a441", fillOpacity: 0.45 },
          pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 5, color: "#7a5a1e", weight: 1, fillColor: "#d9a441", fillOpacity: 0.8 }); },
          onEachFeature: function (f, l) {
            var p = f.properties || {};
            l.bindTooltip(label(p.name || ""));
            l.on("click", function () {
              if (el.dataset.drawing !== "1" && typeof p.url === "string" && p.url.indexOf("/buildings/") === 0) { window.location.href = p.url; }
            });
          }
        }).addTo(map);
        el.dataset.buildingCount = String(fc.features.length);
      }));
    }
    Promise.all(loads).then(function () { el.dataset.ready = "1"; });
    if (el.dataset.draw) { editor(map, el, document.querySelector(el.dataset.draw)); }
  }

  // editor: "draw" starts a polygon, each map click adds a corner, "undo"
  // removes the last, "clear" starts again; the ring is written to the
  // hidden input as a GeoJSON Polygon (WGS-84) whenever it has three
  // corners.
  function editor(map, el, input) {
    var pts = [], line = null, poly = null, on = false;
    var status = document.getElementById("draw-status");
    function render() {
      if (line) { map.removeLayer(line); line = null; }
      if (poly) { map.removeLayer(poly); poly = null; }
      if (pts.length >= 3) {
        poly = L.polygon(pts, { color: "#c8161d", weight: 2, fillOpacity: 0.2 }).addTo(map);
        var ring = pts.map(function (p) { var w = fromMap(p); return [round(w.lng), round(w.lat)]; });
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
    var map = newMap(el, 9, true);
    var m = el.dataset.measure;
    getJSON(el.dataset.coverage).then(function (fc) {
      if (!fc || !fc.features || fc.features.length === 0) { el.dataset.ready = "1"; el.classList.add("empty"); return; }
      var vals = fc.features.map(function (f) { return f.properties[m] || 0; });
      var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
      var layer = geoLayer(fc, {
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

  function outlines(map, url, fit) {
    return getJSON(url).then(function (fc) {
      if (!fc || !fc.features || fc.features.length === 0) { return null; }
      var layer = geoLayer(fc, { style: { color: "#0b5cad", weight: 1, fillOpacity: 0.04 } }).addTo(map);
      if (fit && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      return layer;
    });
  }

  // pick: a tap on the map puts a marker there and writes the point, in
  // WGS-84, into the form's lon and lat inputs (the report form).
  function pick(el) {
    var map = newMap(el, 14, false), marker = null;
    var lon = document.querySelector(el.dataset.pick + " [name=lon]"), lat = document.querySelector(el.dataset.pick + " [name=lat]");
    function put(ll) {
      if (marker) { marker.setLatLng(ll); } else { marker = L.circleMarker(ll, { radius: 9, color: "#c8161d", weight: 3, fillOpacity: 0.5 }).addTo(map); }
      var w = fromMap(ll);
      lon.value = w.lng.toFixed(7); lat.value = w.lat.toFixed(7);
      el.dataset.picked = "1";
    }
    var done = el.dataset.grids ? outlines(map, el.dataset.grids, true) : Promise.resolve();
    done.then(function () {
      if (lon.value && lat.value) {
        var ll = toMap(+lat.value, +lon.value);
        put(ll); map.setView(ll, 16);
      }
      el.dataset.ready = "1";
    });
    map.on("click", function (e) { put(e.latlng); });
    var here = document.getElementById("locate-me");
    if (here && navigator.geolocation) {
      here.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (p) {
          var ll = toMap(p.coords.latitude, p.coords.longitude);
          put(ll); map.setView(ll, 17);
        });
      });
    }
  }

  // point: one case's location.
  function point(el) {
    var map = newMap(el, 16, false);
    var ll = toMap(+el.dataset.lat, +el.dataset.lon);
    L.circleMarker(ll, { radius: 9, color: "#c8161d", weight: 3, fillOpacity: 0.5 }).addTo(map);
    map.setView(ll, 17);
    var done = el.dataset.outline ? outlines(map, el.dataset.outline, false) : Promise.resolve();
    done.then(function () { el.dataset.ready = "1"; });
  }

  // hotspots: grids shaded by their number of cases (heat by grid) and
  // cases grouped into cells drawn as circles sized by count.
  function hotspots(el) {
    var map = newMap(el, 12, false);
    Promise.all([getJSON(el.dataset.heat), el.dataset.grids ? getJSON(el.dataset.grids) : Promise.resolve(null), getJSON(el.dataset.clusters)]).then(function (r) {
      var counts = r[0] || {}, fc = r[1], cells = r[2] || [];
      var bounds = null;
      if (fc && fc.features && fc.features.length) {
        var hi = 1;
        fc.features.forEach(function (f) { hi = Math.max(hi, counts[f.properties.code] || 0); });
        var layer = geoLayer(fc, {
          style: function (f) {
            var t = (counts[f.properties.code] || 0) / hi;
            return { color: "#7a0b10", weight: 1, fillColor: "#c8161d", fillOpacity: 0.05 + 0.6 * t };
          },
          onEachFeature: function (f, l) { l.bindTooltip(label(f.properties.name + ": " + (counts[f.properties.code] || 0))); }
        }).addTo(map);
        if (layer.getBounds().isValid()) { bounds = layer.getBounds(); }
      }
      cells.forEach(function (c) {
        var at = toMap(c.lat, c.lon);
        var m = L.circleMarker(at, { radius: Math.min(6 + 3 * Math.sqrt(c.count), 30), color: "#0b5cad", weight: 1, fillOpacity: 0.6 }).addTo(map);
        m.bindTooltip(label(String(c.count)));
        if (c.count === 1) { m.on("click", function () { window.location.href = "/cases/" + c.case_id; }); }
        var b = L.latLngBounds(at, at);
        bounds = bounds ? bounds.extend(b) : b;
      });
      if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12], maxZoom: 16, animate: false }); }
      el.dataset.cells = String(cells.length);
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
    document.querySelectorAll("[data-pick]").forEach(pick);
    document.querySelectorAll("[data-lat][data-lon].map").forEach(point);
    document.querySelectorAll("[data-clusters]").forEach(hotspots);
  });
})();
