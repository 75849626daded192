"""Formatters for the trend report: text (rich), JSON, CSV (one tidy table), markdown.

Every formatter reads the plain dict that `trends.build_report` returns. Small
samples are never shown as a bare number: text and markdown say "n=3, too
few", JSON and CSV carry `small_sample`. Contributor text (service names,
titles, owners) is escaped for markdown/HTML and never read as rich markup.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .schema import SEVERITIES
from .trends import METRIC_LABELS, METRICS, SMALL_SAMPLE

if TYPE_CHECKING:
    from .charts import Chart

FORMATS = ("text", "json", "csv", "markdown")
CSV_COLUMNS = ("section", "period", "dimension", "key", "metric", "statistic", "value", "n",
               "small_sample")
TOP_SERVICES = 10
_STATS = ("median", "p90", "mean", "min", "max")


# --- shared wording ---------------------------------------------------------------


def duration(minutes: float | None) -> str:
    """Minutes for people: "45m", "3h 05m", "2d 4h"; "-" when unknown."""
    if minutes is None:
        return "-"
    if minutes < 1:
        return f"{minutes * 60:.0f}s"
    if minutes < 60:
        return f"{minutes:.0f}m"
    hours, mins = divmod(round(minutes), 60)
    if hours < 48:
        return f"{hours}h {mins:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def days_text(days: float | None) -> str:
    return "-" if days is None else f"{days:g} d"


def hours_text(hours: float | None) -> str:
    return "-" if hours is None else duration(hours * 60)


def sample_text(n: int) -> str:
    """"n=12", or "n=3, too few" below the small-sample threshold."""
    return f"n={n}" if n >= SMALL_SAMPLE else f"n={n}, too few"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def _range_text(report: Mapping[str, Any]) -> str:
    periods = [p["period"] for p in report["by_period"]]
    if report["since"] or report["until"]:
        return f"detected {report['since'] or 'any time'} to {report['until'] or 'today'}"
    if periods:
        return f"detected {periods[0]} to {periods[-1]}"
    return "no dated incidents"


def _summary_cells(
    summary: Mapping[str, Any], fmt: Any = duration, unit: str = "minutes"
) -> list[str]:
    return [sample_text(summary["count"])] + [fmt(summary.get(f"{s}_{unit}")) for s in _STATS]


# --- the sections as (title, headers, rows, notes) -------------------------------


Section = tuple[str, list[str], list[list[str]], list[str]]


def _period_section(report: Mapping[str, Any]) -> Section:
    rows = [[p["period"], str(p["count"]), *(str(p["by_severity"][s]) for s in SEVERITIES)]
            for p in report["by_period"]]
    headers = ["month", "incidents", *SEVERITIES]
    return "Incidents per month (UTC, by detected_at)", headers, rows, []


def _durations_section(report: Mapping[str, Any]) -> Section:
    headers = ["metric", "sample", "median", "p90", "mean", "min", "max"]
    rows = [[METRIC_LABELS[m], *_summary_cells(report["metrics"][m])] for m in METRICS]
    notes = ["Medians and p90 describe skewed durations better than the mean; "
             "each metric counts only incidents having both of its timestamps."]
    return "Durations", headers, rows, notes


def _comparison_section(report: Mapping[str, Any]) -> Section:
    comp = report["comparison"]
    if comp["earlier"] is None:
        return "Change between periods", [], [], ["No dated incidents to compare."]
    a, b = comp["earlier"]["label"], comp["later"]["label"]
    headers = ["metric", f"median {a}", f"median {b}", "change", "95% interval", "outcome"]
    rows = []
    notes = []
    for m, c in comp["metrics"].items():
        interval = ("-" if c["ci_low_minutes"] is None
                    else f"{_signed(c['ci_low_minutes'])} to {_signed(c['ci_high_minutes'])}")
        rows.append([
            METRIC_LABELS[m],
            f"{duration(c['earlier']['median_minutes'])} ({sample_text(c['earlier']['count'])})",
            f"{duration(c['later']['median_minutes'])} ({sample_text(c['later']['count'])})",
            _signed(c["difference_minutes"]), interval, c["outcome"],
        ])
        notes.append(f"{METRIC_LABELS[m].capitalize()}: {c['verdict']}.")
    if comp["later"].get("in_progress"):
        notes.append(f"{b} is not over yet: its figures will change.")
    notes += ["Medians compared with a 95% bootstrap interval of the "
             "difference and a Mann-Whitney U test; a verdict needs at least "
             f"{SMALL_SAMPLE} incidents on each side and an interval that excludes 0."]
    return f"Change between periods: {a} vs {b}", headers, rows, notes


def _signed(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    return ("-" if minutes < 0 else "+") + duration(abs(minutes))


def _breakdown_section(report: Mapping[str, Any]) -> Section | None:
    bd = report.get("breakdown")
    if not bd:
        return None
    headers = [bd["dimension"], "incidents", *(f"median {METRIC_LABELS[m]}" for m in METRICS)]
    rows = []
    for g in bd["groups"]:
        cells = []
        for m in METRICS:
            s = g["metrics"][m]
            cells.append(f"{duration(s['median_minutes'])} ({sample_text(s['count'])})")
        rows.append([g["key"], sample_text(g["incidents"]), *cells])
    return f"Durations by {bd['dimension']}", headers, rows, []


def _impact_section(report: Mapping[str, Any]) -> Section:
    imp = report["impact"]
    rows = [[s["service"], sample_text(s["incidents"]), duration(s["incident_minutes"]),
             f"{s['incident_minutes']:g}", duration(s["median_minutes"])]
            for s in imp["by_service"][:TOP_SERVICES]]
    notes = [f"Impact = (resolved or mitigated) - (started or detected); total "
             f"{duration(imp['total_incident_minutes'])} over "
             f"{sample_text(imp['duration']['count'])} incidents. An incident touching several "
             "services counts in full for each."]
    if imp["incidents_without_end"]:
        notes.append(f"{imp['incidents_without_end']} incidents are not mitigated yet "
                     "and have no impact duration.")
    if len(imp["by_service"]) > TOP_SERVICES:
        notes.append(f"Top {TOP_SERVICES} of {len(imp['by_service'])} services shown.")
    headers = ["service", "incidents", "incident-time", "incident-minutes", "median"]
    return "Incident-minutes by service", headers, rows, notes


def _nonzero(counts: Mapping[str, int]) -> str:
    parts = [f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if v]
    return ", ".join(parts) or "-"


def _quarter_section(report: Mapping[str, Any]) -> Section:
    rows = [[q["period"], str(q["count"]), _nonzero(q["by_type"]), _nonzero(q["by_root_cause"])]
            for q in report["by_quarter"]]
    headers = ["quarter", "incidents", "type", "root cause"]
    return "Per quarter: type and root cause", headers, rows, []


def _recurrence_section(report: Mapping[str, Any]) -> Section:
    rec = report["recurrence"]
    if not rec.get("available"):
        return "Recurrence", [], [], [f"Not available: {rec.get('reason', 'unknown')}."]
    rows = [[r["id"] or "-", r["neighbour"] or "-", f"{r['days_after']:.0f}",
             ", ".join(r["shared_services"]) or "-", r["title"]] for r in rec["incidents"]]
    notes = [f"{rec['count']} of {sample_text(report['incidents'])} incidents "
             f"({percent(rec['share'])}) have as most similar incident one detected within "
             f"{rec['window_days']} days before them."]
    if rec["services"]:
        notes.append("Services that repeat: " + ", ".join(
            f"{s['service']} ({s['recurrences']})" for s in rec["services"]))
    headers = ["incident", "similar earlier", "days after", "shared services", "title"]
    return "Recurrence", headers, rows, notes


def _action_section(report: Mapping[str, Any]) -> Section:
    ai = report["action_items"]
    committed = ai["open"] + ai["done"]
    notes = [
        f"{ai['total']} action items: {ai['open']} open ({ai['in_progress']} in progress), "
        f"{ai['overdue']} overdue, {ai['done']} done, {ai['wontfix']} won't fix.",
        f"Done: {percent(ai['done_share'])} of {sample_text(committed)} committed items "
        "(won't fix left out).",
    ]
    dtd = ai["days_to_done"]
    if dtd["count"]:
        notes.append(f"Days from detection to done: median {days_text(dtd['median_days'])}, "
                     f"p90 {days_text(dtd['p90_days'])} ({sample_text(dtd['count'])}).")
    if ai["done_without_date"]:
        notes.append(f"{ai['done_without_date']} done items have no done_at.")
    rows = [[o["incident"] or "-", o["title"], o["owner"], o["due"], str(o["days_overdue"])]
            for o in ai["overdue_items"]]
    return "Action items", ["incident", "overdue item", "owner", "due", "days overdue"], rows, notes


def _postmortem_section(report: Mapping[str, Any]) -> Section:
    pm = report["postmortems"]
    notes = [f"SEV1/SEV2 incidents resolved or later with a published postmortem: "
             f"{pm['major_with_published_postmortem']} of {sample_text(pm['major_incidents'])} "
             f"({percent(pm['published_share'])})."]
    if pm["major_without_postmortem"]:
        notes.append("Missing: " + ", ".join(pm["major_without_postmortem"]) + ".")
    lag = pm["lag_days"]
    rows = [["resolution to postmortem review", *_summary_cells(lag, days_text, "days")]]
    return "Postmortems", ["lag", "sample", *_STATS], rows, notes


def _documentation_section(report: Mapping[str, Any]) -> Section:
    doc = report["documentation_lag"]
    if not doc.get("available"):
        return "Documentation lag", [], [], [f"Not available: {doc.get('reason', 'unknown')}."]
    rows = [["detection to first commit", *_summary_cells(doc["lag_hours"], hours_text, "hours")]]
    notes = []
    if doc["incidents_without_history"]:
        notes.append(f"{doc['incidents_without_history']} incidents have no commit yet.")
    return "Documentation lag", ["lag", "sample", *_STATS], rows, notes


def sections(report: Mapping[str, Any]) -> list[tuple[str, Section]]:
    """The report's sections in reading order, each with a slug."""
    out = [
        ("by-period", _period_section(report)),
        ("durations", _durations_section(report)),
        ("comparison", _comparison_section(report)),
    ]
    bd = _breakdown_section(report)
    if bd is not None:
        out.append(("breakdown", bd))
    out += [
        ("impact", _impact_section(report)),
        ("by-quarter", _quarter_section(report)),
        ("recurrence", _recurrence_section(report)),
        ("action-items", _action_section(report)),
        ("postmortems", _postmortem_section(report)),
        ("documentation-lag", _documentation_section(report)),
    ]
    return out


def _headline(report: Mapping[str, Any]) -> str:
    return (f"{sample_text(report['incidents'])} incidents, {_range_text(report)} "
            f"(today {report['today']})")


# --- JSON ---------------------------------------------------------------------------


def format_json(report: Mapping[str, Any]) -> str:
    """The report as indented JSON (the shape FORMAT.md defines, plus extensions)."""
    return json.dumps(report, indent=2, ensure_ascii=False)


# --- text ----------------------------------------------------------------------------


def format_text(report: Mapping[str, Any], *, color: bool = False, width: int = 100) -> str:
    """A readable terminal report drawn with rich tables; plain ASCII-safe without colour."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width,
                      color_system="standard" if color else None, highlight=False,
                      emoji=False, markup=False)
    console.print(Text("Incident trends", style="bold"))
    console.print(Text(_headline(report)))
    for note in report["notes"]:
        console.print(Text(f"! {note}", style="yellow"))
    for _slug, (title, headers, rows, notes) in sections(report):
        console.print()
        console.print(Text(title, style="bold cyan"))
        if headers and rows:
            table = Table(box=box.SIMPLE_HEAD if color else box.ASCII2, show_edge=False,
                          pad_edge=False)
            for h in headers:
                table.add_column(Text(h), overflow="fold")
            for row in rows:
                table.add_row(*(Text(cell) for cell in row))
            console.print(table)
        elif headers:
            console.print(Text("  (none)"))
        for note in notes:
            console.print(Text(f"  {note}", style="dim"))
    return buffer.getvalue()


# --- CSV ------------------------------------------------------------------------------


Row = dict[str, Any]


def _row(section: str, metric: str = "", statistic: str = "", value: Any = "", *,
         period: str = "", dimension: str = "", key: str = "", n: Any = "",
         small: bool | None = None) -> Row:
    return {"section": section, "period": period, "dimension": dimension, "key": key,
            "metric": metric, "statistic": statistic, "value": "" if value is None else value,
            "n": n, "small_sample": "" if small is None else str(small).lower()}


def _summary_rows(
    section: str, metric: str, summary: Mapping[str, Any], **where: Any
) -> Iterator[Row]:
    n = summary["count"]
    small = summary["small_sample"]
    yield _row(section, metric, "count", n, n=n, small=small, **where)
    for name, value in summary.items():
        if name not in ("count", "small_sample") and not isinstance(value, list):
            yield _row(section, metric, name, value, n=n, small=small, **where)


def _csv_rows(report: Mapping[str, Any]) -> Iterator[Row]:
    n_all = report["incidents"]
    yield _row("summary", "incidents", "count", n_all, n=n_all, small=report["small_sample"])
    for p in report["by_period"]:
        yield _row("by_period", "incidents", "count", p["count"], period=p["period"], n=p["count"])
        for sev, count in p["by_severity"].items():
            yield _row("by_period", "incidents", "count", count, period=p["period"],
                       dimension="severity", key=sev, n=count)
    for q in report["by_quarter"]:
        yield _row("by_quarter", "incidents", "count", q["count"], period=q["period"], n=q["count"])
        for dim, field in (("type", "by_type"), ("root-cause", "by_root_cause")):
            for key, count in q[field].items():
                yield _row("by_quarter", "incidents", "count", count, period=q["period"],
                           dimension=dim, key=key, n=count)
    for m, summary in report["metrics"].items():
        yield from _summary_rows("metrics", m, summary)
    for m, rows in report["metrics_by_quarter"].items():
        for r in rows:
            yield from _summary_rows("metrics_by_quarter", m, r, period=r["period"])
    yield from _comparison_rows(report["comparison"])
    if report.get("breakdown"):
        bd = report["breakdown"]
        for g in bd["groups"]:
            for m, summary in g["metrics"].items():
                yield from _summary_rows("breakdown", m, summary, dimension=bd["dimension"],
                                         key=g["key"])
    yield from _impact_rows(report["impact"])
    yield from _follow_up_rows(report)


def _comparison_rows(comp: Mapping[str, Any]) -> Iterator[Row]:
    if comp["earlier"] is None:
        return
    period = f"{comp['earlier']['label']} vs {comp['later']['label']}"
    for m, c in comp["metrics"].items():
        n = f"{c['earlier']['count']}/{c['later']['count']}"
        for stat, value in (
            ("earlier_median_minutes", c["earlier"]["median_minutes"]),
            ("later_median_minutes", c["later"]["median_minutes"]),
            ("difference_minutes", c["difference_minutes"]),
            ("ci_low_minutes", c["ci_low_minutes"]), ("ci_high_minutes", c["ci_high_minutes"]),
            ("mann_whitney_p", c["mann_whitney_p"]), ("verdict", c["verdict"]),
        ):
            yield _row("comparison", m, stat, value, period=period, n=n, small=c["small_sample"])


def _impact_rows(imp: Mapping[str, Any]) -> Iterator[Row]:
    yield from _summary_rows("impact", "impact_duration", imp["duration"])
    yield _row("impact", "impact_duration", "total_minutes", imp["total_incident_minutes"],
               n=imp["duration"]["count"], small=imp["duration"]["small_sample"])
    for s in imp["by_service"]:
        where = {"dimension": "service", "key": s["service"], "n": s["incidents"],
                 "small": s["small_sample"]}
        yield _row("impact", "incident_minutes", "sum_minutes", s["incident_minutes"], **where)
        yield _row("impact", "incident_minutes", "median_minutes", s["median_minutes"], **where)


def _follow_up_rows(report: Mapping[str, Any]) -> Iterator[Row]:
    ai = report["action_items"]
    for stat in ("total", "open", "in_progress", "overdue", "done", "wontfix", "done_share"):
        yield _row("action_items", "action_items", stat, ai[stat], n=ai["total"],
                   small=ai["small_sample"])
    yield from _summary_rows("action_items", "days_to_done", ai["days_to_done"])
    for o in ai["overdue_items"]:
        yield _row("action_items", "overdue_item", "days_overdue", o["days_overdue"],
                   dimension="incident", key=o["incident"] or "", n=1, period=o["due"])
    pm = report["postmortems"]
    for stat in ("major_incidents", "major_with_published_postmortem", "published_share"):
        yield _row("postmortems", "coverage", stat, pm[stat], n=pm["major_incidents"],
                   small=pm["small_sample"])
    yield from _summary_rows("postmortems", "postmortem_lag", pm["lag_days"])
    rec = report["recurrence"]
    if rec.get("available"):
        yield _row("recurrence", "recurrence", "count", rec["count"], n=report["incidents"],
                   small=rec["small_sample"])
        yield _row("recurrence", "recurrence", "share", rec["share"], n=report["incidents"],
                   small=rec["small_sample"])
        for s in rec["services"]:
            yield _row("recurrence", "recurrence", "count", s["recurrences"],
                       dimension="service", key=s["service"], n=s["recurrences"])
    doc = report["documentation_lag"]
    if doc.get("available"):
        yield from _summary_rows("documentation_lag", "documentation_lag", doc["lag_hours"])


def format_csv(report: Mapping[str, Any]) -> str:
    """One tidy long table (one value per row) for spreadsheets and BI tools."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _csv_rows(report):
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return buffer.getvalue()


def _csv_safe(value: Any) -> Any:
    """Keep spreadsheets from running contributor text as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- markdown ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_escape(text: Any) -> str:
    """Contributor text made inert for markdown and HTML (tables included)."""
    escaped = html.escape(str(text), quote=True)
    return _MD_SPECIAL.sub(r"\\\1", escaped).replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A pipe table with every cell escaped."""
    lines = ["| " + " | ".join(md_escape(h) for h in headers) + " |",
             "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _chart_markdown(chart: Chart) -> list[str]:
    return [
        f"![{md_escape(chart.title)}]({chart.slug}.svg)",
        "",
        markdown_table(chart.headers, chart.rows),
        "",
        f"[Download the numbers (CSV)]({chart.slug}.csv)",
        "",
    ]


def format_markdown(
    report: Mapping[str, Any],
    charts: Mapping[str, Sequence[Chart]] | None = None,
    *,
    title: str = "Incident trends",
) -> str:
    """The report as markdown; charts (by section slug) are embedded before each table."""
    charts = charts or {}
    out = [f"# {md_escape(title)}", "", md_escape(_headline(report)), ""]
    for note in report["notes"]:
        out += [f"> **Read with care:** {md_escape(note)}", ""]
    for slug, (heading, headers, rows, notes) in sections(report):
        out += [f"## {md_escape(heading)}", ""]
        drawn = charts.get(slug, ())
        if any(c.replaces_table for c in drawn):
            pass
        elif headers and rows:
            out += [markdown_table(headers, rows), ""]
        elif headers:
            out += ["None.", ""]
        out += [md_escape(n) + "\n" for n in notes]
        for chart in drawn:
            out += _chart_markdown(chart)
    return "\n".join(out).rstrip() + "\n"
