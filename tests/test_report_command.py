"""`incidentkb report`: options, formats, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from kbfactory import incident, make_kb

from generator.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return make_kb(tmp_path / "kb", incidents=[
        incident(),
        incident(id="INC-2026-0002", severity="SEV3", detected_at="2026-10-03T14:07:00Z",
                 started_at="2026-10-03T13:58:00Z", acknowledged_at=None,
                 mitigated_at="2026-10-03T15:07:00Z", resolved_at="2026-10-03T16:07:00Z",
                 communications=[], resolution={"summary": "Fixed"}),
    ])


def test_json_report_follows_the_format_contract(kb: Path) -> None:
    result = run("--root", str(kb), "--format", "json", "--today", "2026-12-04")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["incidents"] == 2
    assert [p["period"] for p in data["by_period"]] == ["2026-10", "2026-11"]
    assert data["metrics"]["time_to_acknowledge"]["count"] == 1
    assert data["metrics"]["time_to_resolve"]["median_minutes"] == pytest.approx(96.5)
    assert data["action_items"]["overdue"] == 0


def test_since_and_until_narrow_the_report(kb: Path) -> None:
    result = run("--root", str(kb), "--format", "json", "--since", "2026-11-01",
                 "--until", "2026-11-30")
    assert json.loads(result.stdout)["incidents"] == 1


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "20261204", "2026-1-1"])
def test_a_bad_date_is_a_usage_error(kb: Path, bad: str) -> None:
    result = run("--root", str(kb), "--since", bad)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output and "Traceback" not in result.output


def test_since_after_until_is_a_usage_error(kb: Path) -> None:
    result = run("--root", str(kb), "--since", "2026-12-01", "--until", "2026-11-01")
    assert result.exit_code == 2


def test_by_adds_the_breakdown(kb: Path) -> None:
    data = json.loads(run("--root", str(kb), "--format", "json", "--by", "severity").stdout)
    assert [g["key"] for g in data["breakdown"]["groups"]] == ["SEV2", "SEV3"]


def test_csv_output_parses(kb: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run("--root", str(kb), "--format", "csv").stdout)))
    assert rows[0]["section"] == "summary" and rows[0]["value"] == "2"


def test_text_report_flags_the_small_sample(kb: Path) -> None:
    result = run("--root", str(kb))
    assert result.exit_code == 0
    assert "n=2, too few" in result.stdout


def test_markdown_report_has_headings(kb: Path) -> None:
    assert run("--root", str(kb), "--format", "markdown").stdout.startswith("# Incident trends")


def test_output_file_is_written_instead_of_stdout(kb: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    result = run("--root", str(kb), "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["incidents"] == 2


def test_documents_with_errors_are_reported_with_a_warning(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb", incidents=[incident(), incident(id="INC-2026-0002",
                                                                    severity="SEV9")])
    result = run("--root", str(root), "--format", "json")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "validation error" in result.stderr
    data = json.loads(result.stdout)
    assert data["incidents"] == 2
    assert sum(data["by_period"][0]["by_severity"].values()) == 1  # unknown severity: no key


def test_a_root_without_incidents_reports_nothing_found(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    result = run("--root", str(root), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["incidents"] == 0
