"""Repository-wide rules: unique ids and references that resolve.

They read document facts (`generator/facts.py`), so a warm validation can run
them from the cache without parsing any unchanged document.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..documents import normalise_kb_path
from ..facts import FactIndex
from ..findings import Finding, error, warning


def _closest_id(index: FactIndex, wanted: str) -> str | None:
    match = difflib.get_close_matches(wanted, list(index.paths_by_id), n=1, cutoff=0.8)
    return f"did you mean '{match[0]}'?" if match else None


def check_unique_ids(index: FactIndex) -> Iterator[Finding]:
    for f in index.incidents:
        paths = index.paths_by_id.get(f.id or "", [])
        if len(paths) > 1:
            others = ", ".join(p for p in paths if p != f.path)
            yield error(f.path, f.id_line, "duplicate-id",
                        f"id '{f.id}' is also used by {others}",
                        "run `incidentkb new` to get the next free id")


def check_incident_references(index: FactIndex) -> Iterator[Finding]:
    for f in index.incidents:
        for rid, line in f.related:
            if rid == f.id:
                yield warning(f.path, line, "self-reference",
                              f"related lists the incident itself ({rid})")
            elif rid not in index.paths_by_id:
                yield error(f.path, line, "unresolved-reference",
                            f"related incident '{rid}' does not exist", _closest_id(index, rid))
        for kb_path, line in f.kb:
            yield from _check_kb_path(index, f.path, line, kb_path)


def _check_kb_path(index: FactIndex, path: str, line: int, kb_path: str) -> Iterator[Finding]:
    norm = normalise_kb_path(kb_path)
    if norm in index.article_paths:
        return
    if kb_path.startswith("/") or ".." in norm.split("/") or not norm.startswith("kb/"):
        yield error(path, line, "unresolved-reference",
                    f"kb reference '{kb_path}' must be a path under kb/, relative to the root",
                    "e.g. kb/runbooks/postgres-pool.md")
        return
    match = difflib.get_close_matches(norm, sorted(index.article_paths), n=1, cutoff=0.6)
    yield error(path, line, "unresolved-reference", f"kb article '{kb_path}' does not exist",
                f"did you mean '{match[0]}'?" if match else None)


def check_postmortem_references(index: FactIndex) -> Iterator[Finding]:
    for incident_id, pms in index.postmortems_by_incident.items():
        if incident_id not in index.paths_by_id:
            for pm in pms:
                yield error(pm.path, pm.incident_line, "unresolved-reference",
                            f"postmortem reviews '{incident_id}', which does not exist",
                            _closest_id(index, incident_id))
        canonical = index.postmortem_of(incident_id)
        for pm in pms:
            if pm is not canonical and canonical is not None:
                yield error(pm.path, pm.incident_line, "duplicate-postmortem",
                            f"'{incident_id}' already has a postmortem: {canonical.path}",
                            "an incident has at most one postmortem; merge them")


def check_article_references(index: FactIndex) -> Iterator[Finding]:
    for art in index.articles:
        for iid, line in art.incidents:
            if iid not in index.paths_by_id:
                yield error(art.path, line, "unresolved-reference",
                            f"incident '{iid}' does not exist", _closest_id(index, iid))


def check_postmortem_required(index: FactIndex) -> Iterator[Finding]:
    """reviewed and closed SEV1/SEV2 incidents need a published postmortem."""
    for f in index.incidents:
        if f.status not in ("reviewed", "closed") or f.severity not in ("SEV1", "SEV2"):
            continue
        pm = index.postmortem_of(f.id) if f.id else None
        if pm is not None and pm.status == "published":
            continue
        state = f"its postmortem {pm.path} is '{pm.status}'" if pm else "it has no postmortem"
        yield error(
            f.path, f.status_line, "postmortem-required",
            f"a {f.severity} incident at status '{f.status}' needs a published postmortem; {state}",
            "add incidents/<year>/<id>-postmortem.md with `kind: postmortem` and "
            "`status: published`",
        )
