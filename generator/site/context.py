"""What every page of one build needs, computed once per build.

Building a page must cost O(size of that page): URLs, facet memberships,
backlinks, similar incidents and git facts are all computed here in one pass
over the repository and looked up by the page renderers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..documents import Article, Incident, Postmortem, normalise_kb_path
from ..repository import Repository
from . import layout

if TYPE_CHECKING:  # the analysis modules are imported lazily, at build time
    from ..history import DocHistory
    from ..similarity import Neighbour


@dataclass
class SiteContext:
    """URLs and cross-references of every document that gets a page."""

    repo: Repository
    today: dt.date
    use_directory_urls: bool = True
    incidents: list[Incident] = field(default_factory=list)  # newest first, unique ids
    incident_url: dict[str, str] = field(default_factory=dict)  # id -> url
    postmortems: list[Postmortem] = field(default_factory=list)
    postmortem_url: dict[str, str] = field(default_factory=dict)  # path -> url
    postmortem_by_incident: dict[str, Postmortem] = field(default_factory=dict)
    article_url: dict[str, str] = field(default_factory=dict)  # path -> url
    facet_slugs: dict[str, dict[str, str]] = field(default_factory=dict)
    members: dict[str, dict[str, list[Incident]]] = field(default_factory=dict)
    backlinks: dict[str, list[Incident]] = field(default_factory=dict)
    related_back: dict[str, list[str]] = field(default_factory=dict)  # id -> ids listing it
    similar: dict[str, list[Neighbour]] = field(default_factory=dict)
    history: dict[str, DocHistory] = field(default_factory=dict)
    trends_url: str | None = None
    skipped: list[str] = field(default_factory=list)  # paths that get no page

    def url(self, src_uri: str) -> str:
        """URL of a generated page by its source URI."""
        dest = layout.dest_of_uri(src_uri, self.use_directory_urls)
        return layout.url_of_dest(dest, self.use_directory_urls)

    def facet_url(self, facet: str, value: str) -> str | None:
        slug = self.facet_slugs.get(facet, {}).get(value)
        if slug is None:
            return None
        return self.url(layout.facet_value_uri(facet, slug))


def detected_sort_key(inc: Incident) -> tuple[str, str]:
    """Newest first when sorted in reverse: detection time, then id."""
    detected = inc.data.detected_at
    stamp = detected.astimezone(dt.timezone.utc).isoformat() if detected else ""
    return (stamp, inc.id or "")


def facet_values(inc: Incident) -> dict[str, list[str]]:
    """The values an incident is listed under, per facet."""
    d = inc.data
    year = str(d.detected_at.astimezone(dt.timezone.utc).year) if d.detected_at else "unknown"
    return {
        "year": [year],
        "severity": [d.severity] if d.severity else [],
        "service": list(dict.fromkeys(d.services or [])),
        "type": [d.type] if d.type else [],
        "tag": list(dict.fromkeys(d.tags)),
    }


def compute_backlinks(repo: Repository, incidents: Iterable[Incident]) -> dict[str, list[Incident]]:
    """Article path -> citing incidents, in one pass.

    An incident cites an article when its `kb` lists the article, or when the
    article's `incidents` lists it; one pass, not a scan of all incidents per article.
    """
    by_id = {i.id: i for i in incidents if i.id}
    found: dict[str, dict[str, Incident]] = defaultdict(dict)
    for inc in by_id.values():
        for raw in inc.data.kb:
            path = normalise_kb_path(raw)
            if path in repo.article_by_path:
                found[path][inc.id or ""] = inc
    for article in repo.articles:
        for incident_id in article.data.incidents:
            cited = by_id.get(incident_id)
            if cited is not None:
                found[article.path][incident_id] = cited
    return {path: [byid[k] for k in sorted(byid)] for path, byid in found.items()}


def compute_related_back(incidents: Iterable[Incident]) -> dict[str, list[str]]:
    """Id -> the incidents that list it in `related`: relations show on both pages."""
    back: dict[str, list[str]] = defaultdict(list)
    for inc in incidents:
        for other in dict.fromkeys(inc.data.related):
            if inc.id and other != inc.id:
                back[other].append(inc.id)
    return {k: sorted(v) for k, v in back.items()}


def _unique_incidents(repo: Repository, skipped: list[str]) -> list[Incident]:
    """Incidents that can have a page: an id, and the first file holding it."""
    seen: set[str] = set()
    out: list[Incident] = []
    for inc in repo.incidents:
        if not inc.id or inc.id in seen:
            skipped.append(inc.path)
            continue
        seen.add(inc.id)
        out.append(inc)
    return sorted(out, key=detected_sort_key, reverse=True)


def build_context(
    repo: Repository,
    today: dt.date,
    *,
    use_directory_urls: bool = True,
    similar: Callable[[Repository], dict[str, Any]] | None = None,
    history: Callable[[Repository], dict[str, Any]] | None = None,
) -> SiteContext:
    """Everything pages look up, for one build. `similar`/`history` supply the analyses."""
    ctx = SiteContext(repo=repo, today=today, use_directory_urls=use_directory_urls)
    ctx.incidents = _unique_incidents(repo, ctx.skipped)
    for inc in ctx.incidents:
        dest = layout.incident_dest(inc.id or "", use_directory_urls)
        ctx.incident_url[inc.id or ""] = layout.url_of_dest(dest, use_directory_urls)
    _place_postmortems(ctx)
    for article in repo.articles:
        ctx.article_url[article.path] = ctx.url(article.path)
    _index_facets(ctx)
    ctx.backlinks = compute_backlinks(repo, ctx.incidents)
    ctx.related_back = compute_related_back(ctx.incidents)
    ctx.similar = similar(repo) if similar is not None else {}
    ctx.history = history(repo) if history is not None else {}
    return ctx


def _place_postmortems(ctx: SiteContext) -> None:
    """One postmortem page per incident (the published one first); others stand alone."""
    for inc in ctx.incidents:
        pm = ctx.repo.postmortem_of(inc.id or "")
        if pm is not None:
            ctx.postmortem_by_incident[inc.id or ""] = pm
    chosen = {pm.path for pm in ctx.postmortem_by_incident.values()}
    for pm in ctx.repo.postmortems:
        ctx.postmortems.append(pm)
        if pm.path in chosen:
            dest = layout.postmortem_dest(pm.incident_id or "", ctx.use_directory_urls)
        else:
            dest = layout.dest_for(
                f"postmortems/{layout.slugify(pm.stem)}", ctx.use_directory_urls
            )
        ctx.postmortem_url[pm.path] = layout.url_of_dest(dest, ctx.use_directory_urls)


def postmortem_dest_of(ctx: SiteContext, pm: Postmortem) -> str:
    """The destination matching `ctx.postmortem_url` (for the mkdocs File)."""
    url = ctx.postmortem_url[pm.path]
    if ctx.use_directory_urls:
        return url + "index.html"
    return url


def _index_facets(ctx: SiteContext) -> None:
    members: dict[str, dict[str, list[Incident]]] = {f: defaultdict(list) for f, _ in layout.FACETS}
    for inc in ctx.incidents:  # newest first, so every list is too
        for facet, values in facet_values(inc).items():
            for value in values:
                members[facet][value].append(inc)
    ctx.members = {f: dict(v) for f, v in members.items()}
    ctx.facet_slugs = {f: layout.assign_slugs(v) for f, v in ctx.members.items()}


def article_of(ctx: SiteContext, path: str) -> Article | None:
    return ctx.repo.article_by_path.get(normalise_kb_path(path))
