"""Small HTML building blocks for generated pages, and the sanitiser.

Everything a contributor wrote goes through `esc` (text) or `sanitise`
(rendered markdown) before it reaches a page: pages are assembled from these
helpers only, never from f-strings over raw values.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable

import nh3

from .theme import SEVERITY_COLORS, STATUS_COLORS


def esc(value: object) -> str:
    """HTML-escape any value (quotes included: safe in text and attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def paragraphs(text: str | None) -> str:
    """Escaped text as `<p>` elements, one per blank-line separated paragraph.

    Kept on one line so the result never ends a markdown raw-HTML block early.
    """
    if not text:
        return ""
    parts = [p.strip() for p in re.split(r"\n\s*\n", str(text)) if p.strip()]
    return "".join(f"<p>{esc(' '.join(p.split()))}</p>" for p in parts)


def inline(text: str | None) -> str:
    """Escaped text on one line (newlines folded to spaces)."""
    return esc(" ".join(str(text or "").split()))


def link(
    href: str, text: str, css_class: str | None = None, search_filter: str | None = None
) -> str:
    """An `<a>` whose href is one we computed and whose text is escaped."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f'<a href="{esc(href)}"{cls}{_filter_attr(search_filter)}>{esc(text)}</a>'


def _filter_attr(search_filter: str | None) -> str:
    """Pagefind indexes the element's text as a value of this filter (`severity:SEV1`)."""
    return f' data-pagefind-filter="{esc(search_filter)}"' if search_filter else ""


def css_token(value: str | None) -> str:
    """A value reduced to characters safe in a class name (`SEV1`, `in-progress`)."""
    return re.sub(r"[^A-Za-z0-9_-]", "", value or "") or "unknown"


def severity_badge(severity: str | None, search_filter: str | None = None) -> str:
    """The severity badge; its colour comes from `.ikb-sev-SEVn` in the stylesheet."""
    label = severity if severity in SEVERITY_COLORS else (severity or "no severity")
    return (f'<span class="ikb-badge ikb-sev ikb-sev-{css_token(severity)}"'
            f"{_filter_attr(search_filter)}>{esc(label)}</span>")


def status_badge(status: str | None, search_filter: str | None = None) -> str:
    known = status in STATUS_COLORS
    token = css_token(status) if known else "unknown"
    text = esc(status or "no status")
    return (f'<span class="ikb-badge ikb-status ikb-status-{token}"'
            f"{_filter_attr(search_filter)}>{text}</span>")


def chip(text: str, href: str | None = None, css_class: str = "ikb-chip",
         search_filter: str | None = None) -> str:
    if href:
        return link(href, text, css_class, search_filter)
    return f'<span class="{esc(css_class)}"{_filter_attr(search_filter)}>{esc(text)}</span>'


def chips(items: Iterable[tuple[str, str | None]], css_class: str = "ikb-chip",
          search_filter: str | None = None) -> str:
    return " ".join(chip(text, href, css_class, search_filter) for text, href in items)


def time_tag(moment: dt.datetime, label: str | None = None) -> str:
    """A `<time>` with the ISO value and a readable UTC label."""
    utc = moment.astimezone(dt.timezone.utc)
    text = label if label is not None else format_timestamp(moment)
    return f'<time datetime="{esc(utc.isoformat().replace("+00:00", "Z"))}">{esc(text)}</time>'


def format_timestamp(moment: dt.datetime) -> str:
    """`2026-11-03 14:07 UTC`: one zone for every page, so times compare at a glance."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def format_duration(delta: dt.timedelta | None) -> str | None:
    """Human units: `45 s`, `9 min`, `1 h 13 min`, `2 d 4 h`; None when unknown or negative."""
    if delta is None:
        return None
    seconds = delta.total_seconds()
    if seconds < 0:
        return None
    if seconds < 60:
        return f"{int(seconds)} s" if seconds >= 1 else "0 min"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" if minutes == 0 else f"{hours} h {minutes} min"
    # Beyond a day, minutes are noise: round to the hour.
    total_hours = int(round(seconds / 3600))
    days, hours = divmod(total_hours, 24)
    return f"{days} d" if hours == 0 else f"{days} d {hours} h"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


# --- sanitising rendered markdown -------------------------------------------

# What mkdocs-material's markdown extensions produce: admonitions, details,
# code highlighting, tables, footnotes, task lists, content tabs, emoji (svg),
# headings with ids and permalinks. No scripts, styles, forms, frames or
# event handlers; URLs limited to web, mail and relative ones.
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "label",
    "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "u", "ul", "var", "nav", "article", "aside", "header", "footer",
    "svg", "path", "g", "circle", "rect", "line", "polyline", "polygon",
}
_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "id", "title", "lang", "dir", "role", "aria-label", "aria-hidden"},
    "a": {"href", "name", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height", "loading"},
    "input": {"type", "checked", "disabled", "name"},
    "label": {"for"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
    "div": {"data-tabs"},
    "svg": {"viewBox", "xmlns", "width", "height", "fill"},
    "path": {"d", "fill", "fill-rule", "clip-rule"},
    "g": {"fill"},
    "circle": {"cx", "cy", "r", "fill"},
    "rect": {"x", "y", "width", "height", "rx", "ry", "fill"},
    "line": {"x1", "y1", "x2", "y2"},
    "polyline": {"points"},
    "polygon": {"points"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
_INPUT_TYPES = {"checkbox", "radio"}


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    # Inputs only as task-list checkboxes and content-tab radios.
    if element == "input" and attribute == "type" and value.lower() not in _INPUT_TYPES:
        return "checkbox"
    return value


def sanitise(rendered: str) -> str:
    """Rendered markdown with anything able to run script removed."""
    return nh3.clean(
        rendered,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def plain_text(fragment: str) -> str:
    """A fragment reduced to escaped text (for TOC labels and titles)."""
    return nh3.clean(fragment, tags=set())
