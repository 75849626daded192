"""Lifecycle rules: a status requires what it and every earlier status require."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..documents import Article, Incident, Postmortem
from ..findings import Finding, error
from ..schema import (
    ARTICLE_REQUIRED,
    POSTMORTEM_PUBLISHED_REQUIRED,
    POSTMORTEM_REQUIRED,
    required_fields,
    status_rank,
)


def _absent(doc: Incident | Postmortem | Article, name: str) -> bool:
    if name in doc.invalid_keys:
        return False  # already reported as invalid; not missing as well
    value: Any = doc.meta.get(name)
    return value is None or value == [] or value == ""


def check_incident(doc: Incident) -> Iterator[Finding]:
    status = doc.data.status
    if status is None:
        # Without a (valid) status only the always-required fields are known.
        status = "detected"
    for name, since in required_fields(status):
        if not _absent(doc, name):
            continue
        if since == "detected":
            yield error(doc.path, 1, "missing-field", f"missing required field '{name}'")
        else:
            yield error(
                doc.path, doc.line_of("status"), "status-requires-field",
                f"status '{status}' requires '{name}' (required from status '{since}' on)",
                _requirement_hint(name),
            )
    if doc.data.status is None:
        return
    rank = status_rank(doc.data.status)
    rc = doc.data.root_cause
    if rank >= status_rank("reviewed") and rc is not None and rc.category == "unknown":
        yield error(
            doc.path, doc.line_of("root_cause", "category"), "root-cause-unknown",
            f"root_cause.category 'unknown' is not allowed at status '{doc.data.status}'",
            "a reviewed incident names its root cause category",
        )
    if doc.data.status == "closed":
        for i, item in enumerate(doc.data.action_items):
            if item.status not in ("done", "wontfix"):
                yield error(
                    doc.path, doc.line_of("action_items", i, "status"), "open-action-items",
                    f"status 'closed' but action item '{item.title}' is '{item.status}'",
                    "finish it, mark it wontfix, or keep the incident 'reviewed'",
                )


def _requirement_hint(name: str) -> str | None:
    hints = {
        "commander": "who leads the response, e.g. `commander: alice`",
        "root_cause": "root_cause: {category: config-change, summary: ...}",
        "resolution": "resolution: {summary: ..., steps: [...]}",
        "verification": "verification: {method: 24h of error-rate monitoring}",
        "action_items": "list at least one action item with title, owner, due and status",
    }
    return hints.get(name)


def check_postmortem(doc: Postmortem) -> Iterator[Finding]:
    for name in POSTMORTEM_REQUIRED:
        if _absent(doc, name):
            yield error(doc.path, 1, "missing-field", f"missing required field '{name}'")
    if doc.data.status != "published":
        return
    for name in POSTMORTEM_PUBLISHED_REQUIRED:
        if _absent(doc, name):
            yield error(
                doc.path, doc.line_of("status"), "status-requires-field",
                f"a published postmortem requires '{name}'",
            )


def check_article(doc: Article) -> Iterator[Finding]:
    for name in ARTICLE_REQUIRED:
        if _absent(doc, name):
            yield error(doc.path, 1, "missing-field", f"missing required field '{name}'")
