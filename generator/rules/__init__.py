"""Validation rules, one module per family.

- `fields`: the schema (types, allowed values, unknown keys) -> typed documents
- `timestamps`: timezone, order, the future
- `lifecycle`: what each status requires
- `content`: file names, postmortem sections, stale articles, overdue items
- `references`: ids, related incidents, kb paths, postmortem <-> incident

Rules come in three kinds, by what their result depends on: the file alone
(`check_file`, cached by content hash), the clock (`check_time`) and the whole
repository (`check_repository`).
"""

from __future__ import annotations

import datetime as dt

from ..documents import AnyDocument, Article, Incident, Postmortem
from ..facts import FactIndex
from ..findings import Finding
from ..loading import ParsedFile
from . import content, lifecycle, references, timestamps
from .fields import build_document


def check_file(parsed: ParsedFile, area: str) -> tuple[AnyDocument | None, list[Finding]]:
    """A file's typed document and every finding that depends on it alone."""
    findings = list(parsed.findings)
    doc, schema_findings = build_document(parsed, area)
    findings.extend(schema_findings)
    if isinstance(doc, Incident):
        findings.extend(lifecycle.check_incident(doc))
        findings.extend(timestamps.check_order(doc))
        findings.extend(content.check_file_name(doc))
    elif isinstance(doc, Postmortem):
        findings.extend(lifecycle.check_postmortem(doc))
        findings.extend(content.check_postmortem_sections(doc))
    elif isinstance(doc, Article):
        findings.extend(lifecycle.check_article(doc))
    if doc is not None and parsed.may_hold_todo:
        findings.extend(content.check_placeholders(doc))
    return doc, findings


def check_time(index: FactIndex, now: dt.datetime) -> list[Finding]:
    """Rules whose answer changes with the clock: the future, overdue, stale."""
    today = now.astimezone(dt.timezone.utc).date()
    findings: list[Finding] = []
    for f in index.incidents:
        findings.extend(timestamps.check_future(f, now))
        findings.extend(content.check_overdue(f, today))
    for f in index.articles:
        findings.extend(content.check_stale(f, today))
    return findings


def check_repository(index: FactIndex) -> list[Finding]:
    findings: list[Finding] = []
    findings.extend(references.check_unique_ids(index))
    findings.extend(references.check_incident_references(index))
    findings.extend(references.check_postmortem_references(index))
    findings.extend(references.check_article_references(index))
    findings.extend(references.check_postmortem_required(index))
    return findings
