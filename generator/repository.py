"""A knowledge-base root: every document, indexed by id and by path.

Loading reads `incidents/**/*.md` and `kb/**/*.md`, parses and checks each file
on its own (reusing the cached result for files whose content hash has not
changed), and keeps the per-file findings beside the documents.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache, code_fingerprint
from .documents import AnyDocument, Article, Incident, Postmortem
from .findings import Finding
from .loading import content_hash, parse_bytes

AREAS = ("incidents", "kb")
_CACHE_NAME = "documents"
# Below this many files to parse, a process pool costs more than it saves.
PARALLEL_THRESHOLD = 2000


@dataclass
class Repository:
    root: Path
    incidents: list[Incident] = field(default_factory=list)
    postmortems: list[Postmortem] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    # per-file findings (parsing, schema, per-document rules), by path
    file_findings: dict[str, list[Finding]] = field(default_factory=dict)
    # paths of every file read, documents or not
    paths: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self.incident_by_id: dict[str, Incident] = {}
        for inc in self.incidents:
            if inc.id is not None:
                self.incident_by_id.setdefault(inc.id, inc)
        self.article_by_path = {a.path: a for a in self.articles}
        self.document_by_path: dict[str, AnyDocument] = {
            d.path: d for d in self.documents()
        }
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
        candidates = self.postmortems_by_incident.get(incident_id, [])
        published = [p for p in candidates if p.published]
        return (published or candidates or [None])[0]

    def incidents_citing_article(self, path: str) -> list[Incident]:
        """Backlinks: incidents whose `kb` lists the article, or that it lists."""
        article = self.article_by_path.get(path)
        listed = set(article.data.incidents) if article is not None else set()
        out = [i for i in self.incidents if path in {normalise_kb_path(k) for k in i.data.kb}
               or (i.id is not None and i.id in listed)]
        return sorted(out, key=lambda i: i.id or "")

    @property
    def file_count(self) -> int:
        return len(self.paths)


def normalise_kb_path(path: str) -> str:
    """`./kb/x.md`, `kb//x.md` -> `kb/x.md`; keeps anything odd recognisably odd."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def discover(root: Path) -> list[Path]:
    """Every markdown document under the root's areas, sorted, hidden ones skipped."""
    found: list[Path] = []
    for area in AREAS:
        base = root / area
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found.extend(
                Path(dirpath) / name
                for name in sorted(filenames)
                if name.endswith(".md") and not name.startswith(".")
            )
    return found


def _area_of(rel: str) -> str:
    return rel.split("/", 1)[0]


def _check_one(args: tuple[str, bytes]) -> tuple[AnyDocument | None, list[Finding]]:
    from .rules import check_file

    rel, raw = args
    return check_file(parse_bytes(rel, raw), _area_of(rel))


def _check_many(items: list[tuple[str, bytes]], jobs: int | None) -> list[
    tuple[AnyDocument | None, list[Finding]]
]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers > 1 and len(items) >= PARALLEL_THRESHOLD:
        chunk = max(1, len(items) // (workers * 8))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_check_one, items, chunksize=chunk))
    return [_check_one(item) for item in items]


def load_repository(
    root: Path | str,
    *,
    use_cache: bool = True,
    jobs: int | None = None,
) -> Repository:
    """Read every document of a root. Never raises for a document's content."""
    root = Path(root).resolve()
    files = discover(root)
    cache = Cache(root) if use_cache else None
    # The cached findings are only as good as the rules that made them.
    fingerprint = code_fingerprint()
    stored = cache.load(_CACHE_NAME) if cache is not None else None
    cached: dict[str, tuple[str, AnyDocument | None, list[Finding]]] = {}
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == fingerprint:
        cached = stored[1]
    results: dict[str, tuple[str, AnyDocument | None, list[Finding]]] = {}
    todo: list[tuple[str, bytes]] = []
    for abs_path in files:
        rel = abs_path.relative_to(root).as_posix()
        try:
            raw = abs_path.read_bytes()
        except OSError as exc:
            from .findings import error

            results[rel] = ("", None, [error(rel, 1, "unreadable", f"cannot read file: {exc}")])
            continue
        sha = content_hash(raw)
        hit = cached.get(rel)
        if hit is not None and hit[0] == sha:
            results[rel] = hit
        else:
            todo.append((rel, raw))
    for (rel, raw), (doc, findings) in zip(todo, _check_many(todo, jobs)):
        results[rel] = (content_hash(raw), doc, findings)
    if cache is not None and (todo or len(results) != len(cached)):
        cache.save(_CACHE_NAME, (fingerprint, results))
    return _assemble(root, results)


def _assemble(
    root: Path, results: dict[str, tuple[str, AnyDocument | None, list[Finding]]]
) -> Repository:
    repo = Repository(root=root)
    for rel in sorted(results):
        _sha, doc, findings = results[rel]
        repo.paths.append(rel)
        repo.file_findings[rel] = list(findings)
        if isinstance(doc, Incident):
            repo.incidents.append(doc)
        elif isinstance(doc, Postmortem):
            repo.postmortems.append(doc)
        elif isinstance(doc, Article):
            repo.articles.append(doc)
    repo.reindex()
    return repo
