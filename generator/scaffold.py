"""`incidentkb new`: a new incident file with the next free id, as a template.

The template holds every field the chosen status needs. What the command
cannot know (a root cause, when it was resolved) is written as a `TODO:`
placeholder, which `validate` reports as a warning until it is filled in.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .schema import ID_RE, status_rank

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


@dataclass
class NewIncident:
    title: str
    severity: str
    services: list[str]
    type: str = "technical"
    status: str = "detected"
    impact: str | None = None
    detection_method: str = "alert"
    detection_source: str | None = None
    detected_at: dt.datetime | None = None
    commander: str | None = None
    tags: list[str] = field(default_factory=list)
    prefix: str = "INC"


def slugify(title: str, limit: int = 48) -> str:
    slug = _SLUG_STRIP.sub("-", title.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "incident"


def next_id(root: Path, prefix: str, year: int) -> str:
    """The next free `<PREFIX>-<YEAR>-NNNN`, from the ids in file names and frontmatter."""
    pattern = re.compile(rf"^{re.escape(prefix)}-{year}-(\d+)")
    id_line = re.compile(rf"^id:\s*['\"]?{re.escape(prefix)}-{year}-(\d+)", re.MULTILINE)
    highest = 0
    base = root / "incidents"
    if base.is_dir():
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if not name.endswith(".md"):
                    continue
                m = pattern.match(name)
                if m:
                    highest = max(highest, int(m.group(1)))
                elif name.startswith(prefix):
                    continue
                else:
                    # a file whose name does not carry the id: read its id line
                    try:
                        head = (Path(dirpath) / name).read_text("utf-8", errors="replace")[:4096]
                    except OSError:
                        continue
                    m = id_line.search(head)
                    if m:
                        highest = max(highest, int(m.group(1)))
    return f"{prefix}-{year}-{highest + 1:04d}"


def _scalar(value: object) -> str:
    """A YAML scalar or flow list, quoted where YAML needs it."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return text.strip().removesuffix("...").strip()


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render(spec: NewIncident, incident_id: str, now: dt.datetime) -> str:
    """The file's text: frontmatter for the status, then a body outline."""
    detected = spec.detected_at or now
    rank = status_rank(spec.status)
    later = _ts(max(now, detected))
    lines = [
        "---",
        f"id: {incident_id}",
        f"title: {_scalar(spec.title)}",
        f"status: {spec.status}",
        f"severity: {spec.severity}",
        f"type: {spec.type}",
        f"services: {_scalar(spec.services)}",
        f"tags: {_scalar(spec.tags)}",
        "impact:",
        f"  summary: {_scalar(spec.impact or 'TODO: who and what was affected, for how long')}",
        "  # users_affected: 0",
        "  # customer_facing: true",
        "detection:",
        f"  method: {spec.detection_method}   "
        "# alert | monitoring | user-report | internal-report | automated-test | other",
    ]
    if spec.detection_source:
        lines.append(f"  source: {_scalar(spec.detection_source)}")
    lines += [
        "# started_at: when impact began, if earlier than detection",
        f"detected_at: {_ts(detected)}",
        "# acknowledged_at: when a responder picked it up",
    ]
    if rank >= status_rank("investigating"):
        lines.append(f"commander: {_scalar(spec.commander or 'TODO: incident commander')}")
        lines.append("responders: []")
    if rank >= status_rank("mitigated"):
        lines.append(f"mitigated_at: {later}   # TODO: when impact stopped")
    if rank >= status_rank("resolved"):
        lines += [
            f"resolved_at: {later}   # TODO: when the fix was in place",
            "root_cause:",
            "  category: unknown   # code-change | config-change | capacity | dependency | "
            "hardware | network | data | security | process | unknown",
            "  summary: 'TODO: the root cause, in one sentence'",
            "resolution:",
            "  summary: 'TODO: what fixed it'",
            "  steps: []   # - {at: ..., action: ..., rationale: why this step}",
        ]
    if rank >= status_rank("verified"):
        lines += [
            f"verified_at: {later}   # TODO: when the fix was confirmed",
            "verification:",
            "  method: 'TODO: how the fix was confirmed'",
        ]
    lines.append("communications: []   # - {at: ..., audience: internal|external, "
                 "channel: ..., summary: ...}")
    if rank >= status_rank("reviewed"):
        lines += [
            "action_items:",
            "  - title: 'TODO: a preventive action'",
            "    owner: 'TODO: owner'",
            f"    due: {(now + dt.timedelta(days=30)).date().isoformat()}",
            "    status: open",
        ]
    else:
        lines.append("action_items: []")
    lines += ["related: []", "kb: []", "---", ""]
    body = [
        "## Summary", "",
        "What happened, in two or three sentences.", "",
        "## Timeline", "",
        "| Time (UTC) | Event |", "| --- | --- |",
        f"| {detected.astimezone(dt.timezone.utc):%H:%M} | Detected |", "",
        "## Diagnosis", "",
        "What we looked at, what we found.", "",
    ]
    return "\n".join(lines + body)


def create_incident(root: Path, spec: NewIncident, now: dt.datetime | None = None) -> Path:
    """Write the new incident; never overwrites (the id moves on if a file appears)."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    detected = spec.detected_at or now
    year = detected.astimezone(dt.timezone.utc).year
    folder = root / "incidents" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    for _attempt in range(20):
        incident_id = next_id(root, spec.prefix, year)
        if not ID_RE.match(incident_id):
            raise ValueError(f"'{incident_id}' is not a valid id; check --prefix")
        path = folder / f"{incident_id}-{slugify(spec.title)}.md"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".new-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(render(spec, incident_id, now))
            # link() fails when the name exists: whole file or nothing, never overwrite
            os.link(tmp, path)
            return path
        except FileExistsError:
            continue
        finally:
            os.unlink(tmp)
    raise FileExistsError(f"could not find a free file name in {folder}")
