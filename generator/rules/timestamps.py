"""Timestamp rules: lifecycle order, and nothing in the future."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..documents import Incident
from ..findings import Finding, error
from ..schema import TIMESTAMP_ORDER


def check_order(doc: Incident) -> Iterator[Finding]:
    """started_at <= detected_at <= acknowledged_at <= ... <= verified_at."""
    latest: tuple[str, dt.datetime] | None = None
    for name in TIMESTAMP_ORDER:
        value = getattr(doc.data, name)
        if value is None:
            continue
        if latest is not None and value < latest[1]:
            yield error(
                doc.path, doc.line_of(name), "timestamp-order",
                f"{name} ({_show(value)}) is before {latest[0]} ({_show(latest[1])})",
                "lifecycle times must not go backwards: " + " <= ".join(TIMESTAMP_ORDER),
            )
            continue
        latest = (name, value)


def all_timestamps(doc: Incident) -> Iterator[tuple[tuple[object, ...], dt.datetime]]:
    """Every timestamp of an incident with its key path."""
    for name in TIMESTAMP_ORDER:
        value = getattr(doc.data, name)
        if value is not None:
            yield (name,), value
    if doc.data.resolution is not None:
        for i, step in enumerate(doc.data.resolution.steps):
            yield ("resolution", "steps", i, "at"), step.at
    for i, comm in enumerate(doc.data.communications):
        yield ("communications", i, "at"), comm.at
    for i, reopening in enumerate(doc.data.reopened):
        yield ("reopened", i, "at"), reopening.at


def check_future(doc: Incident, now: dt.datetime) -> Iterator[Finding]:
    for path, value in all_timestamps(doc):
        if value > now:
            name = ".".join(str(p) for p in path)
            yield error(
                doc.path, doc.line_of(*path), "timestamp-future",
                f"{name} ({_show(value)}) is in the future",
                "check the date and the time zone offset",
            )


def _show(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
