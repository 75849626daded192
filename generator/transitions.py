"""Lifecycle transitions: what a change may not do to a document that exists at a base revision.

`incidentkb validate --base REV` compares each document that differs between
the working tree and REV with its version at REV:

- `status-regression`: an incident's status moves backwards, unless the change
  records the reopening (a new `reopened` entry whose `from_status` is the
  status at REV; see docs/reopening.md);
- `id-changed`, `detected-at-changed`: both are fixed once recorded;
- `incident-deleted`: an incident's id disappears (deleted, or renamed into
  something that is not that incident); a move that keeps the id is fine;
- `postmortem-unpublished`: a published postmortem goes back to draft or
  in-review, or is deleted.

Git runs four times whatever the size of the change: `rev-parse` twice (where
the root sits; REV), `diff --raw` (what changed, with the blob of each file at
REV) and one `cat-file --batch` that streams every base blob; nothing is
checked out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .documents import AnyDocument, Incident, Postmortem
from .errors import UsageProblem
from .facts import FactIndex
from .findings import Finding, error
from .gitutil import GitError, GitMissing, Worktree, decode_path, find_worktree, run_git, split_nul
from .loading import parse_bytes
from .repository import AREAS, Repository, in_scope, path_scope
from .schema import Reopening, status_rank

_REGULAR_FILE_MODES = (b"100644", b"100755")
_HEX_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")


@dataclass(frozen=True)
class Base:
    """The revision documents are compared with."""

    name: str  # as the user wrote it: origin/main, v1.2, a1b2c3d
    commit: str  # full object id
    worktree: Worktree

    @property
    def label(self) -> str:
        short = self.commit[:10]
        return self.name if self.name.startswith(short) else f"{self.name} ({short})"


@dataclass(frozen=True)
class Change:
    """One document that differs between the base revision and the working tree."""

    status: str  # git's letter: M (modified), D (deleted), R (renamed), T (type changed)
    old_path: str  # root-relative path at the base
    new_path: str | None  # root-relative path in the working tree; None when deleted
    old_blob: str  # object id of the file at the base


def check_transitions(repo: Repository, base: str, paths: Sequence[str] = ()) -> list[Finding]:
    """Findings about how each document changed since `base` (a branch, tag or commit).

    Raises UsageProblem when `base` cannot be used: no git, no repository,
    an unknown revision, or one missing from a shallow clone (with the
    `git fetch` that brings it).
    """
    return _check(_LoadedRepository(repo), base, paths)


def check_transitions_from_facts(
    root: Path, index: FactIndex, base: str, paths: Sequence[str] = ()
) -> list[Finding]:
    """`check_transitions` without loading every document: the facts index
    answers "which file holds this id", and only changed files are parsed."""
    return _check(_IndexedRepository(root.resolve(), index), base, paths)


def _check(current: _Current, base: str, paths: Sequence[str]) -> list[Finding]:
    resolved = resolve_base(current.root, base)
    changes = changed_documents(current.root, resolved, path_scope(current.root, paths))
    blobs = read_blobs(current.root, [c.old_blob for c in changes])
    findings: list[Finding] = []
    for change in changes:
        raw = blobs.get(change.old_blob)
        if raw is None:
            continue
        old_doc = parse_document(change.old_path, raw)
        if old_doc is not None:
            findings.extend(_check_change(current, resolved, change, old_doc))
    return findings


# --- the working tree's side -------------------------------------------------------


class _Current(Protocol):
    """What the rules ask of the working tree."""

    root: Path

    def document(self, path: str) -> AnyDocument | None: ...

    def incident_with_id(self, incident_id: str) -> Incident | None: ...

    def has_published_postmortem(self, incident_id: str) -> bool: ...


class _LoadedRepository:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.root = repo.root

    def document(self, path: str) -> AnyDocument | None:
        return self.repo.document_by_path.get(path)

    def incident_with_id(self, incident_id: str) -> Incident | None:
        return self.repo.incident_by_id.get(incident_id)

    def has_published_postmortem(self, incident_id: str) -> bool:
        return any(p.published for p in self.repo.postmortems_by_incident.get(incident_id, []))


class _IndexedRepository:
    def __init__(self, root: Path, index: FactIndex) -> None:
        self.root = root
        self.index = index
        self.known = {f.path for f in index.facts}
        self.parsed: dict[str, AnyDocument | None] = {}

    def document(self, path: str) -> AnyDocument | None:
        if path not in self.known:
            return None  # not a document, or one that cannot be read
        if path not in self.parsed:
            try:
                raw = (self.root / path).read_bytes()
            except OSError:
                raw = None
            self.parsed[path] = parse_document(path, raw) if raw is not None else None
        return self.parsed[path]

    def incident_with_id(self, incident_id: str) -> Incident | None:
        for path in self.index.paths_by_id.get(incident_id, []):
            doc = self.document(path)
            if isinstance(doc, Incident):
                return doc
        return None

    def has_published_postmortem(self, incident_id: str) -> bool:
        return any(p.status == "published"
                   for p in self.index.postmortems_by_incident.get(incident_id, []))


# --- git: the base revision, the changes, the blobs -------------------------------


def resolve_base(root: Path, base: str) -> Base:
    """REV as a commit of the checkout holding `root`, or a UsageProblem saying what to do."""
    if not base.strip() or base.startswith("-"):
        raise UsageProblem(f"--base: '{base}' is not a revision (a branch, tag or commit)")
    try:
        worktree = find_worktree(root)
    except GitMissing:
        raise UsageProblem("--base needs git, which is not installed (or not on PATH)") from None
    except GitError as exc:
        if "not a git repository" in exc.message:
            raise UsageProblem(
                f"--base {base}: {root} is not inside a git repository; "
                "run without --base, or in a clone of the repository"
            ) from None
        raise UsageProblem(f"--base {base}: git cannot use the repository at {root}: "
                           f"{exc.message}") from None
    try:
        out = run_git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options",
                             f"{base}^{{commit}}"])
    except GitError:
        raise UsageProblem(_missing_revision_message(root, base, worktree)) from None
    return Base(name=base, commit=out.decode("ascii").strip(), worktree=worktree)


def _missing_revision_message(root: Path, base: str, worktree: Worktree) -> str:
    remotes = _remotes(root)
    relative = any(mark in base for mark in ("~", "^", "@"))
    if not worktree.shallow and (not remotes or relative):
        return (f"--base: unknown revision '{base}' (not a branch, tag or commit of this "
                "repository; `git branch -a` and `git tag` list what there is)")
    fetch = fetch_command(base, remotes, shallow=worktree.shallow)
    if worktree.shallow:
        return (
            f"--base: revision '{base}' is not in this shallow clone. Fetch it first:\n"
            f"  {fetch}\n"
            "or fetch the whole history with `git fetch --unshallow` "
            "(in GitHub Actions: actions/checkout with `fetch-depth: 0`)"
        )
    return (
        f"--base: unknown revision '{base}' (not a branch, tag or commit of this repository); "
        f"if it lives on a remote, fetch it first:\n  {fetch}"
    )


def _remotes(root: Path) -> list[str]:
    try:
        return run_git(root, ["remote"]).decode("utf-8", "replace").split()
    except (GitError, GitMissing):
        return []


def fetch_command(base: str, remotes: Sequence[str], shallow: bool = True) -> str:
    """The `git fetch` that makes `base` resolvable (fetching only what is needed in a
    shallow clone; a complete clone stays complete)."""
    remote = "origin" if "origin" in remotes or not remotes else remotes[0]
    depth = "--depth=1 " if shallow else ""
    name = base
    for prefix in ("refs/remotes/", "remotes/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    head, _, rest = name.partition("/")
    if rest and head in remotes:
        return f"git fetch {depth}{head} {rest}:refs/remotes/{head}/{rest}"
    if name.startswith("refs/tags/"):
        return f"git fetch {depth}{remote} tag {name[len('refs/tags/'):]}"
    if _HEX_RE.match(name):
        return f"git fetch {depth}{remote} {name}"
    if any(mark in name for mark in ("~", "^", "@")):
        return "git fetch --deepen=100  (repeat, or use --unshallow, until the revision resolves)"
    return (f"git fetch {depth}{remote} {name}:refs/remotes/{remote}/{name}  "
            f"(then use --base {remote}/{name})")


def changed_documents(root: Path, base: Base, scope: tuple[str, ...] = ()) -> list[Change]:
    """Markdown documents under incidents/ and kb/ whose content differs from the base."""
    out = run_git(root, ["diff", "--raw", "-z", "-M", "--no-abbrev", "--relative",
                         "--no-ext-diff", base.commit, "--", *AREAS])
    changes: list[Change] = []
    fields = split_nul(out)
    i = 0
    while i < len(fields):
        header = fields[i]
        if not header.startswith(b":"):  # not a record start; resynchronise
            i += 1
            continue
        old_mode, _new_mode, old_blob, _new_blob, letters = header[1:].split(b" ")[:5]
        status = letters[:1].decode("ascii")
        count = 2 if status in ("R", "C") else 1
        names = [decode_path(f) for f in fields[i + 1: i + 1 + count]]
        i += 1 + count
        if status not in ("M", "D", "R", "T") or old_mode not in _REGULAR_FILE_MODES:
            continue  # added (nothing to compare with), unmerged, symlinks, submodules
        old_path = names[0]
        new_path = None if status == "D" else names[-1]
        if not old_path.endswith(".md"):
            continue
        if not (in_scope(old_path, scope) or (new_path and in_scope(new_path, scope))):
            continue
        changes.append(Change(status, old_path, new_path, old_blob.decode("ascii")))
    return changes


def read_blobs(root: Path, object_ids: Iterable[str]) -> dict[str, bytes]:
    """The content of many blobs through one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(object_ids))
    if not wanted:
        return {}
    out = run_git(root, ["cat-file", "--batch"], stdin="".join(f"{o}\n" for o in wanted).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) != 3:  # "<object> missing" or "ambiguous"
            continue
        oid, _kind, size = header[0].decode("ascii"), header[1], int(header[2])
        blobs[oid] = out[pos: pos + size]
        pos += size + 1  # the content is followed by a newline
    return blobs


def parse_document(rel_path: str, raw: bytes) -> AnyDocument | None:
    """A document from its bytes, parsed and typed as `load_repository` does."""
    from .rules import check_file

    area = rel_path.split("/", 1)[0]
    doc, _findings = check_file(parse_bytes(rel_path, raw), area)
    return doc


# --- the rules ----------------------------------------------------------------------


def _check_change(
    repo: _Current, base: Base, change: Change, old: AnyDocument
) -> Iterator[Finding]:
    current = repo.document(change.new_path) if change.new_path else None
    if isinstance(old, Incident):
        yield from _check_incident_change(repo, base, change, old, current)
    elif isinstance(old, Postmortem):
        yield from _check_postmortem_change(repo, base, change, old, current)


def _check_incident_change(
    repo: _Current, base: Base, change: Change, old: Incident, current: AnyDocument | None
) -> Iterator[Finding]:
    if old.id is None:
        return  # the base version had no valid id: nothing to hold the change to
    if isinstance(current, Incident):
        if current.id is not None:  # else its invalid id is reported already
            yield from compare_incidents(old, current, base.label)
        return
    if current is None and _exists(repo, change.new_path):
        return  # the file is there but unreadable now: its own findings say why
    moved = repo.incident_with_id(old.id)
    if moved is not None:
        # Deleted here but the same incident lives on elsewhere (a move git
        # did not pair, e.g. to a new untracked file): compare with that.
        yield from compare_incidents(old, moved, base.label)
        return
    where = change.new_path if current is not None and change.new_path else change.old_path
    gone = "was deleted" if change.new_path is None else f"was renamed to {change.new_path}"
    yield error(
        where, 1, "incident-deleted",
        f"incident {old.id} ({change.old_path} at {base.label}) {gone} and its id is gone",
        f"incidents are permanent records: restore it with "
        f"`git checkout {base.name} -- {change.old_path}`; a mistaken incident stays, "
        "with an explanation in its body",
    )


def compare_incidents(old: Incident, new: Incident, base_label: str) -> Iterator[Finding]:
    """Transition findings between two versions of one incident."""
    if old.id is not None and new.id is not None and old.id != new.id:
        yield error(
            new.path, new.line_of("id"), "id-changed",
            f"id changed from {old.id} at {base_label} to {new.id}",
            f"an incident keeps its id for life (links, pages and reports use it): restore "
            f"`id: {old.id}`; for another incident, create a new file with `incidentkb new`",
        )
    before, after = old.data.detected_at, new.data.detected_at
    if before is not None and after is not None and before != after:
        yield error(
            new.path, new.line_of("detected_at"), "detected-at-changed",
            f"detected_at changed from {_iso(before)} at {base_label} to {_iso(after)}",
            f"every duration in reports is measured from it: restore `detected_at: "
            f"{_iso(before)}` and note any correction in the timeline in the body",
        )
    yield from _status_regression(old, new, base_label)


def _status_regression(old: Incident, new: Incident, base_label: str) -> Iterator[Finding]:
    before, after = old.data.status, new.data.status
    if before is None or after is None or status_rank(after) >= status_rank(before):
        return
    added = new_reopenings(old, new)
    if any(r.from_status == before for _, r in added):
        return
    message = f"status moved back from '{before}' at {base_label} to '{after}'"
    for index, entry in added:
        named = entry.from_status or "nothing"
        yield error(
            new.path, new.line_of("reopened", index, "from_status"), "status-regression",
            f"{message}, but the new `reopened` entry gives from_status {named}",
            f"set `from_status: {before}`, the status at {base_label}",
        )
        return
    yield error(
        new.path, new.line_of("status"), "status-regression",
        f"{message} without recording a reopening",
        "to reopen it, add an entry to `reopened`: "
        f"`- {{at: {_iso(_now_minute())}, from_status: {before}, reason: why it came back}}` "
        "(see docs/reopening.md)",
    )


def new_reopenings(old: Incident, new: Incident) -> list[tuple[int, Reopening]]:
    """`reopened` entries of `new` (with their index) that `old` does not have."""
    seen = [(r.at, r.reason, r.from_status) for r in old.data.reopened]
    out = []
    for index, entry in enumerate(new.data.reopened):
        key = (entry.at, entry.reason, entry.from_status)
        if key in seen:
            seen.remove(key)
        else:
            out.append((index, entry))
    return out


def _check_postmortem_change(
    repo: _Current, base: Base, change: Change, old: Postmortem, current: AnyDocument | None
) -> Iterator[Finding]:
    if not old.published:
        return
    if isinstance(current, Postmortem):
        if current.data.status in ("draft", "in-review"):
            yield error(
                current.path, current.line_of("status"), "postmortem-unpublished",
                f"postmortem status moved back from 'published' at {base.label} to "
                f"'{current.data.status}'",
                "a published postmortem stays published: correct it in place, and say what "
                "changed and why in the document",
            )
        return
    if _exists(repo, change.new_path):
        return  # renamed into something unreadable or another kind: its own findings
    incident = old.incident_id
    if incident is not None and repo.has_published_postmortem(incident):
        return  # moved, or replaced by another published postmortem of the incident
    yield error(
        change.old_path, 1, "postmortem-unpublished",
        f"the published postmortem of {incident or 'an incident'} ({change.old_path} at "
        f"{base.label}) was deleted",
        f"restore it with `git checkout {base.name} -- {change.old_path}`",
    )


def _exists(repo: _Current, rel_path: str | None) -> bool:
    return rel_path is not None and (repo.root / rel_path).is_file()


def _iso(value: dt.datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _now_minute() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
