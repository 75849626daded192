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
from ..findings import Finding
from ..loading import ParsedFile
from ..repository import Repository
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
    if doc is not None:
        findings.extend(content.check_placeholders(doc))
    return doc, findings


def check_time(repo: Repository, now: dt.datetime) -> list[Finding]:
    today = now.astimezone(dt.timezone.utc).date()
    findings: list[Finding] = []
    for inc in repo.incidents:
        findings.extend(timestamps.check_future(inc, now))
        findings.extend(content.check_overdue(inc, today))
    for art in repo.articles:
        findings.extend(content.check_stale(art, today))
    return findings


def check_repository(repo: Repository) -> list[Finding]:
    findings: list[Finding] = []
    findings.extend(references.check_unique_ids(repo))
    findings.extend(references.check_incident_references(repo))
    findings.extend(references.check_postmortem_references(repo))
    findings.extend(references.check_article_references(repo))
    findings.extend(references.check_postmortem_required(repo))
    return findings
