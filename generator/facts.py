"""What the repository-wide and clock-dependent rules need to know of a document.

A document's facts are small (ids, references, statuses, dates, each with its
line), so they are what the validation cache keeps per content hash: a warm
`validate` of 10,000 files unpickles facts, not whole documents.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from .documents import AnyDocument, Article, Incident, Postmortem

Located = tuple[str, int]  # a value and the line it sits on


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MICROSECOND = dt.timedelta(microseconds=1)


def epoch_us(value: dt.datetime) -> int:
    """An aware date-time as exact integer microseconds since the epoch (UTC)."""
    return (value - _EPOCH) // _MICROSECOND


def from_epoch_us(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=value)


@dataclass(frozen=True)
class ActionItemFacts:
    title: str
    status: str
    due: dt.date | None
    line: int  # of `due`, else of the item

    def __reduce__(self) -> tuple[Any, ...]:  # positional: no field names in the cache
        return (ActionItemFacts, (self.title, self.status, self.due, self.line))


@dataclass
class DocFacts:
    path: str
    kind: str  # incident | postmortem | article
    id: str | None = None
    id_line: int = 1
    status: str | None = None
    status_line: int = 1
    severity: str | None = None
    related: tuple[Located, ...] = ()
    kb: tuple[Located, ...] = ()
    incident: str | None = None  # a postmortem's incident
    incident_line: int = 1
    incidents: tuple[Located, ...] = ()  # an article's incidents
    action_items: tuple[ActionItemFacts, ...] = ()
    # (dotted name, microseconds since the epoch, line): integers, because the
    # cache of 10,000 documents holds ~100,000 of them and unpickling as many
    # date-times was most of a warm validation
    timestamps: tuple[tuple[str, int, int], ...] = ()
    last_reviewed: dt.date | None = None
    last_reviewed_line: int = 1

    def __reduce__(self) -> tuple[Any, ...]:  # positional: no field names in the cache
        return (DocFacts, tuple(getattr(self, name) for name in _DOC_FIELDS))


_DOC_FIELDS = tuple(f.name for f in fields(DocFacts))


T = TypeVar("T")


def canonical_postmortem(candidates: Sequence[T], published: Callable[[T], bool]) -> T | None:
    """Of several postmortems for one incident, the one that counts: the first
    published one, else the first (the others are duplicates)."""
    return next((c for c in candidates if published(c)), candidates[0] if candidates else None)


class FactIndex:
    """The facts of every document, indexed for the repository-wide rules."""

    def __init__(self, facts: Sequence[DocFacts]) -> None:
        self.facts = list(facts)
        self.incidents = [f for f in self.facts if f.kind == "incident"]
        self.articles = [f for f in self.facts if f.kind == "article"]
        self.postmortems = [f for f in self.facts if f.kind == "postmortem"]
        self.paths_by_id: dict[str, list[str]] = {}
        for f in self.incidents:
            if f.id is not None:
                self.paths_by_id.setdefault(f.id, []).append(f.path)
        self.article_paths = {f.path for f in self.articles}
        self.postmortems_by_incident: dict[str, list[DocFacts]] = {}
        for f in self.postmortems:
            if f.incident is not None:
                self.postmortems_by_incident.setdefault(f.incident, []).append(f)

    def postmortem_of(self, incident_id: str) -> DocFacts | None:
        return canonical_postmortem(
            self.postmortems_by_incident.get(incident_id, []), lambda p: p.status == "published")


def facts_of(doc: AnyDocument) -> DocFacts:
    if isinstance(doc, Incident):
        return _incident_facts(doc)
    if isinstance(doc, Postmortem):
        return DocFacts(
            path=doc.path, kind="postmortem", status=doc.data.status,
            status_line=doc.line_of("status"), incident=doc.data.incident,
            incident_line=doc.line_of("incident"),
        )
    assert isinstance(doc, Article)
    return DocFacts(
        path=doc.path, kind="article",
        incidents=tuple((iid, doc.line_of("incidents", i))
                        for i, iid in enumerate(doc.data.incidents)),
        last_reviewed=doc.data.last_reviewed, last_reviewed_line=doc.line_of("last_reviewed"),
    )


def _incident_facts(doc: Incident) -> DocFacts:
    d = doc.data
    return DocFacts(
        path=doc.path, kind="incident", id=d.id, id_line=doc.line_of("id"),
        status=d.status, status_line=doc.line_of("status"), severity=d.severity,
        related=tuple((rid, doc.line_of("related", i)) for i, rid in enumerate(d.related)),
        kb=tuple((k, doc.line_of("kb", i)) for i, k in enumerate(d.kb)),
        action_items=tuple(
            ActionItemFacts(item.title, item.status, item.due,
                            doc.line_of("action_items", i, "due"))
            for i, item in enumerate(d.action_items)
        ),
        timestamps=tuple(
            (sys.intern(".".join(str(p) for p in path)), epoch_us(value), doc.line_of(*path))
            for path, value in doc.all_timestamps()
        ),
    )
