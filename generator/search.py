"""Full-text search: a whoosh (BM25F) index of every document, and queries.

The index lives in `<cache>/search/` and is refreshed by content hash on every
use: documents that were added, changed or removed since the last run are
added, replaced or deleted, so it is never stale. whoosh unpickles parts of
its files when it opens an index, so an index folder is only opened when a
manifest signed with the user's cache key (see `cache.Cache`) vouches for the
hash of every file in it; anything else (a folder planted in a repository, a
half-written index, an older schema) is wiped and rebuilt from scratch.

Queries are whoosh's syntax (words, "phrases", AND/OR/NOT, parentheses,
`title:word`) plus field filters handled here, with checked values:
`severity:SEV1`, `status:resolved`, `type:security`, `service:payments-api`,
`tag:database`, `category:config-change`, `kind:postmortem`, comma for
alternatives (`severity:SEV1,SEV2`), a leading `-` to exclude, and date ranges
`detected:2026-01..2026-03`, `detected:2026-01-05..`, `detected:..2026`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from whoosh import highlight, index, query
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.index import LockError
from whoosh.qparser import MultifieldParser
from whoosh.searching import Hit
from whoosh.util.filelock import FileLock

from .cache import Cache
from .documents import AnyDocument, Article, Incident, Postmortem
from .repository import Repository
from .schema import (
    ARTICLE_KINDS,
    DETECTION_METHODS,
    POSTMORTEM_STATUSES,
    ROOT_CAUSE_CATEGORIES,
    SEVERITIES,
    STATUSES,
    TYPES,
)

SCHEMA_VERSION = "search-1"
_MANIFEST = "search-manifest"
_DIR_NAME = "search"
_WRITE_TIMEOUT = 5.0
# From this many documents to (re)index, whoosh writes with several processes.
_PARALLEL_THRESHOLD = 1000

# Text fields the query parser searches by default, and their boosts.
TEXT_FIELDS = ("title", "impact", "root_cause", "resolution", "body", "postmortem", "keywords")
_BOOSTS = {"id": 6.0, "title": 3.0, "keywords": 2.0, "root_cause": 1.5, "impact": 1.2}
# Where a snippet is looked for, in order.
_SNIPPET_FIELDS = ("body", "postmortem", "root_cause", "impact", "resolution", "title")

KINDS = ("incident", "postmortem", "article")
# filter name -> (index field, allowed values or None for free-form)
FILTERS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "severity": ("severity", SEVERITIES),
    "sev": ("severity", SEVERITIES),
    "status": ("status", tuple(dict.fromkeys(STATUSES + POSTMORTEM_STATUSES))),
    "type": ("type", TYPES + ARTICLE_KINDS),
    "kind": ("kind", KINDS + ARTICLE_KINDS),
    "service": ("services", None),
    "services": ("services", None),
    "tag": ("tags", None),
    "tags": ("tags", None),
    "category": ("category", ROOT_CAUSE_CATEGORIES),
    "cause": ("category", ROOT_CAUSE_CATEGORIES),
    "method": ("method", DETECTION_METHODS),
    "id": ("id", None),
}
DATE_FILTERS = ("detected", "date")


class QueryError(ValueError):
    """The query cannot be understood; the message says why."""


@dataclass(frozen=True)
class SearchHit:
    """One result, as `search --json` prints it (`snippet` without markers)."""

    id: str
    title: str
    path: str
    kind: str
    score: float
    snippet: str
    # the snippet with matches between MARK_START and MARK_END, for display
    marked: str = ""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        del out["marked"]
        return out


@dataclass(frozen=True)
class RefreshStats:
    """What the last refresh did to the index."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    rebuilt: bool = False


MARK_START, MARK_END = "\x02", "\x03"


def _schema() -> Schema:
    text = StemmingAnalyzer()
    keyword = {"lowercase": True, "commas": True, "scorable": False}
    return Schema(
        path=ID(stored=True, unique=True),
        id=KEYWORD(lowercase=True, scorable=True, field_boost=_BOOSTS["id"]),
        kind=KEYWORD(**keyword),
        status=KEYWORD(**keyword),
        severity=KEYWORD(**keyword),
        type=KEYWORD(**keyword),
        services=KEYWORD(**keyword),
        tags=KEYWORD(**keyword),
        category=KEYWORD(**keyword),
        method=KEYWORD(**keyword),
        detected=DATETIME(sortable=True),
        **{name: TEXT(analyzer=text, field_boost=_BOOSTS.get(name, 1.0))
           for name in TEXT_FIELDS},
    )


# --- documents -> index fields ----------------------------------------------


def _utc_naive(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _join(values: Any) -> str:
    return ",".join(str(v).strip() for v in values or () if str(v).strip())


def _incident_fields(inc: Incident, postmortem: Postmortem | None) -> dict[str, Any]:
    d = inc.data
    resolution = ""
    if d.resolution is not None:
        resolution = "\n".join([d.resolution.summary, *(s.action for s in d.resolution.steps)])
    return {
        "id": inc.id or inc.stem,
        "status": d.status or "",
        "severity": d.severity or "",
        "type": d.type or "",
        "services": _join(d.services),
        "tags": _join(d.tags),
        "category": d.root_cause.category if d.root_cause else "",
        "method": d.detection.method if d.detection else "",
        "detected": _utc_naive(d.detected_at),
        "title": inc.title,
        "impact": d.impact.summary if d.impact else "",
        "root_cause": d.root_cause.summary if d.root_cause else "",
        "resolution": resolution,
        "body": inc.body,
        "postmortem": postmortem.body if postmortem is not None else "",
        "keywords": " ".join([inc.id or "", *(d.services or ()), *d.tags]),
    }


def _postmortem_fields(pm: Postmortem, inc: Incident | None) -> dict[str, Any]:
    """A postmortem also carries its incident's facets, so filters find it."""
    facets: dict[str, Any] = {}
    if inc is not None:
        full = _incident_fields(inc, None)
        facets = {k: full[k] for k in ("severity", "type", "services", "category",
                                       "method", "detected")}
        facets["tags"] = _join([*inc.data.tags, *pm.data.tags])
    return {
        **facets,
        "id": pm.incident_id or pm.stem,
        "status": pm.data.status or "",
        "title": pm.title,
        "body": pm.body,
        "keywords": " ".join([pm.incident_id or "", *pm.data.tags]),
    }


def _article_fields(article: Article) -> dict[str, Any]:
    d = article.data
    return {
        "id": article.path,
        "type": d.kind or "",
        "services": _join(d.services),
        "tags": _join(d.tags),
        "title": article.title,
        "body": article.body,
        "keywords": " ".join([*d.services, *d.tags]),
    }


@dataclass(frozen=True)
class _Entry:
    """A document to index, its key (changes when its indexed content may)."""

    doc: AnyDocument
    key: str


def _entries(repo: Repository) -> dict[str, _Entry]:
    out: dict[str, _Entry] = {}
    for inc in repo.incidents:
        pm = repo.postmortem_of(inc.id) if inc.id else None
        out[inc.path] = _Entry(inc, f"{inc.sha}:{pm.sha if pm else '-'}")
    for review in repo.postmortems:
        reviewed = repo.incident_by_id.get(review.incident_id or "")
        out[review.path] = _Entry(review, f"{review.sha}:{reviewed.sha if reviewed else '-'}")
    for article in repo.articles:
        out[article.path] = _Entry(article, article.sha)
    return out


def _fields(repo: Repository, doc: AnyDocument) -> dict[str, Any]:
    if isinstance(doc, Incident):
        pm = repo.postmortem_of(doc.id) if doc.id else None
        fields = _incident_fields(doc, pm)
        kind = "incident"
    elif isinstance(doc, Postmortem):
        fields = _postmortem_fields(doc, repo.incident_by_id.get(doc.incident_id or ""))
        kind = "postmortem"
    else:
        fields = _article_fields(doc)
        kind = f"article,{doc.data.kind}" if doc.data.kind else "article"
    fields = {k: v for k, v in fields.items() if v not in ("", None)}
    return {**fields, "path": doc.path, "kind": kind}


# --- the index on disk ------------------------------------------------------


def _file_hash(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def _files_digest(directory: Path) -> dict[str, str]:
    """Hash of every file of the index folder (a writer's lock and scratch aside)."""
    out: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if "LOCK" in path.name or path.name.endswith(".tmp"):
            continue
        if path.is_symlink() or not path.is_file():
            out[path.name] = "not-a-file"
            continue
        out[path.name] = _file_hash(path)
    return out


def _matches(directory: Path, recorded: Any) -> bool:
    """Whether the folder holds exactly the files we wrote.

    whoosh opens the newest table of contents (`*.toc`) and the segment files
    it names, and ignores other files (a cancelled writer's leftovers), so:
    every recorded file must be unchanged, and no other `.toc` may exist.
    """
    if not isinstance(recorded, dict) or not recorded:
        return False
    for name, digest in recorded.items():
        path = directory / name
        if path.is_symlink() or not path.is_file() or _file_hash(path) != digest:
            return False
    return all(p.name in recorded for p in directory.glob("*.toc"))


def _wipe(directory: Path) -> None:
    """Remove the index folder whatever it holds (a symlink is unlinked, not
    followed); LockError while another incidentkb is writing into it."""
    lock_file = directory / "MAIN_WRITELOCK"
    if directory.is_dir() and not directory.is_symlink() and lock_file.is_file() \
            and not lock_file.is_symlink():
        lock = FileLock(str(lock_file))
        if not lock.acquire(blocking=False):
            raise LockError("the search index is being written by another process")
        lock.release()
    if directory.is_symlink() or directory.is_file():
        directory.unlink()
    elif directory.exists():
        shutil.rmtree(directory)


def _writer_options(documents: int) -> dict[str, Any]:
    """whoosh indexes in pure Python: many documents are split between processes."""
    workers = min(4, os.cpu_count() or 1)
    if workers > 1 and documents >= _PARALLEL_THRESHOLD:
        return {"procs": workers, "multisegment": True, "limitmb": 128}
    return {}


class SearchIndex:
    """The search index of a repository, refreshed when opened.

    With `use_cache=False` the index is built in memory and nothing is written.
    """

    def __init__(self, repo: Repository, *, use_cache: bool = True) -> None:
        self.repo = repo
        self.entries = _entries(repo)
        self.cache = Cache(repo.root) if use_cache else None
        self.stats = RefreshStats()
        if self.cache is not None and self.cache.enabled:
            self.directory: Path | None = self.cache.dir / _DIR_NAME
            self.ix = self._open_on_disk()
        else:
            self.directory = None
            self.ix = self._build_in_memory()

    # building

    def _add_all(self, writer: Any, paths: list[str]) -> None:
        for path in paths:
            writer.add_document(**_fields(self.repo, self.entries[path].doc))

    def _build_in_memory(self) -> index.Index:
        ix = RamStorage().create_index(_schema())
        writer = ix.writer()
        self._add_all(writer, sorted(self.entries))
        writer.commit()
        self.stats = RefreshStats(added=len(self.entries), rebuilt=True)
        return ix

    def _trusted_manifest(self) -> dict[str, str] | None:
        """The indexed keys by path, if the folder is exactly what we wrote."""
        assert self.cache is not None and self.directory is not None
        manifest = self.cache.load(_MANIFEST)
        if not (isinstance(manifest, dict) and manifest.get("schema") == SCHEMA_VERSION):
            return None
        directory = self.directory
        if directory.is_symlink() or not directory.is_dir():
            return None
        try:
            if not _matches(directory, manifest.get("files")):
                return None
        except OSError:
            return None
        docs = manifest.get("docs")
        return docs if isinstance(docs, dict) else None

    def _save_manifest(self, docs: dict[str, str]) -> None:
        assert self.cache is not None and self.directory is not None
        self.cache.save(_MANIFEST, {"schema": SCHEMA_VERSION, "docs": docs,
                                    "files": _files_digest(self.directory)})

    def _open_on_disk(self) -> index.Index:
        assert self.directory is not None
        try:
            indexed = self._trusted_manifest()
            if indexed is None:
                return self._rebuild()
            ix = index.open_dir(str(self.directory))
            return self._update(ix, indexed)
        except LockError:
            # another incidentkb is writing the index: answer from memory
            return self._build_in_memory()
        except (OSError, index.IndexError, EOFError, ValueError):
            try:
                return self._rebuild()
            except (OSError, LockError):
                return self._build_in_memory()

    def _rebuild(self) -> index.Index:
        assert self.directory is not None and self.cache is not None
        self.cache.save(_MANIFEST, None)  # a crash from here on leaves no trusted manifest
        _wipe(self.directory)
        self.directory.mkdir(parents=True)
        ix = index.create_in(str(self.directory), _schema())
        writer = ix.writer(timeout=_WRITE_TIMEOUT, **_writer_options(len(self.entries)))
        self._add_all(writer, sorted(self.entries))
        writer.commit()
        self._save_manifest({p: e.key for p, e in self.entries.items()})
        self.stats = RefreshStats(added=len(self.entries), rebuilt=True)
        return ix

    def _update(self, ix: index.Index, indexed: dict[str, str]) -> index.Index:
        """Add, replace and delete only the documents whose key changed."""
        current = {p: e.key for p, e in self.entries.items()}
        deleted = [p for p in indexed if p not in current]
        added = [p for p in current if p not in indexed]
        updated = [p for p in current if p in indexed and indexed[p] != current[p]]
        if not (deleted or added or updated):
            return ix
        writer = ix.writer(timeout=_WRITE_TIMEOUT, **_writer_options(len(added + updated)))
        try:
            for path in deleted + updated:
                writer.delete_by_term("path", path)
            self._add_all(writer, sorted(added + updated))
        except BaseException:
            writer.cancel()
            raise
        self.cache.save(_MANIFEST, None)  # type: ignore[union-attr]
        writer.commit()
        self._save_manifest(current)
        self.stats = RefreshStats(added=len(added), updated=len(updated), deleted=len(deleted))
        return ix

    # searching

    def search(self, text: str, limit: int = 10) -> list[SearchHit]:
        """The best `limit` documents for a query (QueryError when malformed)."""
        parsed = parse_query(text, self.ix.schema)
        with self.ix.searcher() as searcher:
            try:
                return self._run(searcher, parsed, limit)
            except query.QueryError as exc:  # e.g. a phrase on a field without positions
                raise QueryError(str(exc)) from None

    def _run(self, searcher: Any, parsed: ParsedQuery, limit: int) -> list[SearchHit]:
        """Ranked by BM25F; by detection date (newest first) for filters alone."""
        if parsed.has_text:
            results = searcher.search(parsed.query, limit=limit, terms=True)
        else:
            results = searcher.search(parsed.query, limit=limit, sortedby="detected",
                                      reverse=True)
        results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=70)
        results.formatter = _MarkFormatter()
        hits = [self._hit(hit, parsed.has_text) for hit in results
                if hit.get("path") in self.entries]
        # equal scores (an id match, say): the incident before its postmortem
        return sorted(hits, key=lambda h: (-h.score, KINDS.index(h.kind))) if parsed.has_text \
            else hits

    def _hit(self, hit: Hit, has_text: bool) -> SearchHit:
        path = hit["path"]
        doc = self.entries[path].doc
        marked = _snippet(hit, _fields(self.repo, doc)) if has_text else ""
        if not marked:
            marked = _lead(doc.body)
        if isinstance(doc, Incident):
            ident = doc.id or doc.stem
        elif isinstance(doc, Postmortem):
            ident = doc.incident_id or doc.stem
        else:
            ident = doc.path
        return SearchHit(
            id=ident, title=doc.title, path=path, kind=doc.kind,
            score=round(float(hit.score or 0.0), 4) if has_text else 1.0,
            snippet=marked.replace(MARK_START, "").replace(MARK_END, ""), marked=marked,
        )


class _MarkFormatter(highlight.Formatter):
    """Matches between control characters; fragments joined by an ellipsis."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"{MARK_START}{highlight.get_text(text, token, replace)}{MARK_END}"


_SPACES = re.compile(r"\s+")


def _snippet(hit: Hit, fields: dict[str, Any]) -> str:
    for name in _SNIPPET_FIELDS:
        text = fields.get(name)
        if not text:
            continue
        found = hit.highlights(name, text=plain_text(text), top=2)
        if found:
            return _SPACES.sub(" ", found).strip()
    return ""


_MARKDOWN = re.compile(
    r"```[^\n]*|`|\*\*|__|!?\[([^\]]*)\]\([^)]*\)|^\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+"
    r"|^\s*\|?\s*:?-{3,}.*$|\|",
    re.MULTILINE,
)


def plain_text(markdown: str) -> str:
    """Markdown reduced to its words, for snippets (links keep their text)."""
    return _MARKDOWN.sub(lambda m: f" {m.group(1)} " if m.group(1) else " ", markdown)


def _lead(body: str, chars: int = 200) -> str:
    """The first words of a body, for hits without a highlighted match."""
    text = _SPACES.sub(" ", plain_text(body)).strip()
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"


def search(repo: Repository, text: str, limit: int = 10, *,
           use_cache: bool = True) -> list[SearchHit]:
    """Search a repository's documents (refreshing the index first)."""
    return SearchIndex(repo, use_cache=use_cache).search(text, limit)


# --- queries ----------------------------------------------------------------


@dataclass(frozen=True)
class ParsedQuery:
    query: query.Query
    has_text: bool


_TOKEN = re.compile(r'-?[A-Za-z_]+:"[^"]*"|"[^"]*"|[^\s"]+')
_ID_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9]*-[0-9][0-9-]*")
_FIELD = re.compile(r"(-?)([A-Za-z_]+):(.*)", re.DOTALL)


def _tokens(text: str) -> Iterator[str]:
    if text.count('"') % 2:
        raise QueryError('unbalanced quote: a phrase needs a closing "')
    depth = 0
    for char in re.sub(r'"[^"]*"', "", text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError("unbalanced parentheses: ')' without '('")
    if depth:
        raise QueryError("unbalanced parentheses: '(' without ')'")
    yield from _TOKEN.findall(text)


def _unknown_field(name: str) -> QueryError:
    known = sorted({*FILTERS, *DATE_FILTERS, *TEXT_FIELDS})
    close = difflib.get_close_matches(name.lower(), known, n=1)
    hint = f"; did you mean {close[0]}:?" if close else ""
    return QueryError(f"unknown field {name!r}{hint} (known: {', '.join(known)})")


def _keyword_filter(name: str, value: str) -> query.Query:
    field, allowed = FILTERS[name]
    values = [v.strip().strip('"') for v in value.split(",") if v.strip().strip('"')]
    if not values:
        raise QueryError(f"{name}: needs a value")
    if allowed is not None:
        lowered = {a.lower(): a for a in allowed}
        for v in values:
            if v.lower() not in lowered:
                raise QueryError(f"{name}: {v!r} is not one of {', '.join(allowed)}")
    terms = [query.Term(field, v.lower()) for v in values]
    return terms[0] if len(terms) == 1 else query.Or(terms)


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _period(text: str, name: str) -> tuple[dt.datetime, dt.datetime]:
    """`2026`, `2026-03` or `2026-03-05` -> [start, end) of that period."""
    m = _DATE.fullmatch(text.strip())
    if m is None:
        raise QueryError(f"{name}: {text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
        mon = int(month)
        if day is None:
            start = dt.datetime(year, mon, 1)
            days = calendar.monthrange(year, mon)[1]
            return start, start + dt.timedelta(days=days)
        start = dt.datetime(year, mon, int(day))
        return start, start + dt.timedelta(days=1)
    except ValueError as exc:
        raise QueryError(f"{name}: {text!r} is not a valid date ({exc})") from None


def _date_filter(name: str, value: str) -> query.Query:
    value = value.strip('"')
    if ".." in value:
        low, _, high = value.partition("..")
        if not low and not high:
            raise QueryError(f"{name}: a range needs at least one end (2026-01..2026-03)")
        start = _period(low, name)[0] if low else None
        end = _period(high, name)[1] if high else None
    else:
        start, end = _period(value, name)
    if start is not None and end is not None and start >= end:
        raise QueryError(f"{name}: the range {value!r} is empty (start after end)")
    return query.DateRange("detected", start, end, endexcl=True)


def parse_query(text: str, schema: Schema | None = None) -> ParsedQuery:
    """A query string -> whoosh query. Raises QueryError when malformed."""
    if not text or not text.strip():
        raise QueryError("empty query")
    schema = schema or _schema()
    free: list[str] = []
    include: list[query.Query] = []
    exclude: list[query.Query] = []
    for token in _tokens(text):
        m = _FIELD.fullmatch(token)
        name = m.group(2).lower() if m else ""
        if m is None and _ID_LIKE.fullmatch(token):
            # the document itself first, then those that mention it
            free.append(f'(id:{token}^20 OR "{token}")')
            continue
        if m is None or name in TEXT_FIELDS:
            free.append(token)
            continue
        negate, value = m.group(1) == "-", m.group(3)
        if name in FILTERS:
            clause = _keyword_filter(name, value)
        elif name in DATE_FILTERS:
            clause = _date_filter(name, value)
        elif value.startswith("/"):  # a URL such as https://...
            free.append(token)
            continue
        else:
            raise _unknown_field(m.group(2))
        (exclude if negate else include).append(clause)
    clauses = list(include)
    has_text = False
    if free:
        parser = MultifieldParser(list(TEXT_FIELDS), schema)
        parsed = parser.parse(" ".join(free))
        if parsed is not query.NullQuery:
            clauses.insert(0, parsed)
            has_text = True
    if not clauses:
        if not exclude:
            raise QueryError("the query has no words to search for (only common words?)")
        clauses = [query.Every()]
    combined: query.Query = clauses[0] if len(clauses) == 1 else query.And(clauses)
    if exclude:
        combined = query.AndNot(combined, exclude[0] if len(exclude) == 1 else query.Or(exclude))
    return ParsedQuery(combined, has_text)
