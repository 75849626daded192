"""`incidentkb validate`: output formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from kbfactory import incident, incident_path, make_kb, write_doc

from generator.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_valid_repository_exits_0_with_a_summary(kb: Path) -> None:
    code, out = run("validate", "--root", str(kb))
    assert code == 0
    assert "1 file checked: 0 errors, 0 warnings" in out


def test_errors_exit_1_and_name_file_line_and_rule(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [incident(severity="sev2")])
    code, out = run("validate", "--root", str(root))
    assert code == 1
    assert "incidents/2026/INC-2026-0001-incident.md:5: error [invalid-choice]" in out
    assert "did you mean 'SEV2'?" in out


def test_warnings_alone_exit_0_but_1_with_strict(tmp_path: Path) -> None:
    meta = incident()
    meta["serverity"] = "SEV2"
    root = make_kb(tmp_path, [meta])
    assert run("validate", "--root", str(root))[0] == 0
    code, out = run("validate", "--strict", "--root", str(root))
    assert code == 1
    assert "did you mean 'severity'?" in out


def test_json_format_is_the_object_format_md_defines(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [incident(title=None)])
    code, out = run("validate", "--format", "json", "--root", str(root))
    assert code == 1
    data = json.loads(out)
    assert set(data) == {"files", "errors", "warnings", "findings"}
    assert data["files"] == 1 and data["errors"] == 1 and data["warnings"] == 0
    finding = data["findings"][0]
    assert {"path", "line", "rule", "severity", "message"} <= set(finding)
    assert finding["path"] == "incidents/2026/INC-2026-0001-incident.md"
    assert finding["rule"] == "missing-field"


def test_github_format_prints_workflow_commands(tmp_path: Path) -> None:
    meta = incident(resolved_at="2026-11-03T14:00:00Z")
    root = make_kb(tmp_path, [meta])
    code, out = run("validate", "--format", "github", "--root", str(root))
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith("::error"))
    assert line.startswith("::error file=incidents/2026/INC-2026-0001-incident.md,line=")
    assert "title=incidentkb timestamp-order::" in line


def test_github_messages_escape_newlines_and_percent(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [incident(severity="sev2 100%")])
    out = run("validate", "--format", "github", "--root", str(root))[1]
    line = next(x for x in out.splitlines() if x.startswith("::error"))
    assert "100%25" in line
    assert len([x for x in out.splitlines() if x.startswith("::")]) == 1


def test_github_format_keeps_each_annotation_on_one_line() -> None:
    from generator.findings import error, format_github

    out = format_github([error("a,b:c.md", 3, "r", "two\nlines", "a hint")])
    assert out == "::error file=a%2Cb%3Ac.md,line=3,title=incidentkb r::two%0Alines%0Aa hint"


def test_paths_restrict_the_report_but_not_the_cross_references(tmp_path: Path) -> None:
    a = incident(id="INC-2026-0001", related=["INC-2026-0002"])
    b = incident(id="INC-2026-0002", title=None)
    root = make_kb(tmp_path, [a, b])
    code, out = run("validate", "--format", "json", "--root", str(root),
                    str(root / incident_path(a)))
    data = json.loads(out)
    assert code == 0 and data["files"] == 1 and data["findings"] == []


def test_unknown_format_is_a_usage_error(kb: Path) -> None:
    assert run("validate", "--format", "xml", "--root", str(kb))[0] == 2


def test_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    assert run("validate", "--root", str(tmp_path / "nope"))[0] == 2


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [incident(id="INC-2026-0001", title=None)])
    write_doc(root, "incidents/2026/INC-2026-0002-x.md", "---\nid: [unclosed\n---\n")
    data = json.loads(run("validate", "--format", "json", "--root", str(root))[1])
    rules = {(f["path"].rsplit("/", 1)[1][:13], f["rule"]) for f in data["findings"]}
    assert ("INC-2026-0001", "missing-field") in rules
    assert ("INC-2026-0002", "yaml-syntax") in rules


def test_warm_run_reuses_the_cache_and_sees_edits(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [incident()])
    assert run("validate", "--root", str(root))[0] == 0
    assert (root / ".incidentkb-cache" / ".gitignore").exists()
    path = root / incident_path(incident())
    path.write_text(path.read_text().replace("severity: SEV2", "severity: SEV9"))
    code, out = run("validate", "--root", str(root))
    assert code == 1 and "[invalid-choice]" in out


def test_a_planted_cache_is_ignored(tmp_path: Path) -> None:
    root = make_kb(tmp_path, [incident()])
    cache = root / ".incidentkb-cache"
    cache.mkdir()
    (cache / "documents.pickle").write_bytes(b"incidentkb-cache-1\n" + b"0" * 32 + b"garbage")
    assert run("validate", "--root", str(root))[0] == 0


def test_schema_command_prints_json_schema() -> None:
    code, out = run("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$defs"]["incident"]["required"][0] == "id"
    assert "SEV1" in json.dumps(schema)
