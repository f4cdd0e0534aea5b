// Pickers: a division chosen by typing its name, and forms that offer only
// what the chosen role allows. The pages work without this file (the
// server resolves a typed name and checks every rule); it makes them
// quicker. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var SEP = " › ";
  var parents = {}; // code → {name, parent_code} or null, fetched once a page

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    });
  }

  // pathOf resolves the names above a suggestion that came without a path,
  // through its parents, as far as the reader may see.
  function pathOf(item) {
    if (item.path) { return Promise.resolve(item.path); }
    var names = [item.name];
    function up(code, depth) {
      if (!code || depth > 6) { return Promise.resolve(names.join(SEP)); }
      var known = parents[code];
      var p = known !== undefined ? Promise.resolve(known) :
        getJSON("/api/v1/regions/" + encodeURIComponent(code)).then(function (r) {
          parents[code] = { name: r.name, parent_code: r.parent_code || "" };
          return parents[code];
        }, function () { parents[code] = null; return null; });
      return p.then(function (r) {
        if (!r) { return names.join(SEP); }
        names.unshift(r.name);
        return up(r.parent_code, depth + 1);
      });
    }
    return up(item.parent_code, 0);
  }

  function levelsOf(el) {
    var s = el.dataset.levels || "";
    return s ? s.split(",") : [];
  }

  function roleSelect(form, name) {
    return form ? form.querySelector("select[name='" + name + "']") : null;
  }

  function setupPicker(el) {
    if (el.dataset.pickerReady) { return; }
    el.dataset.pickerReady = "1";
    var text = el.querySelector("[data-picker-text]");
    var code = el.querySelector("[data-picker-code]");
    var list = el.querySelector("[data-picker-list]");
    var form = el.closest("form");
    var timer = null, seq = 0, active = -1, items = [];

    function close() {
      busy(false);
      list.hidden = true;
      text.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function choose(i) {
      var it = items[i];
      if (!it) { return; }
      text.value = it.path;
      code.value = it.code;
      code.dataset.level = it.level || "";
      close();
      code.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function mark(i) {
      var lis = list.querySelectorAll("li");
      lis.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (lis[i]) { text.setAttribute("aria-activedescendant", lis[i].id); }
    }

    // busy marks the list while a search for the text typed is on its way
    // (screen readers hear the list is changing; nothing is chosen from a
    // list about to be replaced).
    function busy(on) {
      if (on) { list.setAttribute("aria-busy", "true"); } else { list.removeAttribute("aria-busy"); }
    }

    function show(found) {
      busy(false);
      items = found;
      list.textContent = "";
      found.forEach(function (it, i) {
        var li = document.createElement("li");
        li.id = el.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.textContent = it.path;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = el.dataset.none || "—";
        list.appendChild(none);
      }
      list.hidden = false;
      text.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function search() {
      var typed = text.value.split("›");
      var q = typed[typed.length - 1].trim();
      var levels = levelsOf(el);
      var params = new URLSearchParams({ q: q, limit: "20" });
      var rs = el.dataset.roleFrom && roleSelect(form, el.dataset.roleFrom);
      if (rs) { params.set("role", rs.value); } else if (levels.length === 1) { params.set("level", levels[0]); }
      var mine = ++seq;
      busy(true);
      getJSON(el.dataset.url + "?" + params.toString()).then(function (data) {
        var found = (data.items || []).filter(function (it) { return !levels.length || levels.indexOf(it.level) >= 0; });
        return Promise.all(found.map(function (it) {
          return pathOf(it).then(function (p) { return { code: it.code, level: it.level, path: p }; });
        }));
      }).then(function (found) {
        if (mine === seq) { show(found); }
      }, function () { if (mine === seq) { close(); } });
    }

    text.addEventListener("input", function () {
      // A changed text no longer names the division chosen before; the
      // server resolves the text unless a suggestion is chosen.
      code.value = "";
      code.dataset.level = "";
      code.dispatchEvent(new Event("change", { bubbles: true }));
      clearTimeout(timer);
      busy(true);
      timer = setTimeout(search, 200);
    });
    text.addEventListener("focus", function () { if (!text.value) { search(); } });
    text.addEventListener("blur", function () { setTimeout(close, 150); });
    text.addEventListener("keydown", function (e) {
      if (list.hidden) {
        if (e.key === "ArrowDown") { search(); e.preventDefault(); }
        return;
      }
      if (e.key === "ArrowDown") { mark(Math.min(active + 1, items.length - 1)); e.preventDefault(); }
      else if (e.key === "ArrowUp") { mark(Math.max(active - 1, 0)); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { choose(active); e.preventDefault(); }
      else if (e.key === "Escape") { close(); }
    });
  }

  // Forms whose role select decides what else they ask:
  // <select data-role-select> with options carrying data-levels and
  // data-levels-hint; elements with data-show-roles="a b" are shown (and
  // their fields sent) only for those roles.
  function setupRoleForm(sel) {
    if (sel.dataset.roleReady) { return; }
    sel.dataset.roleReady = "1";
    var form = sel.closest("form");
    function apply() {
      var opt = sel.options[sel.selectedIndex];
      var role = sel.value;
      form.querySelectorAll("[data-show-roles]").forEach(function (el) {
        var on = el.dataset.showRoles.split(" ").indexOf(role) >= 0;
        el.hidden = !on;
        el.querySelectorAll("input, select, textarea").forEach(function (f) { f.disabled = !on; });
      });
      form.querySelectorAll("[data-region-picker][data-role-from='" + sel.name + "']").forEach(function (el) {
        var levels = opt && opt.dataset.levels ? opt.dataset.levels : "";
        el.dataset.levels = levels;
        var hint = el.querySelector("[data-picker-hint]");
        if (hint && opt && opt.dataset.levelsHint) { hint.textContent = opt.dataset.levelsHint; }
        var code = el.querySelector("[data-picker-code]");
        var lv = levels ? levels.split(",") : [];
        if (code.value && code.dataset.level && lv.length && lv.indexOf(code.dataset.level) < 0) {
          code.value = "";
          code.dataset.level = "";
          el.querySelector("[data-picker-text]").value = "";
          code.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    }
    sel.addEventListener("change", apply);
    apply();
  }

  // <select data-serves-from="region_code">: options carrying data-region
  // are offered only when that division serves the one chosen (it is the
  // division or above it).
  function setupServes(sel) {
    if (sel.dataset.servesReady) { return; }
    sel.dataset.servesReady = "1";
    var form = sel.closest("form");
    var code = form && form.querySelector("input[name='" + sel.dataset.servesFrom + "']");
    if (!code) { return; }
    function apply() {
      var c = code.value;
      Array.prototype.forEach.call(sel.options, function (o) {
        var r = o.dataset.region;
        if (!r) { return; }
        var ok = !c || c.indexOf(r) === 0;
        o.hidden = !ok;
        o.disabled = !ok;
        if (!ok && o.selected) { sel.value = ""; }
      });
    }
    code.addEventListener("change", apply);
    apply();
  }

  // <div data-unless-picked="household_id">: hidden, its fields disabled
  // (not sent), while the form's picker of that name has a choice, as
  // the grid of a person of a household chosen is the household's.
  function setupUnlessPicked(el) {
    if (el.dataset.unlessReady) { return; }
    el.dataset.unlessReady = "1";
    var form = el.closest("form");
    var code = form && form.querySelector("input[data-picker-code][name='" + el.dataset.unlessPicked + "']");
    if (!code) { return; }
    function apply() {
      var on = !code.value;
      el.hidden = !on;
      el.querySelectorAll("input, select, textarea").forEach(function (f) { f.disabled = !on; });
    }
    code.addEventListener("change", apply);
    apply();
  }

  function setup(root) {
    root.querySelectorAll("[data-region-picker]").forEach(setupPicker);
    root.querySelectorAll("select[data-role-select]").forEach(setupRoleForm);
    root.querySelectorAll("select[data-serves-from]").forEach(setupServes);
    root.querySelectorAll("[data-unless-picked]").forEach(setupUnlessPicked);
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function (e) { setup(e.target); });
})();
