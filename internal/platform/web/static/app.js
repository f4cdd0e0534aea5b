// Grassroots page behaviour. No inline scripts: the CSP forbids them, so
// pages describe what they need with data attributes and this file acts.
(function () {
  "use strict";

  // Every htmx request carries the CSRF token of the session.
  document.addEventListener("htmx:configRequest", function (e) {
    var t = document.body.dataset.csrf;
    if (t) { e.detail.headers["X-CSRF-Token"] = t; }
  });

  // Charts: <div data-chart="id-of-json-script"> with the ECharts option
  // in <script type="application/json" id="…">.
  function charts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.chartReady) { return; }
      var src = document.getElementById(el.dataset.chart);
      if (!src) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      var opt = JSON.parse(src.textContent);
      // Tooltips are drawn on the canvas, not written as HTML: an HTML
      // tooltip puts the names (typed by people) into the page with
      // innerHTML, and its inline styles are refused by the CSP.
      if (opt.tooltip) { opt.tooltip.renderMode = "richText"; }
      chart.setOption(opt);
      el.dataset.chartReady = "1";
      window.addEventListener("resize", function () { chart.resize(); });
      var base = el.dataset.chartLink;
      if (base) {
        chart.on("click", function (p) {
          if (p.data && p.data.code) { window.location.href = base + p.data.code; }
        });
      }
    });
  }

  // Confirm dangerous actions: <form data-confirm="text">.
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });

  document.addEventListener("DOMContentLoaded", function () { charts(document); });
  document.addEventListener("htmx:afterSettle", function (e) { charts(e.target); });
})();

// Submenus: one open at a time, closed by a click elsewhere or Escape.
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll("details.menu-group[open]").forEach(function (d) {
      if (d !== except) { d.removeAttribute("open"); }
    });
  }
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.classList && d.classList.contains("menu-group") && d.open) { closeAll(d); }
  }, true);
  document.addEventListener("click", function (e) {
    if (!e.target.closest || !e.target.closest("details.menu-group")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { closeAll(null); }
  });
})();
