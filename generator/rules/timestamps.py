"""Timestamp rules: lifecycle order, and nothing in the future."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..documents import Incident
from ..facts import DocFacts, epoch_us, from_epoch_us
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


def check_future(facts: DocFacts, now: dt.datetime) -> Iterator[Finding]:
    now_us = epoch_us(now)
    for name, value, line in facts.timestamps:
        if value > now_us:
            yield error(
                facts.path, line, "timestamp-future",
                f"{name} ({_show(from_epoch_us(value))}) is in the future",
                "check the date and the time zone offset",
            )


def _show(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
