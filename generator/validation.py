"""Validate a knowledge-base root: load, run every rule, collect the findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .findings import Finding, sort_findings
from .repository import Repository, load_repository
from .rules import check_repository, check_time


@dataclass
class ValidationResult:
    repo: Repository
    findings: list[Finding]  # restricted to the requested paths, sorted
    files: int  # how many files the findings speak for

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def all_findings(repo: Repository, now: dt.datetime | None = None) -> list[Finding]:
    """Every finding of a loaded repository, unsorted."""
    now = now or utc_now()
    findings: list[Finding] = []
    for per_file in repo.file_findings.values():
        findings.extend(per_file)
    findings.extend(check_time(repo, now))
    findings.extend(check_repository(repo))
    return findings


def select_paths(repo: Repository, paths: Sequence[str]) -> set[str]:
    """Root-relative paths of the files that PATHS (files or folders) name."""
    wanted: set[str] = set()
    for raw in paths:
        p = Path(raw)
        absolute = (p if p.is_absolute() else Path.cwd() / p).resolve()
        try:
            rel = absolute.relative_to(repo.root).as_posix()
        except ValueError:
            rel = Path(raw).as_posix().strip("/")
        if rel in (".", ""):
            return set(repo.paths)
        wanted.update(x for x in repo.paths if x == rel or x.startswith(rel.rstrip("/") + "/"))
    return wanted


def validate(
    root: Path | str,
    paths: Sequence[str] = (),
    *,
    now: dt.datetime | None = None,
    base: str | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
) -> ValidationResult:
    """Validate the whole root (cross-references need it); report for PATHS or all."""
    repo = load_repository(root, use_cache=use_cache, jobs=jobs)
    findings = all_findings(repo, now)
    if base is not None:
        from .transitions import check_transitions

        findings.extend(check_transitions(repo, base, paths=paths))
    if paths:
        selected = select_paths(repo, paths)
        findings = [f for f in findings if f.path in selected]
        files = len(selected)
    else:
        files = repo.file_count
    return ValidationResult(repo=repo, findings=sort_findings(findings), files=files)
