"""The document model: incidents, postmortems and knowledge-base articles.

Each document keeps its typed fields (`data`, a pydantic model from
`schema.py`), the raw frontmatter (`meta`), the line of every key, and its
markdown body, so rules can point at the exact line and pages can render it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Union

from .loading import KeyPath, line_of
from .schema import ArticleModel, IncidentModel, PostmortemModel


@dataclass
class Document:
    path: str  # relative to the root, posix separators
    sha: str
    meta: dict[str, Any]
    lines: dict[KeyPath, int]
    body: str
    body_line: int
    # top-level keys whose values failed the schema: treated as absent, and
    # not reported again as missing
    invalid_keys: frozenset[str] = field(default_factory=frozenset)

    def line_of(self, *keys: Any) -> int:
        """Line of a key path, or of its nearest ancestor that has one."""
        return line_of(self.lines, keys)

    @property
    def stem(self) -> str:
        return PurePosixPath(self.path).stem


@dataclass
class Incident(Document):
    data: IncidentModel = field(default_factory=IncidentModel)
    kind = "incident"

    @property
    def id(self) -> str | None:
        return self.data.id

    @property
    def title(self) -> str:
        return self.data.title or self.data.id or self.stem

    def timestamps(self) -> dict[str, dt.datetime]:
        """The lifecycle timestamps that are present, by field name."""
        names = ("started_at", "detected_at", "acknowledged_at",
                 "mitigated_at", "resolved_at", "verified_at")
        return {n: v for n in names if (v := getattr(self.data, n)) is not None}

    def all_timestamps(self) -> Iterator[tuple[tuple[object, ...], dt.datetime]]:
        """Every timestamp of the incident (lifecycle, steps, messages, reopenings)."""
        for name, value in self.timestamps().items():
            yield (name,), value
        if self.data.resolution is not None:
            for i, step in enumerate(self.data.resolution.steps):
                yield ("resolution", "steps", i, "at"), step.at
        for i, comm in enumerate(self.data.communications):
            yield ("communications", i, "at"), comm.at
        for i, reopening in enumerate(self.data.reopened):
            yield ("reopened", i, "at"), reopening.at


@dataclass
class Postmortem(Document):
    data: PostmortemModel = field(default_factory=lambda: PostmortemModel(kind="postmortem"))
    kind = "postmortem"

    @property
    def incident_id(self) -> str | None:
        return self.data.incident

    @property
    def title(self) -> str:
        return self.data.title or self.stem

    @property
    def published(self) -> bool:
        return self.data.status == "published"


@dataclass
class Article(Document):
    data: ArticleModel = field(default_factory=ArticleModel)
    kind = "article"

    @property
    def title(self) -> str:
        return self.data.title or self.stem


AnyDocument = Union[Incident, Postmortem, Article]


def normalise_kb_path(path: str) -> str:
    """`./kb/x.md`, `kb//x.md` -> `kb/x.md`; keeps anything odd recognisably odd."""
    return "/".join(p for p in path.replace("\\", "/").split("/") if p not in ("", "."))
