"""Facts about each document from git history: when it was first recorded, by whom, and since.

One pass over `git log` covers every document of the root (one git process,
not one per file), following renames so a moved incident keeps its history;
one `git status` says which documents have changes not yet committed. The log
facts depend only on HEAD, so they are kept per HEAD commit, in memory and in
the root's signed cache: a second call (the site, then the report, or the next
command) costs the status alone.

Outside a git checkout, or without git, there are no facts: `history_facts`
returns {} and callers show nothing rather than fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .cache import Cache, code_fingerprint
from .gitutil import (
    GitError,
    GitMissing,
    decode_path,
    guess_worktree_prefix,
    history_depth_marker,
    run_git,
    split_nul,
)
from .repository import AREAS

_RECORD = b"\x1e"  # separates commits in the log output
_LOG_FORMAT = "%x1e%H%x00%ct%x00%aN"
_MEMO_SIZE = 4
_CACHE_NAME = "history"


@dataclass(frozen=True)
class DocHistory:
    """What git knows about one document (datetimes are aware, in UTC)."""

    first_committed_at: dt.datetime | None
    first_author: str | None
    last_committed_at: dt.datetime | None
    last_author: str | None
    commits: int
    uncommitted_changes: bool  # the working tree differs from HEAD, or it was never committed


_UNCOMMITTED = DocHistory(None, None, None, None, 0, True)


def history_facts(root: Path | str) -> dict[str, DocHistory]:
    """Facts for every markdown document git knows under incidents/ and kb/, by root-relative path.

    Documents never committed (untracked or only staged) have no dates,
    `commits == 0` and `uncommitted_changes` True.
    """
    root = Path(root).resolve()
    prefix = guess_worktree_prefix(root)
    if prefix is None:
        return {}
    try:
        tree = _working_tree_changes(root, prefix)
        committed = _log_facts(root, prefix, tree.head) if tree.head is not None else {}
    except (GitError, GitMissing, ValueError, IndexError):
        return {}
    return _combine(committed, tree)


def documentation_lag_days(doc: Any, facts: Mapping[str, DocHistory]) -> float | None:
    """Days from an incident's `detected_at` to the first commit of its record.

    None when either is unknown (not an incident, no valid detected_at, or
    not committed yet). Negative when the record was committed before the
    detection time it states, which points at a wrong clock or timestamp.
    """
    detected = getattr(getattr(doc, "data", None), "detected_at", None)
    history = facts.get(getattr(doc, "path", ""))
    if detected is None or history is None or history.first_committed_at is None:
        return None
    return (history.first_committed_at - detected).total_seconds() / 86400


# --- the log -----------------------------------------------------------------------


@dataclass
class _Accumulator:
    first_at: int
    first_author: str
    last_at: int
    last_author: str
    commits: int = 0

    def add(self, when: int, author: str) -> None:
        # The log comes newest first: on equal times the later one seen is older.
        self.commits += 1
        if when <= self.first_at:
            self.first_at, self.first_author = when, author
        if when > self.last_at:
            self.last_at, self.last_author = when, author

    def freeze(self) -> DocHistory:
        return DocHistory(
            first_committed_at=_utc(self.first_at), first_author=self.first_author,
            last_committed_at=_utc(self.last_at), last_author=self.last_author,
            commits=self.commits, uncommitted_changes=False,
        )


_memo: dict[tuple[str, str, str | None], dict[str, DocHistory]] = {}


def _log_facts(root: Path, prefix: str, head: str) -> dict[str, DocHistory]:
    """The log's facts at HEAD: from memory, from the disk cache, or from `git log`."""
    # A shallow clone deepened later has more history at the same HEAD.
    depth = history_depth_marker(root, prefix)
    key = (str(root), head, depth)
    cached = _memo.get(key)
    if cached is not None:
        return cached
    cache = Cache(root) if depth is not None else None
    stamp = (code_fingerprint(), head, depth)
    stored = cache.load(_CACHE_NAME) if cache is not None else None
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == stamp:
        cached = stored[1]
    else:
        out = run_git(root, ["log", "--no-color", "--no-show-signature", f"--format={_LOG_FORMAT}",
                             "--name-status", "-z", "-M", "--relative", "HEAD", "--", *AREAS])
        cached = parse_log(out)
        if cache is not None:
            cache.save(_CACHE_NAME, (stamp, cached))
    if len(_memo) >= _MEMO_SIZE:
        _memo.pop(next(iter(_memo)))
    _memo[key] = cached
    return cached


def parse_log(out: bytes) -> dict[str, DocHistory]:
    """Facts per current path from `git log --name-status -z` output, newest commit first.

    Walking from the newest commit back, a rename maps the old name onto the
    current one; a file added (or deleted) under a name ends that name's
    history, so an earlier file of the same name is not mixed in.
    """
    alias: dict[str, str | None] = {}  # path in an older commit -> current path, None = gone
    facts: dict[str, _Accumulator] = {}
    for record in out.split(_RECORD):
        fields = split_nul(record)
        if len(fields) < 3:
            continue
        when, author = int(fields[1]), fields[2].decode("utf-8", "replace")
        for status, paths in _entries(fields[3:]):
            _apply(status, paths, when, author, alias, facts)
    return {path: acc.freeze() for path, acc in facts.items() if path.endswith(".md")}


def _entries(fields: list[bytes]) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(fields):
        letters = fields[i].strip(b"\n")
        if not letters:
            i += 1
            continue
        status = chr(letters[0])
        count = 2 if status in ("R", "C") else 1
        out.append((status, [decode_path(f) for f in fields[i + 1: i + 1 + count]]))
        i += 1 + count
    return out


def _apply(
    status: str, paths: list[str], when: int, author: str,
    alias: dict[str, str | None], facts: dict[str, _Accumulator],
) -> None:
    if not paths:
        return
    newest = paths[-1]
    current = alias.get(newest, newest)
    if status == "D":
        alias[newest] = None  # deleted: earlier commits of this name are another file
        return
    if current is None:
        return
    acc = facts.get(current)
    if acc is None:
        facts[current] = _Accumulator(when, author, when, author, 1)
    else:
        acc.add(when, author)
    if status in ("A", "R"):
        alias[newest] = None  # the file begins here under this name
    if status == "R":
        alias[paths[0]] = current


def _utc(timestamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)


# --- the working tree -----------------------------------------------------------------


@dataclass
class _WorkingTree:
    """What `git status` says: HEAD, and the documents that differ from it."""

    head: str | None = None  # None before the first commit
    changed: dict[str, str | None] = field(default_factory=dict)  # path -> renamed from
    removed: set[str] = field(default_factory=set)  # deleted, or renamed away


def _working_tree_changes(root: Path, prefix: str) -> _WorkingTree:
    out = run_git(root, ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all",
                         "--renames", "--", *AREAS])
    fields = split_nul(out)
    tree = _WorkingTree()
    i = 0
    while i < len(fields):
        line = fields[i].decode("utf-8", "surrogateescape")
        i += 1
        kind = line[:1]
        if line.startswith("# branch.oid "):
            oid = line.split(" ", 2)[2]
            tree.head = None if oid == "(initial)" else oid
        elif kind == "2":  # a rename in the index: the original path follows
            origin = _root_relative(decode_path(fields[i]), prefix)
            i += 1
            _record(tree, root, _root_relative(line.split(" ", 9)[9], prefix), origin)
            if origin is not None:
                tree.removed.add(origin)
        elif kind in ("1", "u", "?"):
            fixed = {"1": 8, "u": 10, "?": 1}[kind]
            _record(tree, root, _root_relative(line.split(" ", fixed)[fixed], prefix), None)
    return tree


def _record(tree: _WorkingTree, root: Path, rel: str | None, origin: str | None) -> None:
    if rel is None:
        return  # outside the root
    if (root / rel).is_file():
        tree.changed[rel] = origin
    else:
        tree.removed.add(rel)


def _root_relative(repo_path: str, prefix: str) -> str | None:
    return repo_path[len(prefix):] if repo_path.startswith(prefix) else None


def _combine(committed: dict[str, DocHistory], tree: _WorkingTree) -> dict[str, DocHistory]:
    facts = {path: h for path, h in committed.items() if path not in tree.removed}
    for path, origin in tree.changed.items():
        if not path.endswith(".md"):
            continue
        earlier = committed.get(path) or (committed.get(origin) if origin is not None else None)
        facts[path] = replace(earlier, uncommitted_changes=True) if earlier else _UNCOMMITTED
    return facts
