/*
 * incidentkb site search: mkdocs-material's search box, driven by Pagefind.
 *
 * Pagefind's index is static and sharded: the first query downloads the
 * Pagefind runtime and only the index chunks and result fragments it needs.
 * Nothing is downloaded until the visitor points at or focuses the search box.
 *
 * Queries accept field filters like the `incidentkb search` command:
 * `severity:SEV1 service:payments-api pool` (filters come from the
 * data-pagefind-filter attributes of incident pages).
 *
 * Everything shown comes from the index as text: titles and excerpts are
 * inserted with textContent, only Pagefind's <mark> highlights are kept.
 */
(function () {
  "use strict";

  // This file is <site root>/assets/javascripts/ikb-search.js, wherever the
  // site is served from (a sub-path too).
  var SCRIPT = document.currentScript;
  var ROOT = new URL("../../", SCRIPT ? SCRIPT.src : document.baseURI);
  var BUNDLE = new URL("pagefind/pagefind.js", ROOT).href;
  var PAGE_SIZE = 10;  // results rendered at once; more load on scrolling
  var MAX_SUB_RESULTS = 3;
  var DEBOUNCE_MS = 80;
  // Query prefix -> Pagefind filter name (the names incident pages declare).
  var FILTER_KEYS = {
    severity: "severity", sev: "severity",
    status: "status",
    service: "service", services: "service",
    tag: "tag", tags: "tag",
    type: "type",
    kind: "kind",
  };

  var pagefind = null;

  /** Load Pagefind once, on first use. */
  function loadPagefind() {
    if (!pagefind) {
      pagefind = import(BUNDLE).then(function (pf) {
        return pf.options({ baseUrl: ROOT.pathname, excerptLength: 24 }).then(function () {
          Promise.resolve(pf.init()).catch(function () {});  // a failure shows in search()
          return pf;
        });
      });
      pagefind.catch(function (error) {
        pagefind = null;  // let a later query try again
        console.error("incidentkb search: cannot load " + BUNDLE, error);
      });
    }
    return pagefind;
  }

  /** Split `severity:SEV1 pool exhaustion` into terms and filters. */
  function parseQuery(query) {
    var terms = [];
    var filters = {};
    query.trim().split(/\s+/).forEach(function (token) {
      var match = /^([a-z]+):(.+)$/i.exec(token);
      var name = match && FILTER_KEYS[match[1].toLowerCase()];
      if (name) {
        (filters[name] = filters[name] || []).push(match[2]);
      } else if (token) {
        terms.push(token);
      }
    });
    return { terms: terms.join(" "), filters: filters };
  }

  /**
   * Map filter values to the index's spelling (`sev1` -> `SEV1`). A field the
   * site has no filter for stays a search term (`severity:SEV1` -> `SEV1`).
   */
  function resolveQuery(pf, query) {
    var names = Object.keys(query.filters);
    if (!names.length) {
      return Promise.resolve({ terms: query.terms, filters: {} });
    }
    return pf.filters().then(function (available) {
      var filters = {};
      var terms = query.terms ? [query.terms] : [];
      names.forEach(function (name) {
        if (!available[name]) {
          terms = terms.concat(query.filters[name]);
          return;
        }
        var known = Object.keys(available[name]);
        filters[name] = { any: query.filters[name].map(function (value) {
          var lower = value.toLowerCase();
          for (var i = 0; i < known.length; i++) {
            if (known[i].toLowerCase() === lower) {
              return known[i];
            }
          }
          return value;
        }) };
      });
      return { terms: terms.join(" "), filters: filters };
    });
  }

  /** Append Pagefind's excerpt to `parent`: text, plus its <mark> highlights. */
  function appendExcerpt(parent, excerpt) {
    var template = document.createElement("template");  // inert: nothing runs or loads
    template.innerHTML = excerpt || "";
    template.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        parent.appendChild(mark);
      } else {
        parent.appendChild(document.createTextNode(node.textContent));
      }
    });
  }

  function resultArticle(url, title, excerpt, level) {
    var link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = url;
    link.tabIndex = -1;
    var article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    if (level === 1) {
      var icon = document.createElement("div");
      icon.className = "md-search-result__icon md-icon";
      article.appendChild(icon);
    }
    var heading = document.createElement(level === 1 ? "h1" : "h2");
    heading.textContent = title;
    article.appendChild(heading);
    if (excerpt) {
      var paragraph = document.createElement("p");
      appendExcerpt(paragraph, excerpt);
      article.appendChild(paragraph);
    }
    link.appendChild(article);
    return link;
  }

  function resultItem(data) {
    var item = document.createElement("li");
    item.className = "md-search-result__item";
    var title = (data.meta && data.meta.title) || data.url;
    item.appendChild(resultArticle(data.url, title, data.excerpt, 1));
    (data.sub_results || [])
      .filter(function (sub) {
        return sub.title && sub.url !== data.url && sub.title !== title;  // untitled: left out
      })
      .slice(0, MAX_SUB_RESULTS)
      .forEach(function (sub) {
        item.appendChild(resultArticle(sub.url, sub.title, sub.excerpt, 2));
      });
    return item;
  }

  function Search(container) {
    this.container = container;
    this.toggle = document.getElementById("__search");
    this.form = container.querySelector("[data-ikb-search-form]");
    this.input = container.querySelector("[data-ikb-search-query]");
    this.meta = container.querySelector("[data-ikb-search-meta]");
    this.list = container.querySelector("[data-ikb-search-list]");
    this.scrollwrap = container.querySelector(".md-search__scrollwrap");
    this.generation = 0;
    this.pending = [];
    this.loading = false;
    this.bind();
  }

  Search.prototype.text = function (key, count) {
    var text = this.container.getAttribute("data-ikb-search-" + key) || "";
    return text.replace("#", String(count));
  };

  Search.prototype.setOpen = function (open) {
    if (this.toggle && this.toggle.checked !== open) {
      this.toggle.checked = open;
      this.toggle.dispatchEvent(new Event("change"));  // the theme locks scrolling on phones
    }
  };

  Search.prototype.show = function (meta, items) {
    this.meta.textContent = meta;
    this.list.replaceChildren.apply(this.list, items || []);
  };

  Search.prototype.run = function () {
    var self = this;
    var generation = ++this.generation;
    var query = parseQuery(this.input.value);
    this.pending = [];
    if (!query.terms && !Object.keys(query.filters).length) {
      this.show(this.text("placeholder"));
      this.container.removeAttribute("data-ikb-search-state");
      return;
    }
    this.container.setAttribute("data-ikb-search-state", "searching");
    loadPagefind()
      .then(function (pf) {
        return resolveQuery(pf, query).then(function (resolved) {
          return pf.debouncedSearch(resolved.terms || null, { filters: resolved.filters },
            DEBOUNCE_MS);
        });
      })
      .then(function (search) {
        if (!search || generation !== self.generation) {
          return null;  // superseded by a newer query
        }
        var total = search.results.length;
        self.pending = search.results.slice();
        return self.more(generation).then(function (items) {
          if (generation !== self.generation) {
            return;
          }
          var meta = total === 0 ? self.text("none")
            : total === 1 ? self.text("one") : self.text("other", total);
          self.show(meta, items);
          self.container.setAttribute("data-ikb-search-state", "done");
        });
      })
      .catch(function (error) {
        if (generation === self.generation) {
          self.show(self.text("error"));
          self.container.setAttribute("data-ikb-search-state", "error");
        }
        console.error("incidentkb search failed", error);
      });
  };

  /** The next PAGE_SIZE results of the current search, as list items. */
  Search.prototype.more = function (generation) {
    var batch = this.pending.splice(0, PAGE_SIZE);
    return Promise.all(batch.map(function (result) { return result.data(); }))
      .then(function (pages) {
        return generation === this.generation ? pages.map(resultItem) : [];
      }.bind(this));
  };

  /** Append the next results when the visitor scrolls to the end of the list. */
  Search.prototype.onScroll = function (scrollwrap) {
    var self = this;
    var generation = this.generation;
    if (this.loading || !this.pending.length ||
        scrollwrap.scrollTop + scrollwrap.clientHeight < scrollwrap.scrollHeight - 64) {
      return;
    }
    this.loading = true;
    this.more(generation).then(function (items) {
      self.loading = false;
      if (generation === self.generation) {
        self.list.append.apply(self.list, items);
      }
    }, function (error) {
      self.loading = false;
      console.error("incidentkb search failed", error);
    });
  };

  Search.prototype.links = function () {
    return Array.prototype.slice.call(this.list.querySelectorAll("a[href]"));
  };

  Search.prototype.onKey = function (event) {
    var links = this.links();
    var current = links.indexOf(document.activeElement);
    switch (event.key) {
      case "Escape":
        this.setOpen(false);
        this.input.blur();
        event.preventDefault();
        break;
      case "ArrowDown":
      case "ArrowUp":
        if (links.length) {
          var step = event.key === "ArrowDown" ? 1 : -1;
          var next = current === -1 ? (step === 1 ? 0 : links.length - 1)
            : current + step;
          if (next < 0 || next >= links.length) {
            this.input.focus();
          } else {
            links[next].focus();
          }
          event.preventDefault();
        }
        break;
      case "Enter":
        if (document.activeElement === this.input) {
          if (links.length) {
            links[0].click();
          }
          event.preventDefault();
        }
        break;
      default:
        break;
    }
  };

  Search.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("focus", function () {
      self.setOpen(true);
      loadPagefind();  // fetch the runtime while the visitor types
    });
    // Start fetching the runtime as soon as the visitor heads for the search,
    // so that the first results do not wait for it.
    var preload = function () { loadPagefind(); };
    var magnifier = document.querySelector("label.md-header__button[for=__search]");
    [this.container, magnifier].forEach(function (element) {
      if (element) {
        element.addEventListener("pointerenter", preload, { passive: true });
        element.addEventListener("pointerdown", preload, { passive: true });
      }
    });
    this.input.addEventListener("input", function () { self.run(); });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); });
    this.form.addEventListener("reset", function () {
      window.setTimeout(function () {
        self.run();
        self.input.focus();
      });
    });
    this.container.addEventListener("keydown", function (event) { self.onKey(event); });
    if (this.scrollwrap) {
      this.scrollwrap.addEventListener("scroll", function () { self.onScroll(self.scrollwrap); },
        { passive: true });
    }
    // Following a result closes the search (instant navigation keeps the header).
    this.list.addEventListener("click", function (event) {
      if (event.target instanceof Element && event.target.closest("a")) {
        self.setOpen(false);
      }
    });
    if (this.toggle) {
      // The header's magnifier (on phones) opens the search: focus the box.
      this.toggle.addEventListener("change", function () {
        if (self.toggle.checked && document.activeElement !== self.input) {
          window.setTimeout(function () { self.input.focus(); }, 250);
        } else if (!self.toggle.checked) {
          self.input.blur();
        }
      });
    }
    // `/`, `s` or `f` anywhere else focuses the search, as in the theme.
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
        return;
      }
      if (target instanceof HTMLElement && (target.isContentEditable ||
          /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
        return;
      }
      if (event.key === "/" || event.key === "s" || event.key === "f") {
        self.input.focus();
        self.input.select();
        event.preventDefault();
      }
    });
  };

  function start() {
    var container = document.querySelector("[data-ikb-search]");
    if (container && !container.ikbSearch) {
      container.ikbSearch = new Search(container);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
