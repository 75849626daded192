"""Rules on names and bodies, and the time-dependent warnings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..documents import Article, Incident, Postmortem
from ..findings import Finding, error, warning

if TYPE_CHECKING:
    from ..facts import DocFacts

REQUIRED_POSTMORTEM_SECTIONS = ("Root causes", "Lessons learned")
STALE_AFTER_DAYS = 365
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[ \t]*$", re.MULTILINE | re.DOTALL)


def check_file_name(doc: Incident) -> Iterator[Finding]:
    if doc.data.id is None:
        return
    if not doc.stem.startswith(doc.data.id):
        yield error(
            doc.path, doc.line_of("id"), "id-filename",
            f"file name '{doc.stem}' does not start with the id '{doc.data.id}'",
            f"rename the file to {doc.data.id}-<slug>.md",
        )


def headings(body: str) -> list[str]:
    """The markdown headings of a body, fenced code blocks left out."""
    return [m.group(1).strip() for m in _HEADING.finditer(_FENCE.sub("", body))]


def check_postmortem_sections(doc: Postmortem) -> Iterator[Finding]:
    if doc.data.status != "published":
        return
    present = {h.lower() for h in headings(doc.body)}
    for section in REQUIRED_POSTMORTEM_SECTIONS:
        if section.lower() not in present:
            yield error(
                doc.path, doc.body_line, "postmortem-sections",
                f"a published postmortem needs a '{section}' section",
                f"add a heading: ## {section}",
            )


def check_overdue(facts: DocFacts, today: dt.date) -> Iterator[Finding]:
    for item in facts.action_items:
        if item.due is not None and item.due < today and item.status in ("open", "in-progress"):
            yield warning(
                facts.path, item.line, "action-item-overdue",
                f"action item '{item.title}' was due {item.due.isoformat()} and is "
                f"still {item.status}",
                "update its status or move the due date",
            )


def check_stale(facts: DocFacts, today: dt.date) -> Iterator[Finding]:
    reviewed = facts.last_reviewed
    if reviewed is not None and (today - reviewed).days > STALE_AFTER_DAYS:
        yield warning(
            facts.path, facts.last_reviewed_line, "article-stale",
            f"last reviewed {reviewed.isoformat()}, more than {STALE_AFTER_DAYS} days ago",
            "review the article and update last_reviewed",
        )


def _placeholders(value: object, path: tuple[object, ...]) -> Iterator[tuple[object, ...]]:
    """Key paths of the strings that start with TODO, in document order.

    Iterative, and building a key path only for a hit: this runs over every
    value of every document, and nested generators cost a frame per level.
    """
    stack: list[tuple[object, tuple[object, ...]]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            if current.lstrip()[:4].upper() == "TODO":
                yield where
        elif isinstance(current, dict):
            children = [(v, (*where, k)) for k, v in current.items() if not _is_plain(v)]
            stack.extend(reversed(children))
        elif isinstance(current, list):
            children = [(v, (*where, i)) for i, v in enumerate(current) if not _is_plain(v)]
            stack.extend(reversed(children))


def _is_plain(value: object) -> bool:
    """A value that cannot hold template text (numbers, dates, booleans, None)."""
    return not isinstance(value, (str, dict, list))


def check_placeholders(doc: Incident | Postmortem | Article) -> Iterator[Finding]:
    """Template text left in by `incidentkb new` ("TODO: ...")."""
    for path in _placeholders(doc.meta, ()):
        name = ".".join(str(p) for p in path)
        yield warning(doc.path, doc.line_of(*path), "placeholder",
                      f"'{name}' still holds the template's TODO text", "replace it with the facts")
