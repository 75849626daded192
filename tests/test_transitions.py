"""`incidentkb validate --base REV`: lifecycle transitions against a git revision."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from kbfactory import incident, make_kb, postmortem, write_doc

from generator.cli import cli
from generator.repository import load_repository
from generator.transitions import check_transitions, fetch_command

INCIDENT = "incidents/2026/INC-2026-0001-incident.md"
POSTMORTEM = "incidents/2026/INC-2026-0001-postmortem.md"


@pytest.fixture(autouse=True)
def _git_identity(isolated_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Alice")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "alice@example.com")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit_all(cwd: Path, message: str = "change") -> str:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)
    return git(cwd, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose `main` (also tagged v1) holds a resolved incident and its
    published postmortem; the working tree is where tests make their changes."""
    root = make_kb(tmp_path / "kb", [incident()], [postmortem()])
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "record INC-2026-0001")
    git(root, "tag", "v1")
    return root


def validate(root: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["validate", "--root", str(root), "--no-cache", *args], catch_exceptions=False
    )


def findings(root: Path, base: str = "main", *paths: str) -> list[dict[str, Any]]:
    result = validate(root, "--format", "json", "--base", base, *paths)
    assert result.exit_code in (0, 1), result.output
    return list(json.loads(result.stdout)["findings"])


def rules(found: list[dict[str, Any]]) -> list[str]:
    return [f["rule"] for f in found]


def line_of(root: Path, rel: str, text: str) -> int:
    """The 1-based line of the first line of a file that starts with `text`."""
    lines = (root / rel).read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.lstrip().startswith(text))


def write_incident(root: Path, rel: str = INCIDENT, **changes: Any) -> None:
    write_doc(root, rel, incident(**changes))


# --- status -----------------------------------------------------------------------


@pytest.mark.parametrize("base", ["main", "v1", "commit", "short-commit"])
def test_status_moving_back_is_reported_on_the_status_line(repo: Path, base: str) -> None:
    sha = git(repo, "rev-parse", "HEAD")
    rev = {"commit": sha, "short-commit": sha[:8]}.get(base, base)
    write_incident(repo, status="mitigated", resolved_at=None, root_cause=None, resolution=None)
    found = findings(repo, rev)
    assert rules(found) == ["status-regression"]
    assert found[0]["path"] == INCIDENT
    assert found[0]["line"] == line_of(repo, INCIDENT, "status:")
    assert "from 'resolved'" in found[0]["message"] and "to 'mitigated'" in found[0]["message"]


def test_regression_committed_on_a_feature_branch_is_reported_against_the_base_branch(
    repo: Path,
) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write_incident(repo, status="investigating", mitigated_at=None, resolved_at=None,
                   root_cause=None, resolution=None)
    commit_all(repo)
    assert rules(findings(repo, "main")) == ["status-regression"]
    assert findings(repo, "feature") == []


def test_moving_forward_and_editing_other_fields_is_fine(repo: Path) -> None:
    write_incident(repo, status="verified", verified_at="2026-11-04T09:00:00Z",
                   verification={"method": "24h of monitoring"}, title="A better title")
    result = validate(repo, "--base", "main")
    assert result.exit_code == 0, result.output


def test_a_new_reopening_from_the_base_status_allows_moving_back(repo: Path) -> None:
    reopened = [{"at": "2026-11-05T08:00:00Z", "reason": "502s came back",
                 "from_status": "resolved"}]
    write_incident(repo, status="investigating", reopened=reopened)
    assert findings(repo) == []


def test_a_reopening_from_another_status_is_reported_on_its_from_status(repo: Path) -> None:
    reopened = [{"at": "2026-11-05T08:00:00Z", "reason": "502s came back",
                 "from_status": "mitigated"}]
    write_incident(repo, status="investigating", reopened=reopened)
    found = findings(repo)
    assert rules(found) == ["status-regression"]
    assert found[0]["line"] == line_of(repo, INCIDENT, "from_status:")


def test_a_reopening_already_recorded_at_the_base_does_not_allow_another(repo: Path) -> None:
    reopened = [{"at": "2026-11-05T08:00:00Z", "reason": "502s came back",
                 "from_status": "resolved"}]
    write_incident(repo, reopened=reopened)
    commit_all(repo, "an earlier reopening, resolved again")
    write_incident(repo, status="investigating", reopened=reopened)
    assert rules(findings(repo)) == ["status-regression"]


# --- id and detected_at -----------------------------------------------------------


def test_changing_the_id_is_reported_on_the_id_line(repo: Path) -> None:
    (repo / INCIDENT).unlink()
    write_incident(repo, id="INC-2026-0009", rel=INCIDENT.replace("0001", "0009"))
    write_doc(repo, POSTMORTEM, postmortem(incident="INC-2026-0009"))
    git(repo, "add", "-A")  # staged, so git pairs the rename
    found = [f for f in findings(repo) if f["rule"] == "id-changed"]
    assert len(found) == 1
    new_path = INCIDENT.replace("0001", "0009")
    assert found[0]["path"] == new_path
    assert found[0]["line"] == line_of(repo, new_path, "id:")


def test_changing_the_id_in_place_is_reported_once(repo: Path) -> None:
    write_incident(repo, id="INC-2026-0002")
    assert "id-changed" in rules(findings(repo))
    assert "incident-deleted" not in rules(findings(repo))


def test_changing_detected_at_is_reported_on_its_line(repo: Path) -> None:
    write_incident(repo, detected_at="2026-11-03T14:05:00Z")
    found = findings(repo)
    assert rules(found) == ["detected-at-changed"]
    assert found[0]["line"] == line_of(repo, INCIDENT, "detected_at:")
    assert "2026-11-03T14:07:00Z" in found[0]["message"]


def test_detected_at_written_in_another_time_zone_is_the_same_instant(repo: Path) -> None:
    write_incident(repo, detected_at="2026-11-03T15:07:00+01:00")
    assert findings(repo) == []


# --- deletions and renames -----------------------------------------------------------


def test_deleting_an_incident_is_reported_on_the_old_path_line_1(repo: Path) -> None:
    (repo / INCIDENT).unlink()
    (repo / POSTMORTEM).unlink()
    result = validate(repo, "--format", "json", "--base", "main")
    assert result.exit_code == 1
    found = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "incident-deleted"]
    assert [(f["path"], f["line"]) for f in found] == [(INCIDENT, 1)]
    assert "git checkout main -- " + INCIDENT in found[0]["hint"]


@pytest.mark.parametrize("staged", [True, False])
def test_moving_an_incident_and_keeping_its_id_is_fine(repo: Path, staged: bool) -> None:
    target = repo / "incidents/2026/11/INC-2026-0001-payments-502s.md"
    target.parent.mkdir(parents=True)
    (repo / INCIDENT).rename(target)
    if staged:
        git(repo, "add", "-A")
    assert findings(repo) == []


def test_a_moved_incident_is_still_held_to_its_status(repo: Path) -> None:
    moved = "incidents/2026/INC-2026-0001-renamed.md"
    (repo / INCIDENT).unlink()
    write_incident(repo, rel=moved, status="mitigated", resolved_at=None, root_cause=None,
                   resolution=None)
    found = findings(repo)
    assert rules(found) == ["status-regression"]
    assert found[0]["path"] == moved


def test_renaming_an_incident_into_an_article_deletes_it(repo: Path) -> None:
    (repo / INCIDENT).unlink()
    (repo / POSTMORTEM).unlink()
    write_doc(repo, "kb/guides/payments.md", {"title": "Payments", "kind": "guide",
                                              "owners": ["payments-team"]})
    found = [f for f in findings(repo) if f["rule"] == "incident-deleted"]
    assert len(found) == 1 and found[0]["line"] == 1


def test_an_id_made_invalid_is_reported_by_the_schema_not_as_a_deletion(repo: Path) -> None:
    write_incident(repo, id="inc-1")
    found = rules(findings(repo))
    assert "invalid-id" in found
    assert "incident-deleted" not in found and "id-changed" not in found


# --- postmortems ----------------------------------------------------------------------


def test_unpublishing_a_postmortem_is_reported_on_the_status_line(repo: Path) -> None:
    write_doc(repo, POSTMORTEM, postmortem(status="in-review"), "\n## Root causes\n")
    found = [f for f in findings(repo) if f["rule"] == "postmortem-unpublished"]
    assert len(found) == 1
    assert found[0]["line"] == line_of(repo, POSTMORTEM, "status:")


def test_deleting_a_published_postmortem_is_reported_on_its_old_path(repo: Path) -> None:
    (repo / POSTMORTEM).unlink()
    found = [f for f in findings(repo) if f["rule"] == "postmortem-unpublished"]
    assert [(f["path"], f["line"]) for f in found] == [(POSTMORTEM, 1)]


def test_check_transitions_over_a_loaded_repository_finds_the_same(repo: Path) -> None:
    moved = "incidents/2026/INC-2026-0001-renamed.md"
    (repo / INCIDENT).unlink()
    write_incident(repo, rel=moved, status="mitigated", resolved_at=None, root_cause=None,
                   resolution=None)
    write_doc(repo, POSTMORTEM, postmortem(status="draft"))
    found = check_transitions(load_repository(repo), "v1")
    assert sorted((f.rule, f.path) for f in found) == [
        ("postmortem-unpublished", POSTMORTEM), ("status-regression", moved),
    ]


# --- where the root sits, output, scope ------------------------------------------------


def test_a_root_in_a_subfolder_of_the_checkout_works(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    root = make_kb(checkout / "ops" / "kb", [incident()])
    git(checkout, "init", "-q", "-b", "main")
    commit_all(checkout)
    write_incident(root, status="detected", commander=None, mitigated_at=None,
                   resolved_at=None, root_cause=None, resolution=None)
    result = validate(root, "--format", "github", "--base", "main")
    assert result.exit_code == 1
    line = line_of(root, INCIDENT, "status:")
    assert f"::error file=ops/kb/{INCIDENT},line={line},title=incidentkb status-regression::" in (
        result.output
    )


def test_paths_limit_transition_findings_to_those_files(repo: Path) -> None:
    write_incident(repo, detected_at="2026-11-03T14:05:00Z")
    write_doc(repo, POSTMORTEM, postmortem(status="draft"))
    found = findings(repo, "main", str(repo / POSTMORTEM))
    assert rules(found) == ["postmortem-unpublished"]


def test_git_runs_a_fixed_number_of_times_however_many_files_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    metas = [incident(id=f"INC-2026-{n:04d}") for n in range(1, 41)]
    root = make_kb(tmp_path / "kb", metas)
    git(root, "init", "-q", "-b", "main")
    commit_all(root)
    for meta in metas:
        path = f"incidents/2026/{meta['id']}-incident.md"
        write_doc(root, path, {**meta, "detected_at": "2026-11-03T14:00:00Z"})
    calls = count_processes(monkeypatch)
    found = findings(root)
    assert rules(found) == ["detected-at-changed"] * 40
    assert len(calls) == 4  # rev-parse twice, diff, one cat-file for every blob
    assert sum(1 for c in calls if "cat-file" in c) == 1


def count_processes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = subprocess.Popen

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            calls.append([str(a) for a in args])
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Counting)
    return calls


# --- when --base cannot be used ---------------------------------------------------------


def test_an_unknown_revision_is_a_usage_error_naming_it(repo: Path) -> None:
    result = validate(repo, "--base", "no-such-branch")
    assert result.exit_code == 2
    assert "unknown revision 'no-such-branch'" in result.output
    assert "Traceback" not in result.output


def test_a_revision_missing_from_a_shallow_clone_says_which_fetch_to_run(
    repo: Path, tmp_path: Path
) -> None:
    first = git(repo, "rev-parse", "HEAD")
    write_incident(repo, title="Second version")
    commit_all(repo, "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    result = validate(clone, "--base", first)
    assert result.exit_code == 2
    assert "not in this shallow clone" in result.output
    assert f"git fetch --depth=1 origin {first}" in result.output
    assert "--unshallow" in result.output
    branch = validate(clone, "--base", "origin/feature")
    assert branch.exit_code == 2
    assert "git fetch --depth=1 origin feature:refs/remotes/origin/feature" in branch.output


def test_outside_a_repository_base_is_a_usage_error_and_validate_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = make_kb(tmp_path / "kb", [incident()])
    result = validate(root, "--base", "main")
    assert result.exit_code == 2
    assert "not inside a git repository" in result.output
    assert validate(root).exit_code == 0


def test_without_git_installed_base_is_a_usage_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    result = validate(repo, "--base", "main")
    assert result.exit_code == 2
    assert "--base needs git" in result.output


def test_a_revision_that_looks_like_an_option_is_refused(repo: Path) -> None:
    result = validate(repo, "--base=--output=/tmp/x")
    assert result.exit_code == 2
    assert "is not a revision" in result.output


@pytest.mark.parametrize(
    ("base", "command"),
    [
        ("origin/main", "git fetch --depth=1 origin main:refs/remotes/origin/main"),
        ("refs/remotes/upstream/release/2.0",
         "git fetch --depth=1 upstream release/2.0:refs/remotes/upstream/release/2.0"),
        ("refs/tags/v1.2", "git fetch --depth=1 origin tag v1.2"),
        ("1a2b3c4d5e6f", "git fetch --depth=1 origin 1a2b3c4d5e6f"),
        ("HEAD~3", "git fetch --deepen=100"),
        ("main", "git fetch --depth=1 origin main:refs/remotes/origin/main"),
    ],
)
def test_the_fetch_hint_fits_the_kind_of_revision(base: str, command: str) -> None:
    assert fetch_command(base, ["origin", "upstream"]).startswith(command)


def test_the_fetch_hint_keeps_a_complete_clone_complete() -> None:
    assert fetch_command("origin/main", ["origin"], shallow=False) == (
        "git fetch origin main:refs/remotes/origin/main"
    )


def test_file_names_with_spaces_and_accents_are_compared(repo: Path) -> None:
    odd = "incidents/2026/INC-2026-0002-café outage «eu».md"
    write_incident(repo, rel=odd, id="INC-2026-0002")
    commit_all(repo)
    write_incident(repo, rel=odd, id="INC-2026-0002", status="detected", commander=None,
                   mitigated_at=None, resolved_at=None, root_cause=None, resolution=None)
    found = findings(repo)
    assert [(f["rule"], f["path"]) for f in found] == [("status-regression", odd)]
