"""Repository-wide rules: unique ids and references that resolve."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..findings import Finding, error, warning
from ..repository import Repository, normalise_kb_path


def _closest_id(repo: Repository, wanted: str) -> str | None:
    match = difflib.get_close_matches(wanted, list(repo.incident_by_id), n=1, cutoff=0.8)
    return f"did you mean '{match[0]}'?" if match else None


def check_unique_ids(repo: Repository) -> Iterator[Finding]:
    by_id: dict[str, list[str]] = {}
    for inc in repo.incidents:
        if inc.id is not None:
            by_id.setdefault(inc.id, []).append(inc.path)
    for inc in repo.incidents:
        paths = by_id.get(inc.id or "", [])
        if len(paths) > 1:
            others = ", ".join(p for p in paths if p != inc.path)
            yield error(
                inc.path, inc.line_of("id"), "duplicate-id",
                f"id '{inc.id}' is also used by {others}",
                "run `incidentkb new` to get the next free id",
            )


def check_incident_references(repo: Repository) -> Iterator[Finding]:
    for inc in repo.incidents:
        for i, rid in enumerate(inc.data.related):
            line = inc.line_of("related", i)
            if rid == inc.id:
                yield warning(inc.path, line, "self-reference",
                              f"related lists the incident itself ({rid})")
            elif rid not in repo.incident_by_id:
                yield error(inc.path, line, "unresolved-reference",
                            f"related incident '{rid}' does not exist", _closest_id(repo, rid))
        for i, kb_path in enumerate(inc.data.kb):
            yield from _check_kb_path(repo, inc.path, inc.line_of("kb", i), kb_path)


def _check_kb_path(repo: Repository, path: str, line: int, kb_path: str) -> Iterator[Finding]:
    norm = normalise_kb_path(kb_path)
    if norm in repo.article_by_path:
        return
    if kb_path.startswith("/") or ".." in norm.split("/") or not norm.startswith("kb/"):
        yield error(path, line, "unresolved-reference",
                    f"kb reference '{kb_path}' must be a path under kb/, relative to the root",
                    "e.g. kb/runbooks/postgres-pool.md")
        return
    match = difflib.get_close_matches(norm, list(repo.article_by_path), n=1, cutoff=0.6)
    yield error(path, line, "unresolved-reference", f"kb article '{kb_path}' does not exist",
                f"did you mean '{match[0]}'?" if match else None)


def check_postmortem_references(repo: Repository) -> Iterator[Finding]:
    for incident_id, pms in repo.postmortems_by_incident.items():
        for pm in pms:
            if incident_id not in repo.incident_by_id:
                yield error(pm.path, pm.line_of("incident"), "unresolved-reference",
                            f"postmortem reviews '{incident_id}', which does not exist",
                            _closest_id(repo, incident_id))
        canonical = repo.postmortem_of(incident_id)
        for pm in pms:
            if pm is canonical:
                continue
            yield error(pm.path, pm.line_of("incident"), "duplicate-postmortem",
                        f"'{incident_id}' already has a postmortem: {canonical.path}",
                        "an incident has at most one postmortem; merge them")


def check_article_references(repo: Repository) -> Iterator[Finding]:
    for art in repo.articles:
        for i, iid in enumerate(art.data.incidents):
            if iid not in repo.incident_by_id:
                yield error(art.path, art.line_of("incidents", i), "unresolved-reference",
                            f"incident '{iid}' does not exist", _closest_id(repo, iid))


def check_postmortem_required(repo: Repository) -> Iterator[Finding]:
    """reviewed and closed SEV1/SEV2 incidents need a published postmortem."""
    for inc in repo.incidents:
        d = inc.data
        if d.status not in ("reviewed", "closed") or d.severity not in ("SEV1", "SEV2"):
            continue
        pm = repo.postmortem_of(inc.id) if inc.id else None
        if pm is not None and pm.published:
            continue
        state = f"its postmortem {pm.path} is '{pm.data.status}'" if pm else "it has no postmortem"
        yield error(
            inc.path, inc.line_of("status"), "postmortem-required",
            f"a {d.severity} incident at status '{d.status}' needs a published postmortem; {state}",
            "add incidents/<year>/<id>-postmortem.md with `kind: postmortem` and "
            "`status: published`",
        )
