"""Browsing pages: home, the filterable incidents table, facet indexes, kb index.

Every function here is O(size of its own page); the per-build lookups come
from `SiteContext`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from ..documents import Incident
from ..schema import SEVERITIES, STATUSES, TYPES
from . import layout
from .context import SiteContext
from .markup import chip, esc, inline, link, plural, severity_badge, status_badge, time_tag
from .pages import OPEN_ACTION_STATES
from .source import PageSource
from .theme import OPEN_STATUSES

HOME_LATEST = 10
HOME_OVERDUE = 15
# the home page stays small however many incidents are open; the table has the rest
HOME_OPEN = 25
# Facet pages with more incidents than this list them by year.
GROUP_ABOVE = 30
FACET_NOUNS = {"year": "year", "severity": "severity", "service": "service",
               "type": "type", "tag": "tag"}


def _detected(inc: Incident) -> str:
    d = inc.data.detected_at
    return time_tag(d, d.astimezone(dt.timezone.utc).strftime("%Y-%m-%d")) if d else ""


def incident_list(ctx: SiteContext, incidents: Iterable[Incident], page_url: str) -> str:
    """A compact list: severity, status, linked id and title, date, services."""
    items = []
    for inc in incidents:
        url = layout.relative(ctx.incident_url[inc.id or ""], page_url)
        services = ", ".join(inc.data.services or [])
        items.append(
            f'<li>{severity_badge(inc.data.severity)} {status_badge(inc.data.status)} '
            f'{link(url, f"{inc.id}: {inc.title}", "ikb-incident-link")} '
            f'<span class="ikb-list-meta">{_detected(inc)} · {esc(services)}</span></li>'
        )
    if not items:
        return '<p class="ikb-muted">None.</p>'
    return '<ul class="ikb-incident-list">' + "".join(items) + "</ul>"


# --- home -----------------------------------------------------------------------


def overdue_items(ctx: SiteContext) -> list[tuple[Incident, Any]]:
    """(incident, action item) past due and not done, most overdue first."""
    out = []
    for inc in ctx.incidents:
        for item in inc.data.action_items:
            if item.status in OPEN_ACTION_STATES and item.due is not None and item.due < ctx.today:
                out.append((inc, item))
    return sorted(out, key=lambda pair: (pair[1].due, pair[0].id or ""))


def headline_numbers(ctx: SiteContext) -> list[tuple[str, int, str | None]]:
    """(label, value, link target: src_uri and optional ?query) for the home page's tiles."""
    year = str(ctx.today.year)
    this_year = ctx.members.get("year", {}).get(year, [])
    open_items = sum(
        1 for inc in ctx.incidents for item in inc.data.action_items
        if item.status in OPEN_ACTION_STATES
    )
    slug = ctx.facet_slugs.get("year", {}).get(year)
    return [
        ("Incidents", len(ctx.incidents), layout.TABLE),
        ("Open now", sum(1 for i in ctx.incidents if i.data.status in OPEN_STATUSES),
         layout.TABLE + "?status=open"),
        (f"In {year}", len(this_year), layout.facet_value_uri("year", slug) if slug else None),
        (f"SEV1/SEV2 in {year}",
         sum(1 for i in this_year if i.data.severity in ("SEV1", "SEV2")), None),
        ("Open action items", open_items, None),
        ("Overdue action items", len(overdue_items(ctx)), None),
    ]


def _tiles(ctx: SiteContext, page_url: str) -> str:
    tiles = []
    for label, value, target in headline_numbers(ctx):
        inner = (f'<span class="ikb-tile__value">{value:,}</span>'
                 f'<span class="ikb-tile__label">{esc(label)}</span>')
        if target:
            path, _, query = target.partition("?")
            href = layout.relative(ctx.url(path), page_url) + (f"?{query}" if query else "")
            tiles.append(f'<a class="ikb-tile" href="{esc(href)}">{inner}</a>')
        else:
            tiles.append(f'<div class="ikb-tile">{inner}</div>')
    return '<div class="ikb-tiles">' + "".join(tiles) + "</div>"


def _overdue_html(ctx: SiteContext, page_url: str) -> str:
    pairs = overdue_items(ctx)
    if not pairs:
        return '<p class="ikb-muted">No overdue action items.</p>'
    rows = []
    for inc, item in pairs[:HOME_OVERDUE]:
        url = layout.relative(ctx.incident_url[inc.id or ""], page_url)
        days = (ctx.today - item.due).days
        rows.append(
            f"<tr><td>{inline(item.title)}</td><td>{esc(item.owner)}</td>"
            f'<td>{esc(item.due.isoformat())} <span class="ikb-badge ikb-overdue">'
            f"{esc(plural(days, 'day'))} late</span></td>"
            f"<td>{link(url, inc.id or '', 'ikb-incident-link')}</td></tr>"
        )
    more = ""
    if len(pairs) > HOME_OVERDUE:
        more = f'<p class="ikb-muted">and {len(pairs) - HOME_OVERDUE} more.</p>'
    return (
        '<div class="ikb-table-wrap"><table class="ikb-actions"><thead><tr><th>Action item</th>'
        "<th>Owner</th><th>Due</th><th>Incident</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></div>" + more
    )


def _browse_links(ctx: SiteContext, page_url: str) -> str:
    table = layout.relative(ctx.url(layout.TABLE), page_url)
    items = [link(table, "All incidents (filter and sort)")]
    for facet, title in layout.FACETS:
        items.append(link(layout.relative(ctx.url(layout.facet_index_uri(facet)), page_url), title))
    items.append(link(layout.relative(ctx.url(layout.KB_INDEX), page_url), "Knowledge base"))
    if ctx.trends_url:
        items.append(link(layout.relative(ctx.trends_url, page_url), "Trends"))
    return '<ul class="ikb-browse">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def home_page(ctx: SiteContext, site_name: str) -> PageSource:
    """The front page: what is burning, what is new, what is late."""
    page_url = ctx.url(layout.HOME)
    open_incidents = [i for i in ctx.incidents if i.data.status in OPEN_STATUSES]
    page = PageSource(site_name, {"hide": ["navigation", "toc"]})
    page.html(f'<h1 class="ikb-home-title">{esc(site_name)}</h1>')
    page.html(_tiles(ctx, page_url))
    open_html = incident_list(ctx, open_incidents[:HOME_OPEN], page_url)
    if len(open_incidents) > HOME_OPEN:
        table = layout.relative(ctx.url(layout.TABLE), page_url) + "?status=open"
        open_html += (f'<p class="ikb-muted">and {len(open_incidents) - HOME_OPEN} more: '
                      f'{link(table, "all open incidents")}.</p>')
    page.section("Open incidents", "ikb-open", open_html)
    page.section("Latest incidents", "ikb-latest",
                 incident_list(ctx, ctx.incidents[:HOME_LATEST], page_url))
    page.section("Overdue action items", "ikb-overdue", _overdue_html(ctx, page_url))
    return page.section("Browse", "ikb-browse", _browse_links(ctx, page_url))


# --- the filterable table -----------------------------------------------------------


def incidents_json(ctx: SiteContext) -> str:
    """The frontmatter the table filters on, one object per incident, newest first.

    URLs are relative to the table page (`incidents/`), which is where the
    JSON lives as well.
    """
    table_url = ctx.url(layout.TABLE)
    rows = []
    for inc in ctx.incidents:
        d = inc.data
        detected = d.detected_at.astimezone(dt.timezone.utc) if d.detected_at else None
        rows.append({
            "id": inc.id,
            "title": inc.title,
            "url": layout.relative(ctx.incident_url[inc.id or ""], table_url),
            "severity": d.severity,
            "status": d.status,
            "type": d.type,
            "services": d.services or [],
            "tags": d.tags,
            "detected": detected.strftime("%Y-%m-%dT%H:%MZ") if detected else None,
            "users": d.impact.users_affected if d.impact else None,
        })
    return json.dumps({"incidents": rows}, ensure_ascii=False, separators=(",", ":"))


def _select(name: str, label: str, values: Iterable[str],
            extra: Iterable[tuple[str, str]] = ()) -> str:
    """A filter control: "All", any extra (value, label) choices, then the values."""
    choices = [("", "All"), *extra, *((v, v) for v in values)]
    options = [f'<option value="{esc(v)}">{esc(text)}</option>' for v, text in choices]
    return (
        f'<label class="ikb-filter"><span>{esc(label)}</span>'
        f'<select id="ikb-filter-{name}" data-filter="{name}">{"".join(options)}</select></label>'
    )


def _present(values: Iterable[str], order: Iterable[str]) -> list[str]:
    """Vocabulary order for known values, then any others sorted."""
    seen = set(values)
    known = [v for v in order if v in seen]
    return known + sorted(seen - set(known))


def table_page(ctx: SiteContext) -> PageSource:
    """The incidents table: filter controls and headers; rows come from incidents.json."""
    members = ctx.members
    json_url = layout.relative(layout.TABLE_JSON, ctx.url(layout.TABLE))
    statuses = _present((i.data.status or "" for i in ctx.incidents if i.data.status), STATUSES)
    filters = "".join([
        _select("severity", "Severity", _present(members.get("severity", {}), SEVERITIES)),
        _select("status", "Status", statuses, extra=[("open", "Open (not resolved yet)")]),
        _select("service", "Service", sorted(members.get("service", {}))),
        _select("type", "Type", _present(members.get("type", {}), TYPES)),
        _select("tag", "Tag", sorted(members.get("tag", {}))),
        '<label class="ikb-filter"><span>From</span><input type="date" id="ikb-filter-from" '
        'data-filter="from"></label>',
        '<label class="ikb-filter"><span>To</span><input type="date" id="ikb-filter-to" '
        'data-filter="to"></label>',
        '<button type="button" class="md-button ikb-filter-reset" id="ikb-filter-reset">'
        "Reset</button>",
    ])
    columns = [("id", "ID"), ("title", "Title"), ("severity", "Severity"), ("status", "Status"),
               ("type", "Type"), ("services", "Services"), ("detected", "Detected")]
    headers = "".join(
        f'<th data-sort="{key}" aria-sort="none"><button type="button">{esc(label)}</button></th>'
        for key, label in columns
    )
    year_index = layout.relative(ctx.url(layout.facet_index_uri("year")), ctx.url(layout.TABLE))
    page = PageSource("Incidents", {"hide": ["toc"]}).html("<h1>Incidents</h1>")
    return page.html(
        f'<div class="ikb-table-app" data-pagefind-ignore="all" data-src="{esc(json_url)}">'
        f'<form class="ikb-filters" id="ikb-filters">{filters}</form>'
        '<p class="ikb-table-count" id="ikb-count" aria-live="polite"></p>'
        '<div class="ikb-table-wrap"><table id="ikb-incidents" class="ikb-incidents">'
        f"<thead><tr>{headers}</tr></thead><tbody></tbody></table></div>"
        '<p><button type="button" class="md-button" id="ikb-more" hidden>Show more</button></p>'
        f'<noscript><p>The table needs JavaScript. <a href="{esc(year_index)}">Browse incidents '
        "by year</a> instead.</p></noscript></div>"
    )


# --- facet indexes ----------------------------------------------------------------


def _facet_order(facet: str, values: Iterable[str]) -> list[str]:
    if facet == "severity":
        return _present(values, SEVERITIES)
    if facet == "type":
        return _present(values, TYPES)
    if facet == "year":
        return sorted(values, reverse=True)
    return sorted(values, key=str.lower)


def facet_index_page(ctx: SiteContext, facet: str, title: str) -> PageSource:
    """Every value of a facet with its count, linked to its page."""
    page_url = ctx.url(layout.facet_index_uri(facet))
    members = ctx.members.get(facet, {})
    items = []
    for value in _facet_order(facet, members):
        url = layout.relative(ctx.facet_url(facet, value) or "", page_url)
        badge = severity_badge(value) if facet == "severity" else ""
        count = len(members[value])
        items.append(
            f'<li>{badge}{link(url, value)} <span class="ikb-count">{count:,}</span></li>'
        )
    body = ('<ul class="ikb-facet-index">' + "".join(items) + "</ul>") if items else (
        '<p class="ikb-muted">No incidents yet.</p>')
    page = PageSource(f"Incidents {title.lower()}")
    return page.html(f"<h1>Incidents {esc(title.lower())}</h1>").html(body)


def facet_value_page(ctx: SiteContext, facet: str, value: str) -> PageSource:
    """The incidents with one facet value, newest first, grouped by year when many."""
    slug = ctx.facet_slugs[facet][value]
    page_url = ctx.url(layout.facet_value_uri(facet, slug))
    incidents = ctx.members[facet][value]
    noun = FACET_NOUNS[facet]
    up = layout.relative(ctx.url(layout.facet_index_uri(facet)), page_url)
    counts = _severity_counts(incidents)
    heading = severity_badge(value) + " " if facet == "severity" else ""
    table = layout.relative(ctx.url(layout.TABLE), page_url) + table_query(facet, value)
    intro = (f'<p class="ikb-muted">{esc(plural(len(incidents), "incident"))} · {counts} · '
             f'{link(up, f"all by {noun}")} · {link(table, "filter and sort in the table")}</p>')
    page = PageSource(f"{value}: incidents").html(f"<h1>{heading}{esc(value)}</h1>").html(intro)
    groups = _groups(facet, incidents)
    if len(groups) == 1:
        return page.html(incident_list(ctx, incidents, page_url))
    for label, members in groups:
        anchor = "ikb-" + re.sub(r"[^a-z0-9-]", "", label.lower())
        title = f"{label} ({len(members)})"
        page.section(esc(title), anchor, incident_list(ctx, members, page_url))
    return page


def _groups(facet: str, incidents: list[Incident]) -> list[tuple[str, list[Incident]]]:
    """Long lists in sections: a year's incidents by month, others by year when many."""
    if facet != "year" and len(incidents) <= GROUP_ABOVE:
        return [("", incidents)]
    fmt = "%Y-%m" if facet == "year" else "%Y"
    groups: dict[str, list[Incident]] = {}
    for inc in incidents:  # newest first, so groups are too
        d = inc.data.detected_at
        key = d.astimezone(dt.timezone.utc).strftime(fmt) if d else "undated"
        groups.setdefault(key, []).append(inc)
    return list(groups.items())


def table_query(facet: str, value: str) -> str:
    """The incidents table's query string that selects one facet value."""
    if facet == "year":
        if not value.isdigit():
            return ""
        return "?" + urlencode({"from": f"{value}-01-01", "to": f"{value}-12-31"})
    return "?" + urlencode({facet: value})


def _severity_counts(incidents: list[Incident]) -> str:
    counts = {s: 0 for s in SEVERITIES}
    for inc in incidents:
        if inc.data.severity in counts:
            counts[inc.data.severity] += 1
    return esc(", ".join(f"{n} {s}" for s, n in counts.items() if n))


# --- knowledge base -------------------------------------------------------------


def kb_index_page(ctx: SiteContext) -> PageSource:
    """Articles grouped by kind, each with how many incidents cite it."""
    page_url = ctx.url(layout.KB_INDEX)
    by_kind: dict[str, list[Any]] = {}
    for article in ctx.repo.articles:
        by_kind.setdefault(article.data.kind or "other", []).append(article)
    page = PageSource("Knowledge base").html("<h1>Knowledge base</h1>")
    if not by_kind:
        page.html('<p class="ikb-muted">No articles yet.</p>')
    for kind in sorted(by_kind):
        title = kind.replace("-", " ").capitalize() + "s"
        anchor = "ikb-" + kind
        items = []
        for article in sorted(by_kind[kind], key=lambda a: a.title.lower()):
            url = layout.relative(ctx.article_url[article.path], page_url)
            cited = len(ctx.backlinks.get(article.path, []))
            services = chip(", ".join(article.data.services), None, "ikb-chip") if (
                article.data.services) else ""
            items.append(f'<li>{link(url, article.title)} {services} <span class="ikb-count" '
                         f'title="incidents citing it">{cited}</span></li>')
        page.section(esc(title), anchor, '<ul class="ikb-links">' + "".join(items) + "</ul>")
    return page

