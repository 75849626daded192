"""Report formatters: text, JSON, tidy CSV and markdown."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from kbfactory import incident, make_kb

from generator.report_format import (
    CSV_COLUMNS,
    duration,
    format_csv,
    format_json,
    format_markdown,
    format_text,
    md_escape,
    sample_text,
)
from generator.repository import load_repository
from generator.trends import build_report


@pytest.fixture
def report(tmp_path: Path) -> dict[str, Any]:
    odd = incident(id="INC-2026-0002", services=["<script>alert(1)</script>", "a|b", "=cmd()"],
                   action_items=[{"title": "Fix *it* <b>now</b>", "owner": "x",
                                  "due": "2026-12-01", "status": "open"}])
    root = make_kb(tmp_path / "kb", incidents=[incident(), odd])
    return build_report(load_repository(root), today=dt.date(2026, 12, 4), by="service")


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_sample_text_flags_small_samples() -> None:
    assert sample_text(3) == "n=3, too few"
    assert sample_text(5) == "n=5"


@pytest.mark.parametrize(("minutes", "text"), [
    (None, "-"), (0.5, "30s"), (45, "45m"), (185, "3h 05m"), (3000, "2d 2h"),
])
def test_durations_read_as_people_write_them(minutes: float | None, text: str) -> None:
    assert duration(minutes) == text


def test_json_holds_the_contract_keys(report: dict[str, Any]) -> None:
    data = json.loads(format_json(report))
    assert data["incidents"] == 2
    assert set(data["metrics"]) == {"time_to_detect", "time_to_acknowledge",
                                    "time_to_mitigate", "time_to_resolve"}
    assert set(data["action_items"]) >= {"total", "open", "overdue", "done"}
    assert data["by_period"][0]["period"] == "2026-11"


def test_csv_is_one_tidy_table_the_csv_module_reads(report: dict[str, Any]) -> None:
    rows = csv_rows(format_csv(report))
    assert tuple(rows[0]) == CSV_COLUMNS
    median = [r for r in rows if r["section"] == "metrics" and r["metric"] == "time_to_resolve"
              and r["statistic"] == "median_minutes"]
    assert len(median) == 1
    assert float(median[0]["value"]) == 73 and median[0]["n"] == "2"
    assert median[0]["small_sample"] == "true"
    month = [r for r in rows if r["section"] == "by_period" and r["key"] == "SEV2"]
    assert month == [{**month[0], "period": "2026-11", "value": "2"}]


def test_csv_never_starts_a_cell_with_a_formula(report: dict[str, Any]) -> None:
    rows = csv_rows(format_csv(report))
    keys = {r["key"] for r in rows if r["dimension"] == "service"}
    assert "'=cmd()" in keys and "=cmd()" not in keys


def test_text_says_too_few_beside_small_samples(report: dict[str, Any]) -> None:
    text = format_text(report)
    assert "n=2, too few" in text
    assert "Durations" in text and "Action items" in text
    assert "\x1b[" not in text  # no colour codes when not a terminal


def test_text_shows_contributor_markup_literally(report: dict[str, Any]) -> None:
    assert "<script>alert(1)</script>" in format_text(report, width=200)


def test_markdown_escapes_everything_contributors_wrote(report: dict[str, Any]) -> None:
    md = format_markdown(report)
    assert "<script>" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md
    assert "a\\|b" in md  # a pipe in a name does not split a table cell


def test_md_escape_neutralises_links_and_emphasis() -> None:
    assert md_escape("[x](javascript:alert(1)) *y*") == \
        "\\[x\\]\\(javascript:alert\\(1\\)\\) \\*y\\*"


def test_empty_report_formats_without_failing(tmp_path: Path) -> None:
    empty = build_report(load_repository(make_kb(tmp_path / "kb", incidents=[])),
                         today=dt.date(2026, 12, 4))
    assert "n=0, too few" in format_text(empty)
    assert "No incidents" in format_markdown(empty)
    assert csv_rows(format_csv(empty))[0]["value"] == "0"
