"""Trend charts (SVG) and the generated trends pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from kbfactory import incident, make_kb

from generator.charts import build_charts
from generator.repository import Repository, load_repository
from generator.site.trends_pages import trends_pages
from generator.trends import build_report

TODAY = dt.date(2026, 12, 4)
SVG_NS = "{http://www.w3.org/2000/svg}"


def _incidents() -> list[dict[str, Any]]:
    rows = [incident(action_items=[{"title": "t", "owner": "o", "due": "2026-11-20",
                                    "status": "open"}])]
    for n in range(2, 8):  # six more in October: one quarter with a box, one with points
        day = f"2026-10-{n:02d}"
        rows.append(incident(
            id=f"INC-2026-{n:04d}", services=["$pay$ <svc>", "ledger"], started_at=None,
            detected_at=f"{day}T10:00:00Z", acknowledged_at=f"{day}T10:05:00Z",
            mitigated_at=f"{day}T1{n - 1}:00:00Z", resolved_at=f"{day}T1{n}:00:00Z",
            communications=[], resolution={"summary": "Fixed"}, severity="SEV3",
            action_items=[{"title": "t", "owner": "o", "status": "done"}],
        ))
    return rows


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repository:
    return load_repository(make_kb(tmp_path_factory.mktemp("charts") / "kb",
                                   incidents=_incidents()))


@pytest.fixture(scope="module")
def report(repo: Repository) -> dict[str, Any]:
    return build_report(repo, today=TODAY)


def test_every_chart_renders_valid_svg_with_its_numbers(report: dict[str, Any]) -> None:
    charts = build_charts(report)
    assert [c.slug for c in charts] == [
        "incidents-per-month", "durations-by-quarter", "medians-by-quarter",
        "incident-minutes-by-service", "action-items"]
    for chart in charts:
        root = ET.fromstring(chart.svg())
        assert root.tag == f"{SVG_NS}svg"
        header, *data = list(csv.reader(io.StringIO(chart.csv)))
        assert data and all(len(r) == len(header) for r in data)
        assert chart.rows and all(len(r) == len(chart.headers) for r in chart.rows)


def test_svg_output_is_deterministic_and_undated(report: dict[str, Any]) -> None:
    first = [c.svg() for c in build_charts(report)]
    second = [c.svg() for c in build_charts(report)]
    assert first == second
    assert all("<dc:date>" not in svg for svg in first)


def test_dollar_signs_and_markup_in_names_stay_literal_text(report: dict[str, Any]) -> None:
    services = next(c for c in build_charts(report) if c.slug == "incident-minutes-by-service")
    svg = services.svg()
    ET.fromstring(svg)  # still well-formed
    assert "$pay$ &lt;svc&gt;" in svg and "<svc>" not in svg


def test_month_chart_numbers_match_the_report(report: dict[str, Any]) -> None:
    chart = build_charts(report)[0]
    assert chart.rows == (("2026-10", "6", "0", "0", "6", "0"),
                          ("2026-11", "1", "0", "1", "0", "0"))


def test_action_item_chart_splits_open_into_overdue(report: dict[str, Any]) -> None:
    chart = next(c for c in build_charts(report) if c.slug == "action-items")
    assert dict(chart.rows) == {"open, not overdue": "0", "overdue": "1", "done": "6",
                                "won't fix": "0"}


def test_an_empty_report_has_no_charts(tmp_path: Path) -> None:
    empty = build_report(load_repository(make_kb(tmp_path / "kb", incidents=[])), today=TODAY)
    assert build_charts(empty) == []


def test_a_single_incident_still_draws(tmp_path: Path) -> None:
    one = build_report(load_repository(make_kb(tmp_path / "kb")), today=TODAY)
    for chart in build_charts(one):
        ET.fromstring(chart.svg())


def test_trends_pages_list_their_svgs_and_link_them_relatively(repo: Repository) -> None:
    pages = {p.src_uri: p.content for p in trends_pages(repo, TODAY)}
    index = pages["trends/index.md"]
    svgs = sorted(uri for uri in pages if uri.endswith(".svg"))
    assert len(svgs) == 5
    for uri in svgs:
        name = uri.removeprefix("trends/")
        assert f"]({name})" in index
        assert f"]({name.replace('.svg', '.csv')})" in index
        assert f"trends/{name.replace('.svg', '.csv')}" in pages
    assert "report.csv" in index and "trends/report.json" in pages
    assert "<svc>" not in index
    assert not re.search(r"\]\((/|https?:)", index)  # nothing absolute, nothing remote
