"""Incident, postmortem and article pages: content, links both ways, escaping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import markdown
import pytest
from kbfactory import article, incident, make_kb, postmortem

from generator.repository import load_repository
from generator.site.context import SiteContext, build_context, compute_backlinks
from generator.site.markup import sanitise
from generator.site.pages import article_page, incident_page, postmortem_page
from generator.site.timeline import incident_events


def _md(page: object) -> str:
    """A generated page as markdown with its HTML parts inline."""
    return str(page)


TODAY = dt.date(2026, 12, 4)
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@dataclass(frozen=True)
class FakeNeighbour:
    id: str
    title: str
    path: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class FakeHistory:
    first_committed_at: dt.datetime | None
    first_author: str | None
    last_committed_at: dt.datetime | None
    last_author: str | None
    commits: int
    uncommitted_changes: bool


def _context(root: Path, **kwargs: object) -> SiteContext:
    return build_context(load_repository(root), TODAY, **kwargs)  # type: ignore[arg-type]


def _render(source: str) -> str:
    """What mkdocs would make of a page body, sanitised like the plugin does."""
    body = source.split("---\n", 2)[2]
    html = markdown.markdown(body, extensions=["attr_list", "toc", "tables", "md_in_html"])
    return sanitise(html)


@pytest.fixture
def two_incidents(tmp_path: Path) -> SiteContext:
    first = incident(kb=["kb/runbooks/pool.md"])
    second = incident(id="INC-2026-0002", severity="SEV1", related=["INC-2026-0001"],
                      title="Checkout down", detected_at="2026-11-20T10:00:00Z",
                      started_at="2026-11-20T09:50:00Z", acknowledged_at="2026-11-20T10:01:00Z",
                      mitigated_at="2026-11-20T11:13:00Z", resolved_at="2026-11-22T14:30:00Z",
                      communications=[], resolution={"summary": "Fixed", "steps": []})
    root = make_kb(tmp_path / "kb", incidents=[first, second], postmortems=[postmortem()],
                   articles={"kb/runbooks/pool.md": article()})
    return _context(root)


def test_incident_page_shows_durations_in_human_units(two_incidents: SiteContext) -> None:
    inc = two_incidents.repo.incident_by_id["INC-2026-0002"]
    page = _md(incident_page(two_incidents, inc, "incidents/INC-2026-0002/"))
    assert ">10 min<" in page  # detect
    assert ">1 min<" in page  # acknowledge
    assert ">1 h 13 min<" in page  # mitigate
    assert ">2 d 4 h<" in page  # resolve


def test_timeline_merges_lifecycle_steps_and_communications_in_time_order(
    two_incidents: SiteContext,
) -> None:
    inc = two_incidents.repo.incident_by_id["INC-2026-0001"]
    events = incident_events(inc)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [e.label for e in events][:3] == ["Impact started", "Detected", "Acknowledged"]
    kinds = {e.kind for e in events}
    assert kinds == {"lifecycle", "step", "communication"}
    step = next(e for e in events if e.kind == "step")
    assert step.note == "The rollback was the fastest safe way to restore capacity"


def test_incident_and_postmortem_link_to_each_other(two_incidents: SiteContext) -> None:
    ctx = two_incidents
    inc = ctx.repo.incident_by_id["INC-2026-0001"]
    pm = ctx.postmortem_by_incident["INC-2026-0001"]
    assert ctx.postmortem_url[pm.path] == "incidents/INC-2026-0001/postmortem/"
    inc_page = _md(incident_page(ctx, inc, "incidents/INC-2026-0001/"))
    assert 'href="postmortem/"' in inc_page
    pm_page = _md(postmortem_page(ctx, pm, "incidents/INC-2026-0001/postmortem/"))
    assert 'href="../"' in pm_page and "INC-2026-0001: Payments API" in pm_page


def test_related_incidents_and_kb_articles_are_linked(two_incidents: SiteContext) -> None:
    ctx = two_incidents
    by_id = ctx.repo.incident_by_id
    page = _md(incident_page(ctx, by_id["INC-2026-0002"], "incidents/INC-2026-0002/"))
    assert 'href="../INC-2026-0001/" class="ikb-incident-link"' in page
    first = _md(incident_page(ctx, by_id["INC-2026-0001"], "incidents/INC-2026-0001/"))
    assert 'href="../../kb/runbooks/pool/"' in first
    assert 'href="../INC-2026-0002/" class="ikb-incident-link"' in first  # listed it as related


def test_article_lists_the_incidents_that_cite_it(two_incidents: SiteContext) -> None:
    ctx = two_incidents
    art = ctx.repo.article_by_path["kb/runbooks/pool.md"]
    page = _md(article_page(ctx, art, "kb/runbooks/pool/"))
    assert "Referenced by" in page
    assert 'href="../../../incidents/INC-2026-0001/"' in page
    assert "INC-2026-0002" not in page


def test_backlinks_come_from_incident_kb_lists_and_article_incident_lists(
    tmp_path: Path,
) -> None:
    root = make_kb(
        tmp_path / "kb",
        incidents=[incident(kb=["./kb/a.md"]), incident(id="INC-2026-0002", kb=[])],
        articles={"kb/a.md": article(), "kb/b.md": article(incidents=["INC-2026-0002"])},
    )
    repo = load_repository(root)
    backlinks = compute_backlinks(repo, repo.incidents)
    ids = {path: [i.id for i in incs] for path, incs in backlinks.items()}
    assert ids == {"kb/a.md": ["INC-2026-0001"], "kb/b.md": ["INC-2026-0002"]}


def test_action_items_past_due_and_not_done_are_marked_overdue(tmp_path: Path) -> None:
    items = [
        {"title": "Late one", "owner": "bob", "due": "2026-11-01", "status": "open"},
        {"title": "Done late", "owner": "bob", "due": "2026-11-01", "status": "done"},
        {"title": "Future", "owner": "eve", "due": "2027-01-10", "status": "in-progress"},
    ]
    ctx = _context(make_kb(tmp_path / "kb", incidents=[incident(action_items=items)]))
    page = _md(incident_page(ctx, ctx.incidents[0], "incidents/INC-2026-0001/"))
    rows = [r for r in page.split("<tr") if "<td>" in r]
    assert ["overdue" in r for r in rows] == [True, False, False]


def test_similar_incidents_show_score_as_percent_and_reasons(two_incidents: SiteContext) -> None:
    ctx = two_incidents
    ctx.similar = {"INC-2026-0002": [FakeNeighbour(
        "INC-2026-0001", "Payments API", "incidents/2026/x.md", 0.873, ("same service", "<b>x"))]}
    inc = ctx.repo.incident_by_id["INC-2026-0002"]
    page = _md(incident_page(ctx, inc, "incidents/INC-2026-0002/"))
    assert ">87%<" in page
    assert "same service; &lt;b&gt;x" in page
    assert 'href="../INC-2026-0001/"' in page


def test_incident_without_neighbours_says_so(two_incidents: SiteContext) -> None:
    page = _md(incident_page(two_incidents, two_incidents.incidents[0], "incidents/INC-2026-0002/"))
    assert "No similar incidents found." in page


def test_git_facts_say_how_late_the_record_was_and_who_changed_it_last(
    two_incidents: SiteContext,
) -> None:
    ctx = two_incidents
    inc = ctx.repo.incident_by_id["INC-2026-0001"]
    ctx.history = {inc.path: FakeHistory(
        dt.datetime(2026, 11, 6, 9, tzinfo=dt.timezone.utc), "alice",
        dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc), "bob", 3, False)}
    page = _md(incident_page(ctx, inc, "incidents/INC-2026-0001/"))
    assert "recorded 2 days after detection" in page
    assert "last updated 2026-11-20 by bob" in page
    other = ctx.repo.incident_by_id["INC-2026-0002"]
    assert "not committed yet" in _md(incident_page(ctx, other, "incidents/INC-2026-0002/"))


def test_no_git_facts_outside_a_repository(two_incidents: SiteContext) -> None:
    page = _md(incident_page(two_incidents, two_incidents.incidents[0], "incidents/INC-2026-0002/"))
    assert "not committed yet" not in page and "ikb-record" not in page


@pytest.mark.parametrize("field", ["title", "services", "tags", "commander", "impact"])
def test_hostile_frontmatter_values_are_escaped(tmp_path: Path, field: str) -> None:
    values = {
        "title": HOSTILE,
        "services": [HOSTILE, "api"],
        "tags": [HOSTILE],
        "commander": HOSTILE,
        "impact": {"summary": HOSTILE},
    }
    ctx = _context(make_kb(tmp_path / "kb", incidents=[incident(**{field: values[field]})]))
    source = _md(incident_page(ctx, ctx.incidents[0], "incidents/INC-2026-0001/"))
    assert "<script" not in source and "<img" not in source
    assert "&lt;script&gt;" in source
    assert "<script" not in _render(source)


def test_page_title_in_front_matter_is_escaped_for_the_theme(tmp_path: Path) -> None:
    ctx = _context(make_kb(tmp_path / "kb", incidents=[incident(title=HOSTILE)]))
    source = _md(incident_page(ctx, ctx.incidents[0], "incidents/INC-2026-0001/"))
    front = source.split("---\n", 2)[1]
    assert "<script" not in front and "&lt;script&gt;" in front


def test_hostile_markdown_body_is_sanitised(tmp_path: Path) -> None:
    body = (
        "\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        "[click](javascript:alert(3))\n\n<a href=\"JaVaScRiPt:alert(4)\">x</a>\n\n"
        "<iframe src=\"https://evil.example\"></iframe>\n\n## Fine heading\n\n| a |\n| - |\n| b |\n"
    )
    root = make_kb(tmp_path / "kb")
    (root / "incidents/2026/INC-2026-0001-incident.md").write_text(
        (root / "incidents/2026/INC-2026-0001-incident.md").read_text().replace(
            "\nSome notes.\n", body))
    ctx = _context(root)
    html = _render(_md(incident_page(ctx, ctx.incidents[0], "incidents/INC-2026-0001/")))
    lowered = html.lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe"):
        assert bad not in lowered
    assert "<table>" in html and 'id="fine-heading"' in html


def test_article_review_older_than_a_year_is_flagged(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb", articles={"kb/old.md": article(last_reviewed="2025-01-01")})
    ctx = _context(root)
    page = _md(article_page(ctx, ctx.repo.article_by_path["kb/old.md"], "kb/old/"))
    assert "review due" in page


def test_incidents_without_an_id_get_no_page_and_are_reported(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb", incidents=[incident(), incident()])  # duplicate id
    (root / "incidents/2026/INC-2026-0001-copy.md").write_text(
        (root / "incidents/2026/INC-2026-0001-incident.md").read_text())
    ctx = _context(root)
    assert [i.id for i in ctx.incidents] == ["INC-2026-0001"]
    assert ctx.skipped == ["incidents/2026/INC-2026-0001-incident.md"]


def test_an_open_incident_says_it_is_ongoing_and_who_leads_it(tmp_path: Path) -> None:
    open_one = incident(status="investigating", mitigated_at=None, resolved_at=None,
                        root_cause=None, resolution=None)
    ctx = _context(make_kb(tmp_path / "kb", incidents=[open_one]))
    page = _md(incident_page(ctx, ctx.incidents[0], "incidents/INC-2026-0001/"))
    assert "Ongoing: investigating, commander alice" in page
    assert "Root cause" not in page
