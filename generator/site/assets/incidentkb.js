/* incidentkb: the filterable, sortable incidents table (incidents/ page).
 *
 * Rows come from incidents.json (the frontmatter the filters need). No
 * dependencies, works offline and under mkdocs-material's instant
 * navigation (document$). Every value is put in the page with textContent
 * or setAttribute, never as HTML.
 */
(function () {
  "use strict";

  var PAGE_SIZE = 200;
  var SEVERITY_RANK = { SEV1: 1, SEV2: 2, SEV3: 3, SEV4: 4 };
  var STATUS_RANK = {
    detected: 1, investigating: 2, mitigated: 3, resolved: 4,
    verified: 5, reviewed: 6, closed: 7
  };
  // "open" in the status filter: still being worked on (theme.py OPEN_STATUSES)
  var OPEN_STATUSES = { detected: true, investigating: true, mitigated: true };
  var FILTERS = ["severity", "status", "service", "type", "tag", "from", "to"];
  var cache = {};

  function loadRows(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) { return (data && data.incidents) || []; })
        .catch(function (error) { delete cache[url]; throw error; });
    }
    return cache[url];
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function cell(child) {
    var td = document.createElement("td");
    if (child !== undefined && child !== null) {
      if (typeof child === "string") { td.textContent = child; } else { td.appendChild(child); }
    }
    return td;
  }

  function link(href, text) {
    var a = el("a", { href: href, "class": "ikb-incident-link" }, text);
    return a;
  }

  function token(value) { return String(value || "unknown").replace(/[^A-Za-z0-9_-]/g, ""); }

  function row(inc) {
    var tr = el("tr", {
      "data-severity": inc.severity || "",
      "data-status": inc.status || "",
      "data-type": inc.type || "",
      "data-detected": inc.detected || ""
    });
    tr.appendChild(cell(link(inc.url, inc.id)));
    tr.appendChild(cell(link(inc.url, inc.title)));
    tr.appendChild(cell(el("span", { "class": "ikb-badge ikb-sev ikb-sev-" + token(inc.severity) }, inc.severity)));
    tr.appendChild(cell(el("span", { "class": "ikb-badge ikb-status ikb-status-" + token(inc.status) }, inc.status)));
    tr.appendChild(cell(inc.type || ""));
    tr.appendChild(cell((inc.services || []).join(", ")));
    var detected = inc.detected ? inc.detected.slice(0, 10) : "";
    tr.appendChild(cell(el("time", { datetime: inc.detected || "" }, detected)));
    return tr;
  }

  function matches(inc, state) {
    if (state.severity && inc.severity !== state.severity) { return false; }
    if (state.status === "open") {
      if (!OPEN_STATUSES[inc.status]) { return false; }
    } else if (state.status && inc.status !== state.status) { return false; }
    if (state.type && inc.type !== state.type) { return false; }
    if (state.service && (inc.services || []).indexOf(state.service) < 0) { return false; }
    if (state.tag && (inc.tags || []).indexOf(state.tag) < 0) { return false; }
    var day = (inc.detected || "").slice(0, 10);
    if (state.from && (!day || day < state.from)) { return false; }
    if (state.to && (!day || day > state.to)) { return false; }
    return true;
  }

  function sortValue(inc, key) {
    if (key === "severity") { return SEVERITY_RANK[inc.severity] || 9; }
    if (key === "status") { return STATUS_RANK[inc.status] || 9; }
    if (key === "services") { return (inc.services || []).join(", ").toLowerCase(); }
    var value = inc[key];
    return value === null || value === undefined ? "" : String(value).toLowerCase();
  }

  function compare(key, direction) {
    return function (a, b) {
      var x = sortValue(a, key), y = sortValue(b, key);
      var result = x < y ? -1 : x > y ? 1 : 0;
      if (result === 0) { result = a.id < b.id ? -1 : a.id > b.id ? 1 : 0; }
      return direction === "ascending" ? result : -result;
    };
  }

  function readQuery() {
    var params = new URLSearchParams(window.location.search);
    var state = {};
    FILTERS.forEach(function (name) { state[name] = params.get(name) || ""; });
    return state;
  }

  function writeQuery(state) {
    var params = new URLSearchParams();
    FILTERS.forEach(function (name) { if (state[name]) { params.set(name, state[name]); } });
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    try { window.history.replaceState(window.history.state, "", url); } catch (e) { /* file:// */ }
  }

  function setup(app) {
    if (app.getAttribute("data-ikb-ready") === "1") { return; }
    app.setAttribute("data-ikb-ready", "1");
    var table = app.querySelector("#ikb-incidents");
    var body = table.tBodies[0];
    var count = app.querySelector("#ikb-count");
    var more = app.querySelector("#ikb-more");
    var controls = {};
    FILTERS.forEach(function (name) { controls[name] = app.querySelector("#ikb-filter-" + name); });
    var state = readQuery();
    var sortKey = "detected", sortDirection = "descending", shown = PAGE_SIZE, rows = [];

    FILTERS.forEach(function (name) {
      var control = controls[name];
      if (!control) { return; }
      if (state[name] && control.tagName === "SELECT" &&
          !Array.prototype.some.call(control.options, function (o) { return o.value === state[name]; })) {
        state[name] = "";
      }
      control.value = state[name];
      var onChange = function () { state[name] = control.value; shown = PAGE_SIZE; writeQuery(state); render(); };
      control.addEventListener("change", onChange);
      control.addEventListener("input", onChange);
    });

    var reset = app.querySelector("#ikb-filter-reset");
    if (reset) {
      reset.addEventListener("click", function () {
        FILTERS.forEach(function (name) { state[name] = ""; if (controls[name]) { controls[name].value = ""; } });
        shown = PAGE_SIZE; writeQuery(state); render();
      });
    }

    Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
      var button = th.querySelector("button") || th;
      button.addEventListener("click", function () {
        var key = th.getAttribute("data-sort");
        if (key === sortKey) {
          sortDirection = sortDirection === "ascending" ? "descending" : "ascending";
        } else {
          sortKey = key;
          sortDirection = key === "detected" ? "descending" : "ascending";
        }
        render();
      });
    });

    more.addEventListener("click", function () { shown += PAGE_SIZE; render(); });

    function render() {
      Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
        th.setAttribute("aria-sort", th.getAttribute("data-sort") === sortKey ? sortDirection : "none");
      });
      var selected = rows.filter(function (inc) { return matches(inc, state); });
      selected.sort(compare(sortKey, sortDirection));
      var fragment = document.createDocumentFragment();
      selected.slice(0, shown).forEach(function (inc) { fragment.appendChild(row(inc)); });
      while (body.firstChild) { body.removeChild(body.firstChild); }
      body.appendChild(fragment);
      count.textContent = selected.length + " of " + rows.length + " incidents" +
        (selected.length > shown ? " (showing the first " + shown + ")" : "");
      more.hidden = selected.length <= shown;
    }

    count.textContent = "Loading incidents…";
    var src = new URL(app.getAttribute("data-src") || "incidents.json", window.location.href).href;
    loadRows(src).then(function (data) { rows = data; render(); }, function (error) {
      count.textContent = "Could not load the incidents (" + error.message + ").";
    });
  }

  function init() {
    var apps = document.querySelectorAll(".ikb-table-app");
    Array.prototype.forEach.call(apps, setup);
  }

  if (typeof window.document$ !== "undefined" && window.document$ && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
