"""One merged, sorted timeline per incident.

Lifecycle timestamps, communications, resolution steps (with their
rationale) and reopenings are separate lists in the frontmatter; a reader
wants them as one story in time order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..documents import Incident

LIFECYCLE_LABELS: dict[str, str] = {
    "started_at": "Impact started",
    "detected_at": "Detected",
    "acknowledged_at": "Acknowledged",
    "mitigated_at": "Mitigated",
    "resolved_at": "Resolved",
    "verified_at": "Verified",
}
# Among events at the same minute, lifecycle milestones come first.
_KIND_ORDER = {"lifecycle": 0, "step": 1, "communication": 2, "reopened": 3}


@dataclass(frozen=True)
class Event:
    """One timeline entry; text fields are raw and escaped by the renderer."""

    at: dt.datetime
    kind: str  # lifecycle | step | communication | reopened
    label: str
    detail: str | None = None
    note: str | None = None  # e.g. a step's rationale

    @property
    def sort_key(self) -> tuple[dt.datetime, int]:
        return (self.at.astimezone(dt.timezone.utc), _KIND_ORDER.get(self.kind, 9))


def _detection_detail(inc: Incident) -> str | None:
    detection = inc.data.detection
    if detection is None:
        return None
    source = f" ({detection.source})" if detection.source else ""
    return f"by {detection.method}{source}"


def incident_events(inc: Incident) -> list[Event]:
    """Every dated fact of an incident, oldest first (stable for equal times)."""
    d = inc.data
    events: list[Event] = []
    for name, label in LIFECYCLE_LABELS.items():
        moment = getattr(d, name)
        if moment is not None:
            detail = _detection_detail(inc) if name == "detected_at" else None
            events.append(Event(moment, "lifecycle", label, detail))
    if d.resolution is not None:
        for step in d.resolution.steps:
            events.append(Event(step.at, "step", "Action", step.action, step.rationale))
    for comm in d.communications:
        label = f"{comm.audience.capitalize()} update via {comm.channel}"
        events.append(Event(comm.at, "communication", label, comm.summary))
    for reopening in d.reopened:
        events.append(Event(reopening.at, "reopened", "Reopened", reopening.reason))
    return sorted(events, key=lambda e: e.sort_key)
