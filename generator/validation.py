"""Validate a knowledge-base root: every rule, every finding, fast when warm.

Per-file findings and document facts are cached by content hash (signed, in
<root>/.incidentkb-cache): a warm run re-parses only the files that changed
and runs the repository-wide and clock rules over the cached facts.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache, code_fingerprint
from .facts import DocFacts, FactIndex, facts_of
from .findings import Finding, sort_findings
from .loading import content_hash
from .repository import (
    Repository,
    check_bytes,
    discover,
    gc_paused,
    in_scope,
    load_repository,
    map_files,
    path_scope,
    read_files,
    unreadable,
)
from .rules import check_repository, check_time

_CACHE_NAME = "validation"
# The cache is split by path into shards, so that a warm run after one change
# rewrites one small file instead of the entries of every document.
_SHARDS = 16
FileResult = tuple[list[Finding], DocFacts | None]


@dataclass
class ValidationResult:
    root: Path
    findings: list[Finding]  # restricted to the requested paths, sorted
    files: int  # how many files the findings speak for
    _repo: Repository | None = field(default=None, repr=False)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    @property
    def repo(self) -> Repository:
        """The loaded documents (read on first use when validation did not need them)."""
        if self._repo is None:
            self._repo = load_repository(self.root)
        return self._repo


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _check_for_facts(item: tuple[str, bytes]) -> FileResult:
    doc, findings = check_bytes(*item)
    return findings, (facts_of(doc) if doc is not None else None)


def _index_findings(facts: list[DocFacts], now: dt.datetime) -> list[Finding]:
    index = FactIndex(facts)
    return check_time(index, now) + check_repository(index)


def _check_files(root: Path, use_cache: bool, jobs: int | None) -> dict[str, FileResult]:
    with gc_paused():  # unpickling the cache and parsing build many long-lived objects
        return _check_files_now(root, use_cache, jobs)


def _shard_of(rel: str) -> int:
    return zlib.crc32(rel.encode("utf-8")) % _SHARDS


def _load_shards(cache: Cache | None, fingerprint: str) -> list[dict[str, tuple[str, FileResult]]]:
    shards: list[dict[str, tuple[str, FileResult]]] = [{} for _ in range(_SHARDS)]
    if cache is None:
        return shards
    for i in range(_SHARDS):
        stored = cache.load(f"{_CACHE_NAME}-{i:02d}")
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == fingerprint:
            shards[i] = stored[1]
    return shards


def _check_files_now(root: Path, use_cache: bool, jobs: int | None) -> dict[str, FileResult]:
    cache = Cache(root) if use_cache else None
    fingerprint = code_fingerprint()  # cached findings die with the rules that made them
    shards = _load_shards(cache, fingerprint)
    cached: dict[str, tuple[str, FileResult]] = {}
    for shard in shards:
        cached.update(shard)
    results: dict[str, FileResult] = {}
    fresh: dict[str, tuple[str, FileResult]] = {}
    todo: list[tuple[str, bytes]] = []
    todo_sha: list[str] = []
    for rel, raw, why in read_files(root, discover(root)):
        if raw is None:
            results[rel] = ([unreadable(rel, why)], None)
            continue
        sha = content_hash(raw)
        hit = cached.get(rel)
        if hit is not None and hit[0] == sha:
            results[rel] = hit[1]
            fresh[rel] = hit
        else:
            todo.append((rel, raw))
            todo_sha.append(sha)
    checked = map_files(_check_for_facts, todo, jobs)
    for (rel, _raw), sha, result in zip(todo, todo_sha, checked):
        results[rel] = result
        fresh[rel] = (sha, result)
    if cache is not None:
        _save_shards(cache, fingerprint, shards, fresh, {rel for rel, _raw in todo})
    return results


def _save_shards(cache: Cache, fingerprint: str, old: list[dict[str, tuple[str, FileResult]]],
                 fresh: dict[str, tuple[str, FileResult]], changed: set[str]) -> None:
    """Rewrite only the shards in which a file changed, appeared or disappeared."""
    new: list[dict[str, tuple[str, FileResult]]] = [{} for _ in range(_SHARDS)]
    for rel, entry in fresh.items():
        new[_shard_of(rel)][rel] = entry
    dirty = {_shard_of(rel) for rel in changed}
    for i in range(_SHARDS):
        if i in dirty or len(new[i]) != len(old[i]):
            cache.save(f"{_CACHE_NAME}-{i:02d}", (fingerprint, new[i]))


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
    root = Path(root).resolve()
    results = _check_files(root, use_cache, jobs)
    findings = [f for per_file, _facts in results.values() for f in per_file]
    facts = [f for _findings, f in results.values() if f is not None]
    findings += _index_findings(facts, now or utc_now())
    result = ValidationResult(root=root, findings=[], files=len(results))
    if base is not None:
        from .transitions import check_transitions_from_facts

        findings.extend(check_transitions_from_facts(root, FactIndex(facts), base, paths=paths))
    if paths:
        scope = path_scope(root, paths)
        findings = [f for f in findings if in_scope(f.path, scope)]
        result.files = sum(1 for path in results if in_scope(path, scope))
    result.findings = sort_findings(findings)
    return result
