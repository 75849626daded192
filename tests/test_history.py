"""`history_facts`: when each document was recorded and changed, from one pass over git log."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from kbfactory import incident, make_kb, render, write_doc

from generator import history
from generator.history import DocHistory, documentation_lag_days, history_facts
from generator.repository import load_repository

INCIDENT = "incidents/2026/INC-2026-0001-incident.md"
UTC = dt.timezone.utc


@pytest.fixture(autouse=True)
def _git_identity(isolated_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "_memo", {})


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    return done.stdout.strip()


def commit(cwd: Path, when: str, author: str = "Alice", message: str = "change") -> None:
    """Commit everything as `author` at `when` (ISO 8601)."""
    who = {f"GIT_{role}_{part}": value
           for role in ("AUTHOR", "COMMITTER")
           for part, value in (("NAME", author), ("EMAIL", f"{author.lower()}@example.com"),
                               ("DATE", when))}
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message, env=who)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_kb(tmp_path / "kb", [incident()])
    git(root, "init", "-q", "-b", "main")
    commit(root, "2026-11-05T10:00:00Z", "Alice", "record the incident")
    write_doc(root, INCIDENT, incident(title="Payments 502s: pool exhaustion"))
    commit(root, "2026-11-07T12:30:00Z", "Bob", "retitle")
    return root


def test_first_and_last_commit_with_their_authors(repo: Path) -> None:
    facts = history_facts(repo)[INCIDENT]
    assert facts == DocHistory(
        first_committed_at=dt.datetime(2026, 11, 5, 10, 0, tzinfo=UTC), first_author="Alice",
        last_committed_at=dt.datetime(2026, 11, 7, 12, 30, tzinfo=UTC), last_author="Bob",
        commits=2, uncommitted_changes=False,
    )


def test_datetimes_are_utc_whatever_the_committer_zone(repo: Path) -> None:
    write_doc(repo, INCIDENT, incident(title="Third"))
    commit(repo, "2026-11-08T09:00:00+09:00", "Carol")
    facts = history_facts(repo)[INCIDENT]
    assert facts.last_committed_at == dt.datetime(2026, 11, 8, 0, 0, tzinfo=UTC)
    assert facts.last_committed_at is not None and facts.last_committed_at.tzinfo == UTC


def test_a_modified_file_has_uncommitted_changes(repo: Path) -> None:
    write_doc(repo, INCIDENT, incident(title="Edited, not committed"))
    facts = history_facts(repo)[INCIDENT]
    assert facts.uncommitted_changes is True
    assert facts.commits == 2 and facts.first_author == "Alice"


def test_a_file_never_committed_has_no_dates(repo: Path) -> None:
    new = "incidents/2026/INC-2026-0002-incident.md"
    write_doc(repo, new, incident(id="INC-2026-0002"))
    facts = history_facts(repo)
    assert facts[new] == DocHistory(None, None, None, None, 0, True)
    assert facts[INCIDENT].uncommitted_changes is False


def test_a_staged_new_file_is_still_uncommitted(repo: Path) -> None:
    new = "incidents/2026/INC-2026-0002-incident.md"
    write_doc(repo, new, incident(id="INC-2026-0002"))
    git(repo, "add", new)
    assert history_facts(repo)[new] == DocHistory(None, None, None, None, 0, True)


def test_a_repository_without_commits_has_every_document_uncommitted(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb", [incident()])
    git(root, "init", "-q", "-b", "main")
    assert history_facts(root) == {INCIDENT: DocHistory(None, None, None, None, 0, True)}


def test_a_renamed_document_keeps_its_history(repo: Path) -> None:
    moved = "incidents/2026/11/INC-2026-0001-payments-502s.md"
    (repo / moved).parent.mkdir(parents=True)
    git(repo, "mv", INCIDENT, moved)
    commit(repo, "2026-11-09T08:00:00Z", "Carol", "move")
    facts = history_facts(repo)
    assert INCIDENT not in facts
    assert facts[moved].first_author == "Alice" and facts[moved].last_author == "Carol"
    assert facts[moved].commits == 3


def test_a_rename_staged_but_not_committed_keeps_the_history_and_is_uncommitted(
    repo: Path,
) -> None:
    moved = "incidents/2026/INC-2026-0001-payments.md"
    git(repo, "mv", INCIDENT, moved)
    facts = history_facts(repo)
    assert INCIDENT not in facts
    assert facts[moved].first_author == "Alice" and facts[moved].uncommitted_changes is True


def test_a_file_deleted_in_the_working_tree_has_no_entry(repo: Path) -> None:
    (repo / INCIDENT).unlink()
    assert INCIDENT not in history_facts(repo)


def test_a_root_in_a_subfolder_is_keyed_relative_to_the_root(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    root = make_kb(checkout / "ops" / "kb", [incident()])
    git(checkout, "init", "-q", "-b", "main")
    commit(checkout, "2026-11-05T10:00:00Z")
    write_doc(root, "incidents/2026/INC-2026-0002-incident.md", incident(id="INC-2026-0002"))
    facts = history_facts(root)
    assert set(facts) == {INCIDENT, "incidents/2026/INC-2026-0002-incident.md"}
    assert facts[INCIDENT].commits == 1


def test_outside_a_repository_there_are_no_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert history_facts(make_kb(tmp_path / "kb")) == {}


def test_without_git_there_are_no_facts(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    assert history_facts(repo) == {}


def test_documentation_lag_is_first_commit_minus_detection_in_days(repo: Path) -> None:
    facts = history_facts(repo)
    doc = load_repository(repo).document_by_path[INCIDENT]
    # detected 2026-11-03T14:07Z, first committed 2026-11-05T10:00Z
    assert documentation_lag_days(doc, facts) == pytest.approx((2 * 24 * 60 - 247) / 1440)


def test_documentation_lag_is_none_for_an_uncommitted_document(repo: Path) -> None:
    new = "incidents/2026/INC-2026-0002-incident.md"
    write_doc(repo, new, incident(id="INC-2026-0002"))
    doc = load_repository(repo).document_by_path[new]
    assert documentation_lag_days(doc, history_facts(repo)) is None
    assert documentation_lag_days(doc, {}) is None


def count_git_processes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = subprocess.Popen

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            if args and args[0] == "git":
                calls.append([str(a) for a in args])
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Counting)
    return calls


def subcommand(args: list[str]) -> str:
    """`log` of `git -c a=b log ...`."""
    return next(
        a for i, a in enumerate(args[1:], 1) if not a.startswith("-") and args[i - 1] != "-c"
    )


def test_500_documents_take_one_log_process_and_one_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "kb"
    template = render(incident(id="INC-2026-NNNN"))
    for n in range(1, 501):
        rel = f"incidents/2026/INC-2026-{n:04d}-x.md"
        write_doc(root, rel, template.replace("NNNN", f"{n:04d}"))
    git(root, "init", "-q", "-b", "main")
    commit(root, "2026-11-05T10:00:00Z")
    for n in range(1, 251):
        with (root / f"incidents/2026/INC-2026-{n:04d}-x.md").open("a") as fh:
            fh.write("Edited.\n")
    commit(root, "2026-11-06T10:00:00Z", "Bob")
    calls = count_git_processes(monkeypatch)
    facts = history_facts(root)
    assert len(facts) == 500
    assert facts["incidents/2026/INC-2026-0001-x.md"].commits == 2
    assert facts["incidents/2026/INC-2026-0500-x.md"].last_author == "Alice"
    assert [subcommand(c) for c in calls] == ["status", "log"]


def test_a_second_call_at_the_same_head_reuses_the_log(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = history_facts(repo)
    calls = count_git_processes(monkeypatch)
    write_doc(repo, INCIDENT, incident(title="Edited again"))
    second = history_facts(repo)
    assert [c for c in calls if "log" in c] == []
    assert len(calls) == 1  # git status only
    assert second[INCIDENT].uncommitted_changes and not first[INCIDENT].uncommitted_changes


def test_the_next_command_reads_the_log_facts_from_the_cache(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = history_facts(repo)
    monkeypatch.setattr(history, "_memo", {})  # a new process
    calls = count_git_processes(monkeypatch)
    assert history_facts(repo) == first
    assert [subcommand(c) for c in calls] == ["status"]


def test_deepening_a_shallow_clone_refreshes_the_facts(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    assert history_facts(clone)[INCIDENT].commits == 1
    git(clone, "fetch", "-q", "--unshallow")
    deepened = history_facts(clone)[INCIDENT]
    assert deepened.commits == 2 and deepened.first_author == "Alice"


def test_file_names_with_spaces_and_accents_are_keyed_as_on_disk(repo: Path) -> None:
    odd = "incidents/2026/INC-2026-0002-café outage «eu».md"
    write_doc(repo, odd, incident(id="INC-2026-0002"))
    commit(repo, "2026-11-08T10:00:00Z", "Zoë")
    write_doc(repo, odd, incident(id="INC-2026-0002", title="Edited"))
    facts = history_facts(repo)[odd]
    assert facts.first_author == "Zoë" and facts.uncommitted_changes is True
