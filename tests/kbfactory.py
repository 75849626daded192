"""Small knowledge-base roots for tests: valid documents to start from.

`incident()` returns a valid resolved incident's frontmatter; tests change
what they pin and write it with `write_doc` or a whole root with `make_kb`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

BASE_INCIDENT: dict[str, Any] = {
    "id": "INC-2026-0001",
    "title": "Payments API returned 502s after connection-pool exhaustion",
    "status": "resolved",
    "severity": "SEV2",
    "type": "technical",
    "services": ["payments-api", "postgres"],
    "tags": ["database", "connection-pool"],
    "impact": {"summary": "18% of card payments failed for 47 minutes",
               "users_affected": 12000, "customer_facing": True},
    "detection": {"method": "alert", "source": "grafana/payments-5xx"},
    "started_at": "2026-11-03T13:58:00Z",
    "detected_at": "2026-11-03T14:07:00Z",
    "acknowledged_at": "2026-11-03T14:09:00Z",
    "mitigated_at": "2026-11-03T14:45:00Z",
    "resolved_at": "2026-11-03T15:20:00Z",
    "commander": "alice",
    "responders": ["bob", "carol"],
    "root_cause": {"category": "config-change",
                   "summary": "Pool size lowered from 50 to 5 in a config refactor"},
    "resolution": {
        "summary": "Restored pool size and redeployed",
        "steps": [{"at": "2026-11-03T14:40:00Z", "action": "Rolled back config change 4512",
                   "rationale": "The rollback was the fastest safe way to restore capacity"}],
    },
    "communications": [{"at": "2026-11-03T14:15:00Z", "audience": "external",
                        "channel": "status-page",
                        "summary": "Investigating elevated payment failures"}],
    "action_items": [{"title": "Alert on pool saturation above 80%", "owner": "bob",
                      "due": "2026-12-20", "status": "open"}],
}

BASE_POSTMORTEM: dict[str, Any] = {
    "kind": "postmortem",
    "incident": "INC-2026-0001",
    "title": "Postmortem - payments 502s",
    "status": "published",
    "authors": ["alice"],
    "reviewers": ["dave"],
    "review_date": "2026-11-06",
}
POSTMORTEM_BODY = """
## Summary
Payments failed.

## Root causes
A config refactor lowered the pool size.

## Lessons learned
Review pool settings.
"""

BASE_ARTICLE: dict[str, Any] = {
    "title": "Postgres connection-pool exhaustion",
    "kind": "runbook",
    "services": ["postgres"],
    "tags": ["database"],
    "owners": ["db-team"],
    "last_reviewed": "2026-10-01",
}


def incident(**changes: Any) -> dict[str, Any]:
    """A valid incident; keyword arguments replace fields, None removes one."""
    meta = copy.deepcopy(BASE_INCIDENT)
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    return meta


def postmortem(**changes: Any) -> dict[str, Any]:
    meta = copy.deepcopy(BASE_POSTMORTEM)
    meta.update({k: v for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        meta.pop(k, None)
    return meta


def article(**changes: Any) -> dict[str, Any]:
    meta = copy.deepcopy(BASE_ARTICLE)
    meta.update({k: v for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        meta.pop(k, None)
    return meta


def render(meta: dict[str, Any], body: str = "\nSome notes.\n") -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body


def write_doc(
    root: Path, rel: str, meta: dict[str, Any] | str, body: str = "\nSome notes.\n"
) -> Path:
    """Write a document; `meta` may be a mapping or raw text for the whole file."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(meta if isinstance(meta, str) else render(meta, body), encoding="utf-8")
    return path


def incident_path(meta: dict[str, Any], slug: str = "incident") -> str:
    year = str(meta.get("detected_at", "2026"))[:4]
    return f"incidents/{year}/{meta['id']}-{slug}.md"


def make_kb(
    root: Path,
    incidents: list[dict[str, Any]] | None = None,
    postmortems: list[dict[str, Any]] | None = None,
    articles: dict[str, dict[str, Any]] | None = None,
    mkdocs_yml: str | None = "site_name: Test KB\ntheme:\n  name: material\ndocs_dir: site_src\n",
) -> Path:
    """A knowledge-base root with the given documents (default: one incident)."""
    root.mkdir(parents=True, exist_ok=True)
    for meta in incidents if incidents is not None else [incident()]:
        write_doc(root, incident_path(meta), meta)
    for meta in postmortems or []:
        write_doc(root, f"incidents/2026/{meta['incident']}-postmortem.md", meta, POSTMORTEM_BODY)
    for rel, meta in (articles or {}).items():
        write_doc(root, rel, meta, "\nSteps.\n")
    if mkdocs_yml is not None:
        (root / "mkdocs.yml").write_text(mkdocs_yml)
        (root / "site_src").mkdir(exist_ok=True)
    return root
