"""Colours and labels shared by every page, chart and stylesheet of the site.

Severity colours are defined once here; `assets/incidentkb.css` repeats them
as CSS custom properties (a test keeps the two in step), and the trends
charts import `SEVERITY_COLORS` so a SEV1 is the same red everywhere.
"""

from __future__ import annotations

SEVERITY_COLORS: dict[str, str] = {
    "SEV1": "#b71c1c",
    "SEV2": "#e65100",
    "SEV3": "#f9a825",
    "SEV4": "#1565c0",
}
# Text colour readable on each severity's background (WCAG AA contrast).
SEVERITY_TEXT_COLORS: dict[str, str] = {
    "SEV1": "#ffffff",
    "SEV2": "#ffffff",
    "SEV3": "#212121",
    "SEV4": "#ffffff",
}
SEVERITY_LABELS: dict[str, str] = {
    "SEV1": "SEV1 - critical",
    "SEV2": "SEV2 - major",
    "SEV3": "SEV3 - minor",
    "SEV4": "SEV4 - low",
}
# Colour for anything without a known severity.
UNKNOWN_COLOR = "#616161"

STATUS_COLORS: dict[str, str] = {
    "detected": "#b71c1c",
    "investigating": "#e65100",
    "mitigated": "#f9a825",
    "resolved": "#2e7d32",
    "verified": "#2e7d32",
    "reviewed": "#1565c0",
    "closed": "#616161",
}
# Statuses at which an incident is still being worked on (shown as "open").
OPEN_STATUSES: frozenset[str] = frozenset({"detected", "investigating", "mitigated"})


def severity_color(severity: str | None) -> str:
    """The severity's colour, grey for anything unknown."""
    return SEVERITY_COLORS.get(severity or "", UNKNOWN_COLOR)
