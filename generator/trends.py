"""Trend figures over a knowledge base: distributions, not bare averages.

Incident durations are skewed (most are short, a few are very long), so every
duration is reported as a distribution (count, median, p90, mean, min, max)
and every figure drawn from fewer than `SMALL_SAMPLE` values carries
`small_sample: true`. Comparisons between periods give a bootstrap interval
for the change of the median and a Mann-Whitney U test, and say "not enough
incidents to tell" when the data cannot support a conclusion.

All arithmetic is in UTC on aware datetimes; periods are UTC calendar months
("2026-11") and quarters ("2026-Q4"). This module computes; it never prints.
The result of `build_report` is plain JSON-ready data (see FORMAT.md,
`report --format json`).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .documents import Incident
from .repository import Repository
from .schema import ROOT_CAUSE_CATEGORIES, SEVERITIES, TYPES, status_rank

UTC = dt.timezone.utc
REPORT_SCHEMA = "incidentkb-report/1"
# Fewer values than this and a figure is flagged, and comparisons refuse a verdict.
SMALL_SAMPLE = 5
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261204  # fixed: the same data always gives the same interval
CONFIDENCE = 0.95
SIGNIFICANCE = 0.05
RECURRENCE_WINDOW_DAYS = 90
NOT_ENOUGH = "not enough incidents to tell"
NO_ROOT_CAUSE = "not-recorded"

# metric name -> (start field, end field)
METRICS: dict[str, tuple[str, str]] = {
    "time_to_detect": ("started_at", "detected_at"),
    "time_to_acknowledge": ("detected_at", "acknowledged_at"),
    "time_to_mitigate": ("detected_at", "mitigated_at"),
    "time_to_resolve": ("detected_at", "resolved_at"),
}
METRIC_LABELS: dict[str, str] = {
    "time_to_detect": "time to detect",
    "time_to_acknowledge": "time to acknowledge",
    "time_to_mitigate": "time to mitigate",
    "time_to_resolve": "time to resolve",
}
DIMENSIONS = ("severity", "service", "type", "root-cause")


# --- small helpers ------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC)


def month_of(value: dt.datetime) -> str:
    """The UTC calendar month of a timestamp: "2026-11"."""
    u = _utc(value)
    return f"{u.year:04d}-{u.month:02d}"


def quarter_of(value: dt.datetime | dt.date) -> str:
    """The UTC calendar quarter of a timestamp or date: "2026-Q4"."""
    d = _utc(value) if isinstance(value, dt.datetime) else value
    return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter label."""
    year, q = int(label[:4]), int(label[-1])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end - dt.timedelta(days=1)


def _previous_quarter(label: str) -> str:
    year, q = int(label[:4]), int(label[-1])
    return f"{year - 1:04d}-Q4" if q == 1 else f"{year:04d}-Q{q - 1}"


def _quarter_range(first: str, last: str) -> list[str]:
    out = [last]
    while out[-1] > first:
        out.append(_previous_quarter(out[-1]))
    return out[::-1]


def _num(value: float | np.floating[Any] | None) -> float | None:
    """A float rounded for people and JSON; None stays None, NaN becomes None."""
    if value is None:
        return None
    f = float(value)
    return None if math.isnan(f) else round(f, 3)


def minutes_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    """Minutes from start to end; None when either is missing or end is before start."""
    if start is None or end is None:
        return None
    minutes = (_utc(end) - _utc(start)).total_seconds() / 60.0
    return minutes if minutes >= 0 else None


def metric_minutes(incident: Incident, metric: str) -> float | None:
    """One duration metric of one incident, in minutes (None when unknown)."""
    start, end = METRICS[metric]
    return minutes_between(getattr(incident.data, start), getattr(incident.data, end))


def impact_minutes(incident: Incident) -> float | None:
    """How long users felt it: (resolved or mitigated) - (started or detected)."""
    d = incident.data
    return minutes_between(d.started_at or d.detected_at, d.resolved_at or d.mitigated_at)


def summarise(values: Iterable[float], unit: str = "minutes") -> dict[str, Any]:
    """count, median, p90 (numpy linear), mean, min, max and a small-sample flag."""
    arr = np.asarray(sorted(values), dtype=float)
    out: dict[str, Any] = {"count": int(arr.size)}
    if arr.size:
        stats = {
            "median": np.median(arr), "p90": np.percentile(arr, 90), "mean": arr.mean(),
            "min": arr[0], "max": arr[-1],
        }
    else:
        stats = dict.fromkeys(("median", "p90", "mean", "min", "max"))
    out.update({f"{k}_{unit}": _num(v) for k, v in stats.items()})
    out["small_sample"] = bool(arr.size < SMALL_SAMPLE)
    return out


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


# --- statistics -----------------------------------------------------------------


def _bootstrap_medians(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    picks = rng.integers(0, values.size, size=(BOOTSTRAP_RESAMPLES, values.size))
    return np.median(values[picks], axis=1)


def bootstrap_median_interval(values: Sequence[float]) -> tuple[float, float] | None:
    """95% percentile-bootstrap interval of the median (None below `SMALL_SAMPLE`)."""
    if len(values) < SMALL_SAMPLE:
        return None
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    meds = _bootstrap_medians(np.asarray(values, dtype=float), rng)
    tail = (1 - CONFIDENCE) / 2 * 100
    lo, hi = np.percentile(meds, [tail, 100 - tail])
    return float(lo), float(hi)


def bootstrap_median_difference(
    earlier: Sequence[float], later: Sequence[float]
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of median(later) - median(earlier)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    a = _bootstrap_medians(np.asarray(earlier, dtype=float), rng)
    b = _bootstrap_medians(np.asarray(later, dtype=float), rng)
    tail = (1 - CONFIDENCE) / 2 * 100
    lo, hi = np.percentile(b - a, [tail, 100 - tail])
    return float(lo), float(hi)


def mann_whitney_p(earlier: Sequence[float], later: Sequence[float]) -> float | None:
    """Two-sided Mann-Whitney U p-value; None when the test cannot be computed."""
    from scipy.stats import mannwhitneyu

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = float(mannwhitneyu(earlier, later, alternative="two-sided").pvalue)
    except ValueError:
        return None
    return None if math.isnan(p) else p


def _fmt_minutes(value: float) -> str:
    sign = "-" if value < 0 else "+"
    return f"{sign}{abs(value):.0f} min"


def compare_samples(earlier: Sequence[float], later: Sequence[float]) -> dict[str, Any]:
    """Did the median change between two samples? An honest verdict with its evidence."""
    na, nb = len(earlier), len(later)
    out: dict[str, Any] = {
        "earlier": summarise(earlier), "later": summarise(later),
        "difference_minutes": None, "ci_low_minutes": None, "ci_high_minutes": None,
        "mann_whitney_p": None, "conclusive": False, "outcome": NOT_ENOUGH,
        "small_sample": na < SMALL_SAMPLE or nb < SMALL_SAMPLE,
    }
    if na and nb:
        out["difference_minutes"] = _num(np.median(later) - np.median(earlier))
    if out["small_sample"]:
        out["verdict"] = (f"{NOT_ENOUGH} (n={na} vs n={nb}; "
                          f"at least {SMALL_SAMPLE} on each side are needed)")
        return out
    lo, hi = bootstrap_median_difference(earlier, later)
    p = mann_whitney_p(earlier, later)
    out.update(ci_low_minutes=_num(lo), ci_high_minutes=_num(hi), mann_whitney_p=_num(p))
    interval = f"95% interval {_fmt_minutes(lo)} to {_fmt_minutes(hi)}"
    if lo <= 0 <= hi or p is None or p >= SIGNIFICANCE:
        p_text = "" if p is None else f", Mann-Whitney p={p:.2f}"
        out["verdict"] = f"{NOT_ENOUGH}: the {interval} includes no change{p_text}"
        return out
    diff = float(out["difference_minutes"])
    direction = "longer" if diff > 0 else "shorter"
    out["conclusive"] = True
    out["outcome"] = direction
    out["verdict"] = (f"got {direction}: median {_fmt_minutes(diff)} "
                      f"({interval}, Mann-Whitney p={p:.3f}, n={na} vs n={nb})")
    return out


# --- selection ------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A span of UTC dates, both ends included, with a label."""

    label: str
    start: dt.date
    end: dt.date

    def holds(self, incident: Incident) -> bool:
        detected = incident.data.detected_at
        return detected is not None and self.start <= _utc(detected).date() <= self.end


def select_incidents(
    repo: Repository, since: dt.date | None, until: dt.date | None
) -> list[Incident]:
    """Incidents detected (UTC date) in [since, until]; undated ones only without bounds."""
    out: list[Incident] = []
    for inc in repo.incidents:
        detected = inc.data.detected_at
        if detected is None:
            if since is None and until is None:
                out.append(inc)
            continue
        day = _utc(detected).date()
        if (since is None or day >= since) and (until is None or day <= until):
            out.append(inc)
    return out


def _dated(incidents: Iterable[Incident]) -> list[Incident]:
    return [i for i in incidents if i.data.detected_at is not None]


def comparison_windows(
    incidents: Sequence[Incident], since: dt.date | None, until: dt.date | None
) -> tuple[Window, Window] | None:
    """Two halves of an explicit range, or the latest quarter with data and the one before."""
    if since is not None and until is not None:
        if until <= since:
            return None
        middle = since + (until - since) // 2
        return (Window(f"{since} to {middle}", since, middle),
                Window(f"{middle + dt.timedelta(days=1)} to {until}",
                       middle + dt.timedelta(days=1), until))
    dated = _dated(incidents)
    if not dated:
        return None
    latest = max(quarter_of(i.data.detected_at) for i in dated)  # type: ignore[arg-type]
    earlier = _previous_quarter(latest)
    return Window(earlier, *_quarter_bounds(earlier)), Window(latest, *_quarter_bounds(latest))


# --- sections -------------------------------------------------------------------


def _severity_counts(incidents: Iterable[Incident]) -> dict[str, int]:
    counts: Counter[str] = Counter(str(i.data.severity) for i in incidents)
    return {s: counts.get(s, 0) for s in SEVERITIES}


def by_period(incidents: Sequence[Incident]) -> list[dict[str, Any]]:
    """One row per UTC month from the first to the last incident, gaps as 0."""
    months: dict[str, list[Incident]] = defaultdict(list)
    for inc in _dated(incidents):
        months[month_of(inc.data.detected_at)].append(inc)  # type: ignore[arg-type]
    if not months:
        return []
    return [
        {"period": m, "count": len(months.get(m, [])),
         "by_severity": _severity_counts(months.get(m, []))}
        for m in _month_range(min(months), max(months))
    ]


def _quarters(incidents: Sequence[Incident]) -> dict[str, list[Incident]]:
    quarters: dict[str, list[Incident]] = defaultdict(list)
    for inc in _dated(incidents):
        quarters[quarter_of(inc.data.detected_at)].append(inc)  # type: ignore[arg-type]
    if not quarters:
        return {}
    return {q: quarters.get(q, []) for q in _quarter_range(min(quarters), max(quarters))}


def by_quarter(incidents: Sequence[Incident]) -> list[dict[str, Any]]:
    """Counts per UTC quarter by type and by root-cause category."""
    rows = []
    for label, group in _quarters(incidents).items():
        types: Counter[str] = Counter(str(i.data.type) for i in group)
        causes: Counter[str] = Counter(
            i.data.root_cause.category if i.data.root_cause else NO_ROOT_CAUSE for i in group)
        rows.append({
            "period": label, "count": len(group),
            "by_type": {t: types.get(t, 0) for t in TYPES},
            "by_root_cause": {c: causes.get(c, 0) for c in (*ROOT_CAUSE_CATEGORIES, NO_ROOT_CAUSE)},
        })
    return rows


def metric_values(incidents: Iterable[Incident], metric: str) -> list[float]:
    """A metric's minutes over the incidents that have both of its timestamps."""
    return [v for i in incidents if (v := metric_minutes(i, metric)) is not None]


def metrics(incidents: Sequence[Incident]) -> dict[str, dict[str, Any]]:
    """The four time-to-x distributions over the incidents having both timestamps."""
    return {
        name: summarise(metric_values(incidents, name))
        for name in METRICS
    }


def metrics_by_quarter(incidents: Sequence[Incident]) -> dict[str, list[dict[str, Any]]]:
    """Per metric and quarter: the distribution, a bootstrap interval of the median, the values."""
    quarters = _quarters(incidents)
    out: dict[str, list[dict[str, Any]]] = {}
    for name in METRICS:
        rows = []
        for label, group in quarters.items():
            values = sorted(metric_values(group, name))
            row = {"period": label, **summarise(values)}
            if values:
                row["q1_minutes"] = _num(np.percentile(values, 25))
                row["q3_minutes"] = _num(np.percentile(values, 75))
            interval = bootstrap_median_interval(values)
            row["ci_low_minutes"] = _num(interval[0]) if interval else None
            row["ci_high_minutes"] = _num(interval[1]) if interval else None
            row["values_minutes"] = [_num(v) for v in values]
            rows.append(row)
        out[name] = rows
    return out


def comparisons(
    incidents: Sequence[Incident], since: dt.date | None, until: dt.date | None,
    today: dt.date,
) -> dict[str, Any]:
    """Period-over-period change of each median, with a verdict."""
    windows = comparison_windows(incidents, since, until)
    if windows is None:
        return {"earlier": None, "later": None, "metrics": {}}
    first, second = windows
    a = [i for i in incidents if first.holds(i)]
    b = [i for i in incidents if second.holds(i)]
    result = {
        name: compare_samples(metric_values(a, name), metric_values(b, name))
        for name in METRICS
    }
    return {
        "earlier": {"label": first.label, "start": first.start.isoformat(),
                    "end": first.end.isoformat(), "incidents": len(a)},
        "later": {"label": second.label, "start": second.start.isoformat(),
                  "end": second.end.isoformat(), "incidents": len(b),
                  "in_progress": second.end >= today},
        "metrics": result,
    }


def impact(incidents: Sequence[Incident]) -> dict[str, Any]:
    """Incident-minutes overall and per service (a multi-service incident counts for each)."""
    per_service: dict[str, list[float]] = defaultdict(list)
    durations = []
    for inc in incidents:
        minutes = impact_minutes(inc)
        if minutes is None:
            continue
        durations.append(minutes)
        for service in dict.fromkeys(inc.data.services or []):
            per_service[service].append(minutes)
    services: list[dict[str, Any]] = [
        {"service": s, "incidents": len(v), "incident_minutes": _num(sum(v)),
         "median_minutes": _num(np.median(v)), "small_sample": len(v) < SMALL_SAMPLE}
        for s, v in per_service.items()
    ]
    services.sort(key=lambda r: (-r["incident_minutes"], r["service"]))
    return {
        "total_incident_minutes": _num(sum(durations)),
        "duration": summarise(durations),
        "incidents_without_end": len(incidents) - len(durations),
        "by_service": services,
    }


def recurrence(
    repo: Repository, incidents: Sequence[Incident], window_days: int = RECURRENCE_WINDOW_DAYS
) -> dict[str, Any]:
    """Incidents whose most similar neighbour was detected within `window_days` before them."""
    try:
        from .similarity import similar_all
    except ImportError:
        return {"available": False, "reason": "the similarity module is not installed"}
    neighbours = similar_all(repo, limit=5)
    window = dt.timedelta(days=window_days)
    found = []
    services: Counter[str] = Counter()
    for inc in incidents:
        listed = neighbours.get(inc.id, []) if inc.id else []
        top = listed[0] if listed else None
        other = repo.incident_by_id.get(top.id) if top is not None else None
        if top is None or other is None:
            continue
        if inc.data.detected_at is None or other.data.detected_at is None:
            continue
        gap = _utc(inc.data.detected_at) - _utc(other.data.detected_at)
        if not dt.timedelta(0) < gap <= window:
            continue
        shared = sorted(set(inc.data.services or []) & set(other.data.services or []))
        services.update(shared)
        found.append({"id": inc.id, "title": inc.title, "neighbour": other.id,
                      "neighbour_title": other.title, "score": _num(top.score),
                      "days_after": _num(gap.total_seconds() / 86400),
                      "shared_services": shared})
    return {
        "available": True, "window_days": window_days, "count": len(found),
        "share": _ratio(len(found), len(incidents)),
        "small_sample": len(incidents) < SMALL_SAMPLE,
        "incidents": found,
        "services": [{"service": s, "recurrences": n}
                     for s, n in sorted(services.items(), key=lambda kv: (-kv[1], kv[0]))],
    }


def action_items(incidents: Sequence[Incident], today: dt.date) -> dict[str, Any]:
    """Counts, follow-through (share done, days to done) and the overdue list."""
    counts: Counter[str] = Counter()
    days_to_done: list[float] = []
    overdue: list[dict[str, Any]] = []
    for inc in incidents:
        detected = inc.data.detected_at
        for item in inc.data.action_items:
            counts[item.status] += 1
            if item.status == "done" and item.done_at is not None and detected is not None:
                days = (item.done_at - _utc(detected).date()).days
                if days >= 0:
                    days_to_done.append(days)
            if item.status in ("open", "in-progress") and item.due is not None and item.due < today:
                overdue.append({"incident": inc.id, "title": item.title, "owner": item.owner,
                                "status": item.status, "due": item.due.isoformat(),
                                "days_overdue": (today - item.due).days})
    overdue.sort(key=lambda r: (-r["days_overdue"], r["incident"] or "", r["title"]))
    committed = counts["open"] + counts["in-progress"] + counts["done"]
    return {
        "total": sum(counts.values()), "open": counts["open"] + counts["in-progress"],
        "in_progress": counts["in-progress"], "overdue": len(overdue), "done": counts["done"],
        "wontfix": counts["wontfix"],
        "done_share": _ratio(counts["done"], committed),
        "small_sample": committed < SMALL_SAMPLE,
        "done_without_date": counts["done"] - len(days_to_done),
        "days_to_done": summarise(days_to_done, "days"),
        "overdue_items": overdue,
    }


def _is_major_and_resolved(inc: Incident) -> bool:
    d = inc.data
    return (d.severity in ("SEV1", "SEV2") and d.status is not None
            and status_rank(d.status) >= status_rank("resolved"))


def postmortems(repo: Repository, incidents: Sequence[Incident]) -> dict[str, Any]:
    """Days from resolution to a published review, and SEV1/SEV2 postmortem coverage."""
    lags: list[float] = []
    major = [i for i in incidents if _is_major_and_resolved(i)]
    major_ids = {id(i) for i in major}
    missing = []
    for inc in incidents:
        pm = repo.postmortem_of(inc.id) if inc.id else None
        review = pm.data.review_date if pm is not None and pm.published else None
        if review is not None and inc.data.resolved_at is not None:
            lag = (review - _utc(inc.data.resolved_at).date()).days
            if lag >= 0:
                lags.append(lag)
        if id(inc) in major_ids and not (pm is not None and pm.published):
            missing.append(inc.id)
    covered = len(major) - len(missing)
    return {
        "lag_days": summarise(lags, "days"),
        "major_incidents": len(major),
        "major_with_published_postmortem": covered,
        "published_share": _ratio(covered, len(major)),
        "small_sample": len(major) < SMALL_SAMPLE,
        "major_without_postmortem": sorted(i for i in missing if i),
    }


def documentation_lag(repo: Repository, incidents: Sequence[Incident]) -> dict[str, Any]:
    """Hours from detection to the incident file's first commit (needs git history)."""
    try:
        from .history import history_facts
    except ImportError:
        return {"available": False, "reason": "the history module is not installed"}
    facts = history_facts(repo.root)
    if not facts:
        return {"available": False, "reason": "no git history for this root"}
    hours = []
    for inc in incidents:
        fact = facts.get(inc.path)
        first = getattr(fact, "first_committed_at", None)
        if first is None or inc.data.detected_at is None:
            continue
        lag = (_utc(first) - _utc(inc.data.detected_at)).total_seconds() / 3600
        if lag >= 0:
            hours.append(lag)
    return {"available": True, "lag_hours": summarise(hours, "hours"),
            "incidents_without_history": len(incidents) - len(hours)}


def _keys_for(inc: Incident, dimension: str) -> list[str]:
    d = inc.data
    if dimension == "severity":
        return [d.severity or "unknown"]
    if dimension == "type":
        return [d.type or "unknown"]
    if dimension == "root-cause":
        return [d.root_cause.category if d.root_cause else NO_ROOT_CAUSE]
    return list(dict.fromkeys(d.services or [])) or ["unknown"]


def breakdown(incidents: Sequence[Incident], dimension: str) -> dict[str, Any]:
    """The four metrics per value of a dimension (severity, service, type, root-cause)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; choose one of {', '.join(DIMENSIONS)}")
    groups: dict[str, list[Incident]] = defaultdict(list)
    for inc in incidents:
        for key in _keys_for(inc, dimension):
            groups[key].append(inc)
    order = {k: n for n, k in enumerate((*SEVERITIES, *TYPES, *ROOT_CAUSE_CATEGORIES))}
    keys = sorted(groups, key=lambda k: (order.get(k, len(order)), -len(groups[k]), k))
    return {
        "dimension": dimension,
        "groups": [{"key": k, "incidents": len(groups[k]),
                    "small_sample": len(groups[k]) < SMALL_SAMPLE,
                    "metrics": metrics(groups[k])} for k in keys],
    }


def _notes(report: dict[str, Any], undated: int) -> list[str]:
    notes = []
    n = report["incidents"]
    if n == 0:
        notes.append("No incidents in this range: there is nothing to report.")
    elif n < SMALL_SAMPLE:
        notes.append(f"Only {n} incidents in this range: every figure is a small sample "
                     "and cannot support a conclusion.")
    if undated:
        notes.append(f"{undated} incidents have no valid detected_at: counted in the total, "
                     "but in no month, quarter or comparison.")
    unrated = n - sum(report["by_severity"].values())
    if unrated:
        notes.append(f"{unrated} incidents have no valid severity: counted in the total, "
                     "but under no SEV key.")
    for name, summary in report["metrics"].items():
        if 0 < summary["count"] < n:
            missing = n - summary["count"]
            verb = "lacks a timestamp this metric needs and is" if missing == 1 else \
                "lack a timestamp this metric needs and are"
            notes.append(f"{METRIC_LABELS[name].capitalize()}: {missing} of {n} "
                         f"incidents {verb} left out of it.")
    return notes


def build_report(
    repo: Repository,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    today: dt.date,
    by: str | None = None,
) -> dict[str, Any]:
    """Every trend figure for incidents detected (UTC date) within [since, until]."""
    incidents = select_incidents(repo, since, until)
    report: dict[str, Any] = {
        "schema": REPORT_SCHEMA,
        "today": today.isoformat(),
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "small_sample_threshold": SMALL_SAMPLE,
        "incidents": len(incidents),
        "small_sample": len(incidents) < SMALL_SAMPLE,
        "by_severity": _severity_counts(incidents),
        "by_period": by_period(incidents),
        "by_quarter": by_quarter(incidents),
        "metrics": metrics(incidents),
        "metrics_by_quarter": metrics_by_quarter(incidents),
        "comparison": comparisons(incidents, since, until, today),
        "impact": impact(incidents),
        "action_items": action_items(incidents, today),
        "postmortems": postmortems(repo, incidents),
        "recurrence": recurrence(repo, incidents),
        "documentation_lag": documentation_lag(repo, incidents),
    }
    if by is not None:
        report["breakdown"] = breakdown(incidents, by)
    undated = sum(1 for i in incidents if i.data.detected_at is None)
    report["undated_incidents"] = undated
    report["notes"] = _notes(report, undated)
    return report
