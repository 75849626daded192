"""The sources of incident, postmortem and article pages.

Structured fields become HTML parts built from escaped values (`markup.esc`);
the contributor's markdown body is a markdown part, rendered by mkdocs and
sanitised in the plugin's `on_page_content` before the HTML parts are put
back. Section headings are markdown, so they appear in the table of contents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..documents import Article, Incident, Postmortem, normalise_kb_path
from . import layout
from .context import SiteContext
from .markup import (
    chip,
    chips,
    css_token,
    esc,
    format_duration,
    inline,
    link,
    paragraphs,
    plural,
    severity_badge,
    status_badge,
    time_tag,
)
from .source import PageSource
from .theme import OPEN_STATUSES
from .timeline import incident_events

# Action items in these states still need work.
OPEN_ACTION_STATES = ("open", "in-progress")
ARTICLE_REVIEW_DAYS = 365


def _block(*lines: str) -> str:
    """HTML lines joined into one block (empty lines dropped)."""
    return "\n".join(line for line in lines if line)


def _fact(label: str, value_html: str | None) -> str:
    # the spaces keep label and value separate words for the search index
    if not value_html:
        return ""
    return f"<div><dt>{esc(label)}</dt> <dd>{value_html}</dd></div> "


def _href(ctx: SiteContext, target_url: str, page_url: str) -> str:
    return layout.relative(target_url, page_url)


def _incident_link(ctx: SiteContext, incident_id: str, page_url: str, title: str | None = None,
                   css_class: str = "ikb-incident-link") -> str:
    """`ID: title` linked to the incident's page, or plain text when it has none."""
    target = ctx.repo.incident_by_id.get(incident_id)
    text = f"{incident_id}: {title or (target.title if target else '')}".rstrip(": ")
    url = ctx.incident_url.get(incident_id)
    if url is None:
        return f'<span class="ikb-missing">{esc(text)}</span>'
    return link(_href(ctx, url, page_url), text, css_class)


def _facet_chips(ctx: SiteContext, facet: str, values: Iterable[str], page_url: str,
                 search_filter: bool = False) -> str:
    """Chips linking to the facet's pages; on an incident's card also search filters."""
    items = []
    for value in values:
        url = ctx.facet_url(facet, value)
        items.append((value, _href(ctx, url, page_url) if url else None))
    return chips(items, f"ikb-chip ikb-chip-{facet}", facet if search_filter else None)


# --- incident -------------------------------------------------------------------


def durations(inc: Incident) -> list[tuple[str, str, str | None]]:
    """(label, explanation, human duration) for detect / acknowledge / mitigate / resolve."""
    d = inc.data

    def between(a: dt.datetime | None, b: dt.datetime | None) -> str | None:
        return format_duration(b - a) if a is not None and b is not None else None

    return [
        ("Time to detect", "impact start to detection", between(d.started_at, d.detected_at)),
        ("Time to acknowledge", "detection to acknowledgement",
         between(d.detected_at, d.acknowledged_at)),
        ("Time to mitigate", "detection to mitigation", between(d.detected_at, d.mitigated_at)),
        ("Time to resolve", "detection to resolution", between(d.detected_at, d.resolved_at)),
    ]


def _durations_html(inc: Incident) -> str:
    items = []
    for label, explanation, value in durations(inc):
        shown = esc(value) if value else '<span class="ikb-muted">–</span>'
        items.append(
            f'<li title="{esc(explanation)}"><span class="ikb-durations__label">{esc(label)}'
            f'</span> <span class="ikb-durations__value">{shown}</span></li> '
        )
    return '<ul class="ikb-durations">' + "".join(items) + "</ul>"


def record_facts(ctx: SiteContext, doc: Incident | Postmortem | Article) -> str | None:
    """"recorded N days after detection · last updated <date> by <author>", from git.

    None outside a git repository (no facts at all), so pages do not all claim
    to be uncommitted.
    """
    if not ctx.history:
        return None
    facts = ctx.history.get(doc.path)
    if facts is None or not facts.commits:
        return "not committed yet"
    parts = []
    detected = getattr(getattr(doc, "data", None), "detected_at", None)
    if isinstance(doc, Incident) and detected is not None and facts.first_committed_at:
        lag = facts.first_committed_at - detected
        days = lag.days
        if days >= 1:
            parts.append(f"recorded {plural(days, 'day')} after detection")
        elif lag.total_seconds() >= 0:
            parts.append("recorded within a day of detection")
    if facts.last_committed_at is not None:
        when = facts.last_committed_at.astimezone(dt.timezone.utc).date().isoformat()
        who = f" by {facts.last_author}" if facts.last_author else ""
        parts.append(f"last updated {when}{who}")
    if facts.uncommitted_changes:
        parts.append("has uncommitted changes")
    return " · ".join(parts) or None


def _impact_html(inc: Incident) -> str | None:
    impact = inc.data.impact
    if impact is None:
        return None
    return paragraphs(impact.summary)


def _users_html(inc: Incident) -> str | None:
    impact = inc.data.impact
    if impact is None or (impact.users_affected is None and impact.customer_facing is None):
        return None
    parts = []
    if impact.users_affected is not None:
        parts.append(f"{impact.users_affected:,}")
    if impact.customer_facing is not None:
        parts.append("customer-facing" if impact.customer_facing else "internal only")
    return esc(" · ".join(parts))


def _detection_html(inc: Incident) -> str | None:
    d = inc.data
    if d.detected_at is None:
        return None
    how = ""
    if d.detection is not None:
        source = f" ({d.detection.source})" if d.detection.source else ""
        how = " " + esc(f"by {d.detection.method}{source}")
    return time_tag(d.detected_at) + how


def incident_card(ctx: SiteContext, inc: Incident, page_url: str) -> str:
    """The header card: what a responder needs to see first."""
    d = inc.data
    state = "open" if d.status in OPEN_STATUSES else "done"
    badges = " ".join(x for x in (
        severity_badge(d.severity, "severity"),
        status_badge(d.status, "status"),
        _facet_chips(ctx, "type", [d.type] if d.type else [], page_url, search_filter=True),
    ) if x)
    people = esc(d.commander) if d.commander else None
    responders = esc(", ".join(d.responders)) if d.responders else None
    facts = "".join([
        _fact("Impact", _impact_html(inc)),
        _fact("Users affected", _users_html(inc)),
        _fact("Services", _facet_chips(ctx, "service", d.services or [], page_url, True)),
        _fact("Tags", _facet_chips(ctx, "tag", d.tags, page_url, True)),
        _fact("Detected", _detection_html(inc)),
        _fact("Commander", people),
        _fact("Responders", responders),
    ])
    record = record_facts(ctx, inc)
    live = ""
    if state == "open":
        lead = f", commander {d.commander}" if d.commander else ""
        live = f'<p class="ikb-live" role="status">Ongoing: {esc(d.status)}{esc(lead)}</p>'
    return _block(
        # the search result's title carries the id, which the heading does not
        f'<div class="ikb-card ikb-card--{state} ikb-card-{css_token(d.severity)}" '
        f'data-pagefind-meta="title:{esc(f"{inc.id}: {inc.title}")}">',
        live,
        f'<p class="ikb-card__id">{esc(inc.id)}</p>',
        f'<h1 class="ikb-card__title">{inline(inc.title)}</h1>',
        f'<p class="ikb-card__badges">{badges}</p>',
        f'<dl class="ikb-facts">{facts}</dl>',
        _durations_html(inc),
        f'<p class="ikb-record">{esc(record)}</p>' if record else "",
        "</div>",
    )


def _offset(moment: dt.datetime, origin: dt.datetime | None) -> str:
    if origin is None:
        return ""
    delta = moment - origin
    sign = "+" if delta.total_seconds() >= 0 else "−"
    human = format_duration(abs(delta))
    return f'<span class="ikb-offset" title="since detection">{sign}{esc(human)}</span>'


def timeline_html(inc: Incident) -> str | None:
    events = incident_events(inc)
    if not events:
        return None
    items = []
    for event in events:
        detail = f' <span class="ikb-timeline__detail">{inline(event.detail)}</span>' if (
            event.detail) else ""
        note = f'<p class="ikb-timeline__note">{inline(event.note)}</p>' if event.note else ""
        items.append(
            f'<li class="ikb-timeline__item ikb-timeline__item--{esc(event.kind)}">'
            f'<p class="ikb-timeline__when">{time_tag(event.at)} '
            f'{_offset(event.at, inc.data.detected_at)}</p>'
            f'<p class="ikb-timeline__what"><strong>{esc(event.label)}</strong>{detail}</p>'
            f"{note}</li>"
        )
    return '<ol class="ikb-timeline">' + "".join(items) + "</ol>"


def _safe_url(url: str | None) -> str | None:
    """An action item's ticket link, only when it is plainly a web address."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


def action_items_html(inc: Incident, today: dt.date) -> str | None:
    items = inc.data.action_items
    if not items:
        return None
    rows = []
    for item in items:
        overdue = item.status in OPEN_ACTION_STATES and item.due is not None and item.due < today
        title = inline(item.title)
        ticket = _safe_url(item.link)
        if ticket:
            title = f'<a href="{esc(ticket)}">{title}</a>'
        due = esc(item.due.isoformat()) if item.due else '<span class="ikb-muted">–</span>'
        if overdue:
            due += ' <span class="ikb-badge ikb-overdue">overdue</span>'
        state = (f'<span class="ikb-badge ikb-action ikb-action-{esc(item.status)}">'
                 f"{esc(item.status)}</span>")
        rows.append(
            f'<tr class="{"ikb-row-overdue" if overdue else ""}"><td>{title}</td>'
            f"<td>{esc(item.owner)}</td><td>{due}</td><td>{state}</td></tr>"
        )
    return (
        '<div class="ikb-table-wrap"><table class="ikb-actions"><thead><tr><th>Action item</th>'
        "<th>Owner</th><th>Due</th><th>State</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></div>"
    )


def _postmortem_html(ctx: SiteContext, inc: Incident, page_url: str) -> str | None:
    pm = ctx.postmortem_by_incident.get(inc.id or "")
    if pm is None:
        return None
    url = _href(ctx, ctx.postmortem_url[pm.path], page_url)
    authors = f" by {esc(', '.join(pm.data.authors))}" if pm.data.authors else ""
    review = (f", reviewed {esc(pm.data.review_date.isoformat())}"
              if pm.data.review_date else "")
    return (f'<p class="ikb-postmortem-link">{link(url, pm.title)} '
            f"{status_badge(pm.data.status)}{authors}{review}</p>")


def _related_html(ctx: SiteContext, inc: Incident, page_url: str) -> str | None:
    """The incidents this one lists in `related`, then those that list it."""
    ids = dict.fromkeys([*inc.data.related, *ctx.related_back.get(inc.id or "", [])])
    if not ids:
        return None
    items = []
    for other_id in ids:
        other = ctx.repo.incident_by_id.get(other_id)
        sev = severity_badge(other.data.severity) + " " if other else ""
        items.append(f"<li>{sev}{_incident_link(ctx, other_id, page_url)}</li>")
    return '<ul class="ikb-links">' + "".join(items) + "</ul>"


def _kb_html(ctx: SiteContext, inc: Incident, page_url: str) -> str | None:
    if not inc.data.kb:
        return None
    items = []
    for raw in dict.fromkeys(inc.data.kb):
        path = normalise_kb_path(raw)
        article = ctx.repo.article_by_path.get(path)
        url = ctx.article_url.get(path)
        if article is None or url is None:
            items.append(f'<li><span class="ikb-missing">{esc(raw)}</span></li>')
            continue
        kind = chip(article.data.kind or "article", None, "ikb-chip ikb-chip-kind")
        items.append(f"<li>{kind} {link(_href(ctx, url, page_url), article.title)}</li>")
    return '<ul class="ikb-links">' + "".join(items) + "</ul>"


def similar_html(ctx: SiteContext, inc: Incident, page_url: str) -> str:
    neighbours = ctx.similar.get(inc.id or "", [])
    if not neighbours:
        return '<p class="ikb-muted">No similar incidents found.</p>'
    items = []
    for n in neighbours:
        other = ctx.repo.incident_by_id.get(n.id)
        sev = severity_badge(other.data.severity) + " " if other else ""
        score = f'<span class="ikb-score" title="similarity">{round(n.score * 100)}%</span>'
        reasons = "; ".join(n.reasons)
        why = f'<span class="ikb-reasons">{inline(reasons)}</span>' if reasons else ""
        items.append(
            f"<li>{score} {sev}{_incident_link(ctx, n.id, page_url, n.title)} {why}</li>"
        )
    return '<ul class="ikb-similar">' + "".join(items) + "</ul>"


def incident_page(ctx: SiteContext, inc: Incident, page_url: str) -> PageSource:
    """One incident's page: card, timeline, analysis, follow-up, links, body."""
    d = inc.data
    page = PageSource(f"{inc.id}: {inc.title}")
    page.html(incident_card(ctx, inc, page_url))
    page.section("Timeline", "ikb-timeline", timeline_html(inc))
    if d.root_cause is not None:
        category = chip(d.root_cause.category, None, "ikb-chip ikb-chip-cause")
        summary = paragraphs(d.root_cause.summary)
        page.section("Root cause", "ikb-root-cause",
                     f'<div class="ikb-text"><p>{category}</p>{summary}</div>')
    if d.resolution is not None:
        page.section("Resolution", "ikb-resolution",
                     f'<div class="ikb-text">{paragraphs(d.resolution.summary)}</div>')
    if d.verification is not None:
        when = f"<p>Verified {time_tag(d.verified_at)}</p>" if d.verified_at else ""
        page.section("Verification", "ikb-verification",
                     f'<div class="ikb-text">{paragraphs(d.verification.method)}{when}</div>')
    page.section("Action items", "ikb-action-items", action_items_html(inc, ctx.today))
    page.section("Postmortem", "ikb-postmortem", _postmortem_html(ctx, inc, page_url))
    page.section("Related incidents", "ikb-related", _related_html(ctx, inc, page_url))
    page.section("Knowledge base", "ikb-kb", _kb_html(ctx, inc, page_url))
    page.section("Similar incidents", "ikb-similar", similar_html(ctx, inc, page_url))
    if inc.body.strip():
        page.md("## Notes { #ikb-notes }")
        page.md(inc.body)
    return page


# --- postmortem -----------------------------------------------------------------


def postmortem_page(ctx: SiteContext, pm: Postmortem, page_url: str) -> PageSource:
    """A postmortem: card linking back to its incident, then the contributor's body."""
    d = pm.data
    incident_id = d.incident or ""
    inc = ctx.repo.incident_by_id.get(incident_id)
    about = _incident_link(ctx, incident_id, page_url) if incident_id else ""
    sev = severity_badge(inc.data.severity) + " " if inc is not None else ""
    facts = "".join([
        _fact("Incident", sev + about if about else None),
        _fact("Authors", esc(", ".join(d.authors)) if d.authors else None),
        _fact("Reviewers", esc(", ".join(d.reviewers)) if d.reviewers else None),
        _fact("Review date", esc(d.review_date.isoformat()) if d.review_date else None),
    ])
    record = record_facts(ctx, pm)
    card = _block(
        '<div class="ikb-card ikb-card--postmortem">',
        f'<p class="ikb-card__id">Postmortem{" of " + esc(incident_id) if incident_id else ""}</p>',
        f'<h1 class="ikb-card__title">{inline(pm.title)}</h1>',
        f'<p class="ikb-card__badges">{status_badge(d.status)}</p>',
        f'<dl class="ikb-facts">{facts}</dl>',
        f'<p class="ikb-record">{esc(record)}</p>' if record else "",
        "</div>",
    )
    return PageSource(pm.title).html(card).md(pm.body)


# --- knowledge-base article -------------------------------------------------------


def _review_html(article: Article, today: dt.date) -> str | None:
    reviewed = article.data.last_reviewed
    if reviewed is None:
        return None
    html = esc(reviewed.isoformat())
    if (today - reviewed).days > ARTICLE_REVIEW_DAYS:
        html += ' <span class="ikb-badge ikb-overdue">review due</span>'
    return html


def article_page(ctx: SiteContext, article: Article, page_url: str) -> PageSource:
    """A kb article: card, the contributor's body, the incidents that cite it."""
    d = article.data
    facts = "".join([
        _fact("Services", _facet_chips(ctx, "service", d.services, page_url)),
        _fact("Tags", chips((t, None) for t in d.tags)),
        _fact("Owners", esc(", ".join(d.owners)) if d.owners else None),
        _fact("Last reviewed", _review_html(article, ctx.today)),
    ])
    card = _block(
        '<div class="ikb-card ikb-card--article">',
        f'<p class="ikb-card__id">{esc((d.kind or "article").replace("-", " "))}</p>',
        f'<h1 class="ikb-card__title">{inline(article.title)}</h1>',
        f'<dl class="ikb-facts">{facts}</dl>',
        "</div>",
    )
    page = PageSource(article.title).html(card).md(article.body)
    citing = ctx.backlinks.get(article.path, [])
    if citing:
        items = "".join(
            f"<li>{severity_badge(i.data.severity)} "
            f"{_incident_link(ctx, i.id or '', page_url)}</li>"
            for i in citing
        )
        html = '<ul class="ikb-links">' + items + "</ul>"
    else:
        html = '<p class="ikb-muted">No incident cites this article yet.</p>'
    return page.section("Referenced by", "ikb-referenced-by", html)
