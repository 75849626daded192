"""Home page, incidents table, incidents.json, facet indexes and the kb index."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from kbfactory import article, incident, make_kb

from generator.repository import load_repository
from generator.site import layout
from generator.site.context import SiteContext, build_context
from generator.site.indexes import (
    facet_index_page,
    facet_value_page,
    home_page,
    incidents_json,
    kb_index_page,
    overdue_items,
    table_page,
)


def _md(page: object) -> str:
    """A generated page as markdown with its HTML parts inline."""
    return str(page)


TODAY = dt.date(2026, 12, 4)


def _ctx(tmp_path: Path) -> SiteContext:
    root = make_kb(
        tmp_path / "kb",
        incidents=[
            incident(),
            incident(id="INC-2026-0002", severity="SEV1", status="investigating",
                     services=["Payments API", "checkout"], tags=["<b>x</b>"],
                     detected_at="2026-11-20T10:00:00Z", started_at=None,
                     acknowledged_at=None, mitigated_at=None, resolved_at=None,
                     root_cause=None, resolution=None, action_items=[]),
            incident(id="INC-2025-0007", detected_at="2025-03-01T10:00:00Z",
                     started_at="2025-03-01T09:00:00Z", acknowledged_at="2025-03-01T10:05:00Z",
                     mitigated_at="2025-03-01T11:00:00Z", resolved_at="2025-03-01T12:00:00Z",
                     communications=[], resolution={"summary": "Fixed", "steps": []},
                     action_items=[{"title": "Old", "owner": "x", "due": "2025-04-01",
                                    "status": "open"}]),
        ],
        articles={"kb/runbooks/a.md": article(incidents=["INC-2026-0001"])},
    )
    return build_context(load_repository(root), TODAY)


def test_incidents_are_listed_newest_first(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert [i.id for i in ctx.incidents] == ["INC-2026-0002", "INC-2026-0001", "INC-2025-0007"]


def test_home_page_links_incidents_with_the_incident_link_class(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    page = _md(home_page(ctx, "Acme <KB>"))
    assert '<a href="incidents/INC-2026-0002/" class="ikb-incident-link">' in page
    assert "Acme &lt;KB&gt;" in page and "Acme <KB>" not in page
    open_section = page.split("Open incidents")[1].split("Latest incidents")[0]
    assert "INC-2026-0002" in open_section and "INC-2026-0001" not in open_section


def test_overdue_action_items_are_the_open_ones_past_due(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert [(inc.id, item.title) for inc, item in overdue_items(ctx)] == [("INC-2025-0007", "Old")]
    assert "days late" in _md(home_page(ctx, "KB"))


def test_table_page_has_the_dom_the_browser_test_relies_on(tmp_path: Path) -> None:
    page = _md(table_page(_ctx(tmp_path)))
    assert '<table id="ikb-incidents"' in page
    for control in ("severity", "status", "service", "type", "tag"):
        assert f'<select id="ikb-filter-{control}"' in page
    assert '<input type="date" id="ikb-filter-from"' in page
    assert '<input type="date" id="ikb-filter-to"' in page
    assert page.count('<th data-sort="') == 7
    assert 'data-src="incidents.json"' in page
    severities = re.findall(r'<option value="(SEV\d)">', page)
    assert severities == ["SEV1", "SEV2"]
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_incidents_json_holds_the_fields_the_table_filters_on(tmp_path: Path) -> None:
    data = json.loads(incidents_json(_ctx(tmp_path)))["incidents"]
    first = data[0]
    assert first["id"] == "INC-2026-0002"
    assert first["url"] == "INC-2026-0002/"
    assert first["severity"] == "SEV1" and first["status"] == "investigating"
    assert first["services"] == ["Payments API", "checkout"]
    assert first["detected"] == "2026-11-20T10:00Z"
    assert set(first) >= {"title", "type", "tags"}


def test_facet_pages_use_distinct_url_safe_slugs(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert ctx.facet_slugs["service"]["Payments API"] == "payments-api"
    assert ctx.facet_slugs["service"]["payments-api"] == "payments-api-2"
    slugs = list(ctx.facet_slugs["service"].values())
    assert len(slugs) == len(set(slugs))
    assert all(re.fullmatch(r"[a-z0-9._-]+", s) for s in slugs)
    assert ctx.facet_slugs["tag"]["<b>x</b>"] == "b-x-b"


def test_facet_index_lists_values_with_counts_and_links(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    page = _md(facet_index_page(ctx, "year", "By year"))
    assert page.index(">2026<") < page.index(">2025<")
    assert 'href="2026/"' in page
    assert '<span class="ikb-count">2</span>' in page


def test_facet_value_page_lists_its_incidents(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    page = _md(facet_value_page(ctx, "severity", "SEV1"))
    assert "INC-2026-0002" in page and "INC-2026-0001" not in page
    assert 'href="../../../incidents/INC-2026-0002/"' in page


def test_kb_index_groups_articles_by_kind_with_citation_counts(tmp_path: Path) -> None:
    page = _md(kb_index_page(_ctx(tmp_path)))
    assert "## Runbooks" in page
    assert 'href="runbooks/a/"' in page
    assert 'title="incidents citing it">1<' in page


def test_urls_follow_use_directory_urls_false(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    flat = build_context(ctx.repo, TODAY, use_directory_urls=False)
    assert flat.incident_url["INC-2026-0001"] == "incidents/INC-2026-0001.html"
    assert flat.url(layout.facet_value_uri("year", "2026")) == "browse/year/2026.html"
    assert json.loads(incidents_json(flat))["incidents"][0]["url"] == "INC-2026-0002.html"


def test_facet_value_page_links_to_the_table_filtered_the_same_way(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    page = _md(facet_value_page(ctx, "service", "Payments API"))
    assert 'href="../../../incidents/?service=Payments+API"' in page
    year = _md(facet_value_page(ctx, "year", "2025"))
    assert "incidents/?from=2025-01-01&amp;to=2025-12-31" in year


def test_an_empty_knowledge_base_still_has_every_index_page(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    ctx = build_context(load_repository(root), TODAY)
    assert "None." in _md(home_page(ctx, "KB"))
    assert json.loads(incidents_json(ctx)) == {"incidents": []}
    assert '<table id="ikb-incidents"' in _md(table_page(ctx))
    assert "No incidents yet." in _md(facet_index_page(ctx, "tag", "By tag"))
    assert "No articles yet." in _md(kb_index_page(ctx))


def _dated(i: int, year: int, month: int) -> dict[str, object]:
    day = f"{year}-{month:02d}-01T"
    return incident(id=f"INC-{year}-{i:04d}", detected_at=day + "10:00:00Z", started_at=None,
                    acknowledged_at=None, mitigated_at=day + "11:00:00Z",
                    resolved_at=day + "12:00:00Z", communications=[],
                    resolution={"summary": "Fixed", "steps": []}, action_items=[])


def test_long_facet_pages_are_split_by_year_and_year_pages_by_month(tmp_path: Path) -> None:
    many = [_dated(i, 2020 + i % 3, 1 + i % 2) for i in range(35)]
    ctx = build_context(load_repository(make_kb(tmp_path / "kb", incidents=many)), TODAY)
    page = _md(facet_value_page(ctx, "service", "postgres"))
    assert [line for line in page.splitlines() if line.startswith("## ")] == [
        "## 2022 (11) { #ikb-2022 }", "## 2021 (12) { #ikb-2021 }", "## 2020 (12) { #ikb-2020 }"]
    year = _md(facet_value_page(ctx, "year", "2020"))
    assert [line for line in year.splitlines() if line.startswith("## ")] == [
        "## 2020-02 (6) { #ikb-2020-02 }", "## 2020-01 (6) { #ikb-2020-01 }"]


def test_a_short_facet_page_is_one_list(tmp_path: Path) -> None:
    page = _md(facet_value_page(_ctx(tmp_path), "year", "2026"))
    assert "\n## " not in page and page.count("ikb-incident-list") == 1


def test_open_now_tile_opens_the_table_filtered_on_open_incidents(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert 'href="incidents/?status=open"' in _md(home_page(ctx, "KB"))
    assert '<option value="open">Open (not resolved yet)</option>' in _md(table_page(ctx))



def test_home_page_lists_at_most_25_open_incidents_and_links_the_rest(tmp_path: Path) -> None:
    metas = [incident(id=f"INC-2026-{i:04d}", status="investigating", mitigated_at=None,
                      resolved_at=None, root_cause=None, resolution=None)
             for i in range(1, 31)]
    root = make_kb(tmp_path, metas)
    text = _md(home_page(build_context(load_repository(root), TODAY), "KB"))
    open_section = text.split("Latest incidents")[0]
    assert open_section.count("ikb-incident-link") == 25
    assert "and 5 more" in open_section and "?status=open" in open_section
