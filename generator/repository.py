"""A knowledge-base root: every document, indexed by id and by path.

Loading reads `incidents/**/*.md` and `kb/**/*.md`, parses and checks each file
on its own (in a process pool for large roots) and keeps the per-file findings
beside the documents.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .documents import AnyDocument, Article, Incident, Postmortem
from .facts import canonical_postmortem
from .findings import Finding, error
from .loading import parse_bytes

AREAS = ("incidents", "kb")
T = TypeVar("T")
# Below this many files to validate, a process pool costs more than it saves.
# bench/run.py ("jobs" rows), speed-up of jobs=2 over jobs=1 on 2 idle cores:
# x1.19 at 1,300 files, x1.50 at 6,500, x1.56 at 13,000 (+5-13% CPU); with the
# cores busy with other work: x0.83, x0.89, x1.62. Whole documents are another
# matter: sending them back from the workers costs 30-60% more CPU for x1.04
# to x1.18 on idle cores (a loss on busy ones), so `load_repository` uses a
# pool only when given `jobs`.
PARALLEL_THRESHOLD = 2000


@dataclass
class Repository:
    root: Path
    incidents: list[Incident] = field(default_factory=list)
    postmortems: list[Postmortem] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self.incident_by_id: dict[str, Incident] = {}
        for inc in self.incidents:
            if inc.id is not None:
                self.incident_by_id.setdefault(inc.id, inc)
        self.article_by_path = {a.path: a for a in self.articles}
        self.document_by_path: dict[str, AnyDocument] = {d.path: d for d in self.documents()}
        self.postmortems_by_incident: dict[str, list[Postmortem]] = {}
        for pm in self.postmortems:
            if pm.incident_id is not None:
                self.postmortems_by_incident.setdefault(pm.incident_id, []).append(pm)

    def documents(self) -> Iterator[AnyDocument]:
        yield from self.incidents
        yield from self.postmortems
        yield from self.articles

    def postmortem_of(self, incident_id: str) -> Postmortem | None:
        """The incident's postmortem, a published one first."""
        return canonical_postmortem(
            self.postmortems_by_incident.get(incident_id, []), lambda p: p.published)


def path_scope(root: Path, paths: Sequence[str]) -> tuple[str, ...]:
    """Root-relative prefixes that PATHS (files or folders) name; () for everything."""
    prefixes: list[str] = []
    for raw in paths:
        p = Path(raw)
        absolute = (p if p.is_absolute() else Path.cwd() / p).resolve()
        try:
            rel = absolute.relative_to(root).as_posix()
        except ValueError:
            rel = Path(raw).as_posix().strip("/")
        if rel in ("", "."):
            return ()
        prefixes.append(rel.rstrip("/"))
    return tuple(prefixes)


def in_scope(path: str, scope: tuple[str, ...]) -> bool:
    """Whether a root-relative path falls under the scope (a prefix test, so a
    finding about a file that no longer exists still belongs to its folder)."""
    return not scope or any(path == s or path.startswith(s + "/") for s in scope)


def discover(root: Path) -> list[str]:
    """Root-relative posix paths of every markdown document, sorted, hidden ones skipped."""
    found: list[str] = []
    root_str = str(root)
    for area in AREAS:
        base = os.path.join(root_str, area)
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = os.path.relpath(dirpath, root_str).replace(os.sep, "/")
            found.extend(
                f"{rel_dir}/{name}"
                for name in sorted(filenames)
                if name.endswith(".md") and not name.startswith(".")
            )
    return found


def read_files(root: Path, files: list[str]) -> Iterator[tuple[str, bytes | None, str]]:
    """(relative path, bytes or None when unreadable, error text) for each file."""
    root_str = str(root)
    for rel in files:
        try:
            with open(os.path.join(root_str, rel), "rb") as fh:
                yield rel, fh.read(), ""
        except OSError as exc:
            yield rel, None, exc.strerror or str(exc)


def unreadable(rel: str, why: str) -> Finding:
    return error(rel, 1, "unreadable", f"cannot read file: {why}")


def check_bytes(rel: str, raw: bytes) -> tuple[AnyDocument | None, list[Finding]]:
    """Parse one file and run the rules that depend on it alone."""
    from .rules import check_file

    return check_file(parse_bytes(rel, raw), rel.split("/", 1)[0])


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while documents are loaded in bulk.

    Loading makes millions of small long-lived objects (values, key lines,
    models) and next to no cycles, yet every few thousand allocations the
    collector rescans them all: a third of the CPU time of a 10,000-file
    validation. Afterwards what was made is frozen (`gc.freeze`) before
    collection resumes: otherwise the first collections after loading scan it
    all at once (1.1 s at 10,000 files, in whatever code runs next). Frozen
    objects are still freed when their last reference goes; only cyclic
    garbage made while loading is kept.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def map_files(func: Callable[[tuple[str, bytes]], T], items: list[tuple[str, bytes]],
              jobs: int | None = None) -> list[T]:
    """`func` over (path, bytes) pairs, in a process pool when there are enough."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    with gc_paused():
        if workers > 1 and len(items) >= PARALLEL_THRESHOLD:
            chunk = max(1, len(items) // (workers * 8))
            with ProcessPoolExecutor(max_workers=workers, initializer=gc.disable) as pool:
                return list(pool.map(func, items, chunksize=chunk))
        return [func(item) for item in items]


def _check_pair(item: tuple[str, bytes]) -> tuple[AnyDocument | None, list[Finding]]:
    return check_bytes(*item)


def load_repository(root: Path | str, *, jobs: int | None = None) -> Repository:
    """Read and check every document of a root. Never raises for a document's content.

    In one process unless `jobs` asks for more (see PARALLEL_THRESHOLD).
    """
    root = Path(root).resolve()
    with gc_paused():
        repo = Repository(root=root)
        items: list[tuple[str, bytes]] = []
        for rel, raw, _why in read_files(root, discover(root)):
            if raw is not None:  # unreadable files are validation's to report
                items.append((rel, raw))
        checked = map_files(_check_pair, items, jobs if jobs is not None else 1)
        for doc, _findings in checked:
            if isinstance(doc, Incident):
                repo.incidents.append(doc)
            elif isinstance(doc, Postmortem):
                repo.postmortems.append(doc)
            elif isinstance(doc, Article):
                repo.articles.append(doc)
        del items, checked  # the raw bytes are garbage now, not long-lived
        repo.reindex()
    return repo
