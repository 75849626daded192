"""`incidentkb new`: the next free id, a template that validates, never overwrite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner
from kbfactory import incident, make_kb

from generator.cli import cli
from generator.scaffold import NewIncident, create_incident, next_id
from generator.validation import validate


def new(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["new", "--root", str(root), *args])
    return result.exit_code, result.stdout


def test_new_takes_the_next_free_id_of_the_year(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [incident(id="INC-2026-0041"), incident(id="INC-2026-0007")])
    code, out = new(root, "--title", "Checkout 502s", "--severity", "SEV2",
                    "--service", "checkout-web", "--detected-at", "2026-12-01T10:00:00Z")
    assert code == 0
    assert out.strip() == "incidents/2026/INC-2026-0042-checkout-502s.md"


def test_new_incident_validates_with_only_placeholder_warnings(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [])
    code, out = new(root, "--title", "Search: slow queries", "--severity", "SEV3",
                    "--service", "search-api,postgres", "--impact", "Search p99 at 4s")
    assert code == 0
    result = validate(root, use_cache=False)
    assert result.errors == 0 and result.warnings == 0
    text = (root / out.strip()).read_text()
    assert "title: 'Search: slow queries'" in text
    assert "services: [search-api, postgres]" in text


def test_template_for_a_later_status_has_its_fields_as_todos(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [])
    code, out = new(root, "--title", "x", "--severity", "SEV4", "--service", "web",
                    "--status", "verified", "--detected-at", "2026-12-01T10:00:00Z")
    assert code == 0
    result = validate(root, use_cache=False)
    assert result.errors == 0
    assert {f.rule for f in result.findings} == {"placeholder"}


def test_new_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [])
    when = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    spec = NewIncident(title="Same title", severity="SEV3", services=["web"], detected_at=when)
    first = create_incident(root, spec, now=when)
    second = create_incident(root, spec, now=when)
    assert first != second and first.exists() and second.exists()
    assert next_id(root, "INC", 2026) == "INC-2026-0003"


def test_new_without_a_terminal_names_the_missing_flags(tmp_path: Path) -> None:
    code = CliRunner().invoke(cli, ["new", "--root", str(tmp_path), "--title", "x"]).exit_code
    assert code == 2


def test_new_prompts_on_a_terminal(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("generator.commands.new._interactive", lambda: True)
    runner = CliRunner()
    result = runner.invoke(cli, ["new", "--root", str(tmp_path)],
                           input="Login fails\nSEV2\nauth-service\nsecurity\nNobody can log in\n")
    assert result.exit_code == 0, result.output
    path = next((tmp_path / "incidents").rglob("*.md"))
    assert "login-fails" in path.name
    assert "type: security" in path.read_text()


def test_naive_detected_at_is_refused(tmp_path: Path) -> None:
    code, _ = new(tmp_path, "--title", "x", "--severity", "SEV4", "--service", "web",
                  "--detected-at", "2026-12-01T10:00:00")
    assert code == 2
