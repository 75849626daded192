"""Trend charts as static SVG, drawn at build time with matplotlib (offline, no CDN).

Each `Chart` carries its figure, the numbers behind it as a table (for people)
and as CSV (for a download), so a chart is never the only place a figure
lives. Output is deterministic: fixed SVG hash salt, no creation date, text
kept as text, and no mathtext parsing (a `$` in a service name stays a `$`).
pyplot is not used, so nothing depends on a global figure state or a display.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .report_format import duration, sample_text
from .schema import SEVERITIES
from .site.theme import SEVERITY_COLORS
from .trends import METRIC_LABELS, METRICS, SMALL_SAMPLE

TOP_SERVICES = 10
_RC: dict[Any, Any] = {
    "svg.hashsalt": "incidentkb",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
METRIC_COLORS = {
    "time_to_detect": "#6a1b9a",
    "time_to_acknowledge": "#00838f",
    "time_to_mitigate": "#ef6c00",
    "time_to_resolve": "#2e7d32",
}
# Log-scale ticks that read as durations.
_DURATION_TICKS = ((1, "1m"), (5, "5m"), (15, "15m"), (60, "1h"), (240, "4h"),
                   (1440, "1d"), (4320, "3d"), (10080, "1w"), (43200, "30d"))
_FLOOR_MINUTES = 0.5  # zero durations cannot sit on a log axis


@dataclass(frozen=True)
class Chart:
    """One chart: where it belongs, how to draw it, and its numbers."""

    slug: str  # file name stem: <slug>.svg and <slug>.csv
    section: str  # report section slug it illustrates
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the numbers, formatted for reading
    csv: str  # the numbers, raw, for a download
    draw: Callable[[Any], None] = field(repr=False, compare=False)
    size: tuple[float, float] = (7.0, 3.6)
    replaces_table: bool = False  # its table says everything the section table says

    def svg(self) -> str:
        """The chart as a standalone SVG document."""
        return render_svg(self.draw, self.size)


def render_svg(draw: Callable[[Any], None], size: tuple[float, float]) -> str:
    """Draw on a fresh Figure and return deterministic SVG text."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "incidentkb"})
    return buffer.getvalue()


def _csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a spreadsheet formula
    return value


def _duration_axis(ax: Any, values: Sequence[float]) -> None:
    ax.set_yscale("log")
    low = max(min(values, default=1.0), _FLOOR_MINUTES)
    high = max(max(values, default=60.0), low * 2)
    ticks = [(t, label) for t, label in _DURATION_TICKS if low / 3 <= t <= high * 3]
    if ticks:
        ax.set_yticks([t for t, _ in ticks], [label for _, label in ticks])
        ax.minorticks_off()
    ax.set_ylim(low / 1.5, high * 1.5)


def _thin_labels(ax: Any, labels: Sequence[str], most: int = 18) -> None:
    step = max(1, -(-len(labels) // most))
    shown = [lab if i % step == 0 else "" for i, lab in enumerate(labels)]
    if len(labels) > 6:
        ax.set_xticks(range(len(labels)), shown, rotation=45, ha="right")
    else:
        ax.set_xticks(range(len(labels)), shown)


# --- the charts ---------------------------------------------------------------


def incidents_per_month(report: Mapping[str, Any]) -> Chart | None:
    """Stacked bars: incidents per UTC month by severity."""
    periods = report["by_period"]
    if not periods:
        return None
    labels = [p["period"] for p in periods]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        bottom = [0] * len(periods)
        for sev in SEVERITIES:
            counts = [p["by_severity"][sev] for p in periods]
            ax.bar(range(len(periods)), counts, bottom=bottom, color=SEVERITY_COLORS[sev],
                   label=sev, width=0.8)
            bottom = [b + c for b, c in zip(bottom, counts)]
        _thin_labels(ax, labels)
        ax.set_ylabel("incidents")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="x", visible=False)
        ax.legend(ncols=4, loc="upper left", frameon=False)
        ax.set_ylim(0, max(max(bottom) * 1.25, 1))

    headers = ("month", "incidents", *SEVERITIES)
    raw = [(p["period"], p["count"], *(p["by_severity"][s] for s in SEVERITIES)) for p in periods]
    return Chart("incidents-per-month", "by-period", "Incidents per month by severity",
                 headers, tuple(tuple(str(c) for c in r) for r in raw), _csv(headers, raw),
                 draw, replaces_table=True)


def _box_stats(row: Mapping[str, Any]) -> dict[str, Any]:
    def floor(v: float) -> float:
        return max(v, _FLOOR_MINUTES)

    return {"med": floor(row["median_minutes"]), "q1": floor(row["q1_minutes"]),
            "q3": floor(row["q3_minutes"]), "whislo": floor(row["min_minutes"]),
            "whishi": floor(row["max_minutes"]), "fliers": [], "label": row["period"]}


def _draw_distribution(ax: Any, rows: Sequence[Mapping[str, Any]], color: str) -> list[float]:
    """Boxes (min-max whiskers) where n >= SMALL_SAMPLE, the single values otherwise."""
    seen: list[float] = []
    for x, row in enumerate(rows):
        values = [max(v, _FLOOR_MINUTES) for v in row["values_minutes"]]
        seen += values
        if row["count"] >= SMALL_SAMPLE:
            ax.bxp([_box_stats(row)], positions=[x], widths=0.6, showfliers=False,
                   patch_artist=True, manage_ticks=False,
                   boxprops={"facecolor": color, "alpha": 0.35, "edgecolor": color},
                   medianprops={"color": "black"})
        elif values:
            ax.scatter([x] * len(values), values, facecolors="none", edgecolors=color, s=18)
        if row["count"]:
            ax.annotate(f"n={row['count']}", (x, 1.0), xycoords=("data", "axes fraction"),
                        ha="center", va="top", fontsize=7, color="#555555")
    return seen


def durations_by_quarter(report: Mapping[str, Any]) -> Chart | None:
    """Box plots of time to mitigate and to resolve per quarter, on a log scale."""
    shown = ("time_to_mitigate", "time_to_resolve")
    by_q = report["metrics_by_quarter"]
    if not any(r["count"] for m in shown for r in by_q[m]):
        return None

    def draw(fig: Any) -> None:
        axes = fig.subplots(1, len(shown), sharey=True)
        seen: list[float] = []
        for ax, metric in zip(axes, shown):
            rows = by_q[metric]
            seen += _draw_distribution(ax, rows, METRIC_COLORS[metric])
            _thin_labels(ax, [r["period"] for r in rows], most=8)
            ax.set_xlim(-0.6, len(rows) - 0.4)
            ax.set_title(METRIC_LABELS[metric], pad=14)
            ax.grid(axis="x", visible=False)
        _duration_axis(axes[0], seen)
        fig.supxlabel(f"boxes: quartiles, whiskers min-max; circles: single incidents "
                      f"where n < {SMALL_SAMPLE}", fontsize=7)

    headers = ("quarter", "metric", "sample", "min", "q1", "median", "q3", "max")
    raw, rows = [], []
    for metric in shown:
        for r in by_q[metric]:
            stats = [r.get(k) for k in ("min_minutes", "q1_minutes", "median_minutes",
                                        "q3_minutes", "max_minutes")]
            raw.append((r["period"], metric, r["count"], *stats))
            rows.append((r["period"], METRIC_LABELS[metric], sample_text(r["count"]),
                         *(duration(s) for s in stats)))
    return Chart("durations-by-quarter", "durations",
                 "Time to mitigate and to resolve per quarter (log scale)",
                 headers, tuple(rows), _csv(headers, raw), draw, size=(7.5, 3.8))


def medians_by_quarter(report: Mapping[str, Any]) -> Chart | None:
    """Median time-to-x per quarter with 95% bootstrap intervals (hollow: too few)."""
    by_q = report["metrics_by_quarter"]
    if not any(r["count"] for m in METRICS for r in by_q[m]):
        return None
    quarters = [r["period"] for r in by_q["time_to_resolve"]]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        seen: list[float] = []
        width = 0.8 / len(METRICS)
        for k, metric in enumerate(METRICS):
            color = METRIC_COLORS[metric]
            for x, r in enumerate(by_q[metric]):
                if not r["count"]:
                    continue
                pos = x - 0.4 + width * (k + 0.5)
                med = max(r["median_minutes"], _FLOOR_MINUTES)
                seen.append(med)
                if r["ci_low_minutes"] is not None:
                    lo = max(r["ci_low_minutes"], _FLOOR_MINUTES)
                    hi = max(r["ci_high_minutes"], _FLOOR_MINUTES)
                    seen += [lo, hi]
                    ax.errorbar([pos], [med], yerr=[[med - lo], [hi - med]], fmt="o",
                                color=color, capsize=2, markersize=4)
                else:
                    ax.plot([pos], [med], "o", markerfacecolor="none", color=color, markersize=4)
            ax.plot([], [], "o", color=color, label=METRIC_LABELS[metric])
        _thin_labels(ax, quarters, most=12)
        _duration_axis(ax, seen)
        ax.set_xlim(-0.6, len(quarters) - 0.4)
        ax.grid(axis="x", visible=False)
        fig.legend(ncols=4, loc="outside upper center", frameon=False, fontsize=7)
        fig.supxlabel(f"filled: median with its 95% bootstrap interval; hollow: n < "
                      f"{SMALL_SAMPLE}, median only", fontsize=7)

    csv_headers = ("quarter", "metric", "n", "median_minutes", "ci_low_minutes",
                   "ci_high_minutes")
    raw = [(r["period"], metric, r["count"], r["median_minutes"], r["ci_low_minutes"],
            r["ci_high_minutes"]) for metric in METRICS for r in by_q[metric]]
    headers = ("quarter", *(f"median {METRIC_LABELS[m]}" for m in METRICS))
    rows = tuple((q, *(_median_cell(by_q[m][k]) for m in METRICS))
                 for k, q in enumerate(quarters))
    return Chart("medians-by-quarter", "durations", "Median time to detect, acknowledge, "
                 "mitigate and resolve per quarter", headers, rows, _csv(csv_headers, raw),
                 draw, size=(7.5, 3.8))


def _median_cell(row: Mapping[str, Any]) -> str:
    """"2h 05m (95% 1h 40m to 3h 10m, n=8)" or "2h 05m (n=3, too few)"."""
    if not row["count"]:
        return "-"
    if row["ci_low_minutes"] is None:
        return f"{duration(row['median_minutes'])} ({sample_text(row['count'])})"
    return (f"{duration(row['median_minutes'])} (95% {duration(row['ci_low_minutes'])} to "
            f"{duration(row['ci_high_minutes'])}, {sample_text(row['count'])})")


def top_services(report: Mapping[str, Any]) -> Chart | None:
    """Horizontal bars: the services with the most incident-minutes."""
    services = report["impact"]["by_service"][:TOP_SERVICES]
    if not services:
        return None

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        names = [s["service"] for s in services][::-1]
        hours = [s["incident_minutes"] / 60 for s in services][::-1]
        bars = ax.barh(range(len(names)), hours, color="#455a64")
        ax.set_yticks(range(len(names)), names)
        ax.bar_label(bars, [sample_text(s["incidents"]) for s in services][::-1],
                     padding=3, fontsize=7)
        ax.set_xlabel("incident-hours (an incident counts in full for each service it touches)")
        ax.set_xlim(0, max(hours) * 1.3 or 1)
        ax.grid(axis="y", visible=False)

    headers = ("service", "incidents", "incident-minutes", "incident-time", "median")
    raw = [(s["service"], s["incidents"], s["incident_minutes"], None, s["median_minutes"])
           for s in services]
    rows = tuple((s["service"], sample_text(s["incidents"]), f"{s['incident_minutes']:g}",
                  duration(s["incident_minutes"]), duration(s["median_minutes"]))
                 for s in services)
    csv_rows = [(r[0], r[1], r[2], r[4]) for r in raw]
    return Chart("incident-minutes-by-service", "impact",
                 f"Top {len(services)} services by incident-minutes", headers, rows,
                 _csv(("service", "incidents", "incident_minutes", "median_minutes"), csv_rows),
                 draw, size=(7.0, 0.9 + 0.3 * len(services)))


def action_items(report: Mapping[str, Any]) -> Chart | None:
    """Action items by state: open on time, overdue, done, won't fix."""
    ai = report["action_items"]
    if not ai["total"]:
        return None
    states = (("open, not overdue", ai["open"] - ai["overdue"], "#f9a825"),
              ("overdue", ai["overdue"], "#b71c1c"), ("done", ai["done"], "#2e7d32"),
              ("won't fix", ai["wontfix"], "#9e9e9e"))

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        bars = ax.barh(range(len(states)), [s[1] for s in states], color=[s[2] for s in states])
        ax.set_yticks(range(len(states)), [s[0] for s in states])
        ax.invert_yaxis()
        ax.bar_label(bars, padding=3)
        ax.set_xlabel("action items")
        ax.set_xlim(0, max(s[1] for s in states) * 1.2 or 1)
        ax.grid(axis="y", visible=False)

    headers = ("state", "items")
    raw = [(s[0], s[1]) for s in states]
    return Chart("action-items", "action-items", "Action items: open vs done", headers,
                 tuple((s, str(n)) for s, n in raw), _csv(headers, raw), draw, size=(6.0, 2.2))


CHART_BUILDERS: tuple[Callable[[Mapping[str, Any]], Chart | None], ...] = (
    incidents_per_month, durations_by_quarter, medians_by_quarter, top_services, action_items,
)


def build_charts(report: Mapping[str, Any]) -> list[Chart]:
    """Every chart the report has data for (none for an empty report)."""
    return [c for build in CHART_BUILDERS if (c := build(report)) is not None]
