"""Trend figures on tiny hand-computed knowledge bases."""

from __future__ import annotations

import datetime as dt
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kbfactory import incident, make_kb, postmortem

from generator.repository import Repository, load_repository
from generator.trends import (
    SMALL_SAMPLE,
    build_report,
    compare_samples,
    summarise,
)

TODAY = dt.date(2026, 12, 4)


def report_of(tmp_path: Path, incidents: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("today", TODAY)
    return build_report(load_repo(tmp_path, incidents, kwargs.pop("postmortems", None)), **kwargs)


def load_repo(tmp_path: Path, incidents: list[dict[str, Any]],
              postmortems: list[dict[str, Any]] | None = None) -> Repository:
    return load_repository(make_kb(tmp_path / "kb", incidents=incidents, postmortems=postmortems))


def timed(n: int, *, detected: str, resolve_minutes: float, **changes: Any) -> dict[str, Any]:
    """An incident with only detected_at and resolved_at (resolve_minutes later)."""
    start = dt.datetime.fromisoformat(detected.replace("Z", "+00:00"))
    resolved = start + dt.timedelta(minutes=resolve_minutes)
    base = dict(id=f"INC-2026-{n:04d}", detected_at=detected,
                resolved_at=resolved.isoformat(), mitigated_at=resolved.isoformat(),
                started_at=None, acknowledged_at=None, action_items=[], communications=[],
                resolution={"summary": "Fixed"})
    return incident(**{**base, **changes})


# --- empty and single -----------------------------------------------------------------


def test_empty_repository_reports_zero_incidents_and_no_periods(tmp_path: Path) -> None:
    report = report_of(tmp_path, [])
    assert report["incidents"] == 0
    assert report["by_period"] == [] and report["by_quarter"] == []
    for summary in report["metrics"].values():
        assert summary["count"] == 0 and summary["median_minutes"] is None
        assert summary["small_sample"] is True
    assert report["action_items"] == {**report["action_items"], "total": 0, "open": 0,
                                      "overdue": 0, "done": 0}
    assert report["comparison"]["earlier"] is None
    assert report["impact"]["by_service"] == []
    assert any("No incidents" in note for note in report["notes"])


def test_single_incident_metrics_are_its_own_durations_flagged_small(tmp_path: Path) -> None:
    # started 13:58, detected 14:07, acknowledged 14:09, mitigated 14:45, resolved 15:20
    report = report_of(tmp_path, [incident()])
    expected = {"time_to_detect": 9, "time_to_acknowledge": 2,
                "time_to_mitigate": 38, "time_to_resolve": 73}
    for name, minutes in expected.items():
        summary = report["metrics"][name]
        assert summary["count"] == 1
        assert summary["median_minutes"] == summary["p90_minutes"] == minutes
        assert summary["mean_minutes"] == minutes
        assert summary["small_sample"] is True
    assert report["by_period"] == [{"period": "2026-11", "count": 1,
                                    "by_severity": {"SEV1": 0, "SEV2": 1, "SEV3": 0, "SEV4": 0}}]


def test_median_and_p90_equal_numpy_linear_percentile(tmp_path: Path) -> None:
    durations = [10, 20, 100]
    report = report_of(tmp_path, [
        timed(i + 1, detected=f"2026-11-0{i + 1}T10:00:00Z", resolve_minutes=m)
        for i, m in enumerate(durations)
    ])
    summary = report["metrics"]["time_to_resolve"]
    # linear: position 0.9 * (3 - 1) = 1.8 -> 20 + 0.8 * (100 - 20) = 84
    assert summary["p90_minutes"] == pytest.approx(84.0)
    assert summary["median_minutes"] == 20
    assert summary["mean_minutes"] == pytest.approx(43.333, abs=1e-3)
    assert (summary["min_minutes"], summary["max_minutes"]) == (10, 100)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=40))
def test_summarise_never_fails_and_matches_numpy(values: list[float]) -> None:
    summary = summarise(values)
    assert summary["count"] == len(values)
    assert summary["small_sample"] is (len(values) < SMALL_SAMPLE)
    if values:
        assert summary["median_minutes"] == pytest.approx(np.median(values), abs=1e-3)
        assert summary["p90_minutes"] == pytest.approx(np.percentile(values, 90), abs=1e-3)


def test_missing_timestamps_leave_the_metric_but_not_the_count(tmp_path: Path) -> None:
    report = report_of(tmp_path, [
        incident(),
        incident(id="INC-2026-0002", started_at=None, acknowledged_at=None),
    ])
    assert report["incidents"] == 2
    assert report["metrics"]["time_to_detect"]["count"] == 1
    assert report["metrics"]["time_to_acknowledge"]["count"] == 1
    assert report["metrics"]["time_to_resolve"]["count"] == 2
    assert any("1 of 2 incidents lack" in note for note in report["notes"])


# --- periods and time zones -------------------------------------------------------------


def test_month_and_quarter_are_utc_even_with_plus_fourteen_offsets(tmp_path: Path) -> None:
    # 2026-10-01T05:00+14:00 is 2026-09-30T15:00Z: September, Q3
    report = report_of(tmp_path, [
        timed(1, detected="2026-10-01T05:00:00+14:00", resolve_minutes=30),
        timed(2, detected="2026-10-01T15:00:00+14:00", resolve_minutes=30),
    ])
    assert [(p["period"], p["count"]) for p in report["by_period"]] == [
        ("2026-09", 1), ("2026-10", 1)]
    assert [(q["period"], q["count"]) for q in report["by_quarter"]] == [
        ("2026-Q3", 1), ("2026-Q4", 1)]


def test_since_and_until_select_by_utc_detection_date(tmp_path: Path) -> None:
    rows = [timed(1, detected="2026-03-31T23:30:00-02:00", resolve_minutes=5),  # Apr 1 UTC
            timed(2, detected="2026-05-10T10:00:00Z", resolve_minutes=5),
            timed(3, detected="2026-06-01T10:00:00Z", resolve_minutes=5)]
    report = report_of(tmp_path, rows, since=dt.date(2026, 4, 1), until=dt.date(2026, 5, 31))
    assert report["incidents"] == 2
    assert [p["period"] for p in report["by_period"]] == ["2026-04", "2026-05"]


def test_months_without_incidents_are_listed_with_zero(tmp_path: Path) -> None:
    report = report_of(tmp_path, [timed(1, detected="2026-01-05T10:00:00Z", resolve_minutes=5),
                                  timed(2, detected="2026-04-05T10:00:00Z", resolve_minutes=5)])
    assert [(p["period"], p["count"]) for p in report["by_period"]] == [
        ("2026-01", 1), ("2026-02", 0), ("2026-03", 0), ("2026-04", 1)]
    assert all(set(p["by_severity"]) == {"SEV1", "SEV2", "SEV3", "SEV4"}
               for p in report["by_period"])


def test_quarters_count_types_and_root_causes_with_unresolved_as_not_recorded(
    tmp_path: Path,
) -> None:
    open_one = incident(id="INC-2026-0002", status="mitigated", type="data",
                        root_cause=None, resolution=None, resolved_at=None)
    report = report_of(tmp_path, [incident(), open_one])
    quarter = report["by_quarter"][0]
    assert quarter["period"] == "2026-Q4" and quarter["count"] == 2
    assert quarter["by_type"]["technical"] == 1 and quarter["by_type"]["data"] == 1
    assert quarter["by_root_cause"]["config-change"] == 1
    assert quarter["by_root_cause"]["not-recorded"] == 1


# --- impact --------------------------------------------------------------------------------


def test_incident_minutes_per_service_use_start_or_detection_and_end_or_mitigation(
    tmp_path: Path,
) -> None:
    a = incident()  # started 13:58 -> resolved 15:20: 82 minutes, payments-api + postgres
    b = incident(id="INC-2026-0002", services=["payments-api"], started_at=None,
                 status="mitigated", resolved_at=None, root_cause=None, resolution=None)
    # b: detected 14:07 -> mitigated 14:45: 38 minutes
    report = report_of(tmp_path, [a, b])
    services = {s["service"]: s for s in report["impact"]["by_service"]}
    assert services["payments-api"]["incident_minutes"] == 120
    assert services["payments-api"]["incidents"] == 2
    assert services["payments-api"]["median_minutes"] == 60
    assert services["postgres"]["incident_minutes"] == 82
    assert report["impact"]["total_incident_minutes"] == 120
    assert [s["service"] for s in report["impact"]["by_service"]] == ["payments-api", "postgres"]


# --- action items and postmortems ----------------------------------------------------------


ITEMS = [
    {"title": "a", "owner": "x", "due": "2026-12-03", "status": "open"},
    {"title": "b", "owner": "x", "due": "2026-12-04", "status": "in-progress"},
    {"title": "c", "owner": "x", "due": "2026-11-01", "status": "done", "done_at": "2026-11-13"},
    {"title": "d", "owner": "x", "due": "2026-11-01", "status": "wontfix"},
    {"title": "e", "owner": "x", "status": "open"},
]


def test_action_items_count_states_and_overdue_before_today(tmp_path: Path) -> None:
    ai = report_of(tmp_path, [incident(action_items=ITEMS)])["action_items"]
    assert (ai["total"], ai["open"], ai["overdue"], ai["done"], ai["wontfix"]) == (5, 3, 1, 1, 1)
    assert [o["title"] for o in ai["overdue_items"]] == ["a"]
    assert ai["overdue_items"][0]["days_overdue"] == 1
    assert ai["done_share"] == 0.25  # 1 done of 4 committed (wontfix left out)
    # detected 2026-11-03, done 2026-11-13
    assert ai["days_to_done"]["median_days"] == 10 and ai["days_to_done"]["small_sample"]


def test_overdue_moves_with_the_injected_today(tmp_path: Path) -> None:
    repo = load_repo(tmp_path, [incident(action_items=ITEMS)])
    later = build_report(repo, today=dt.date(2026, 12, 10))["action_items"]
    assert later["overdue"] == 2
    assert build_report(repo, today=dt.date(2026, 12, 3))["action_items"]["overdue"] == 0


def test_postmortem_lag_and_share_of_major_incidents_with_one(tmp_path: Path) -> None:
    sev1 = incident(id="INC-2026-0002", severity="SEV1")
    minor = incident(id="INC-2026-0003", severity="SEV4")
    report = report_of(tmp_path, [incident(), sev1, minor],
                       postmortems=[postmortem(review_date="2026-11-06")])
    pm = report["postmortems"]
    assert pm["lag_days"]["count"] == 1 and pm["lag_days"]["median_days"] == 3
    assert (pm["major_incidents"], pm["major_with_published_postmortem"]) == (2, 1)
    assert pm["published_share"] == 0.5
    assert pm["major_without_postmortem"] == ["INC-2026-0002"]
    assert pm["small_sample"] is True


# --- honest comparisons --------------------------------------------------------------------


def test_comparison_with_few_incidents_says_not_enough_to_tell() -> None:
    result = compare_samples([10, 20, 30], [100, 200, 300, 400, 500])
    assert result["verdict"].startswith("not enough incidents to tell")
    assert result["small_sample"] and not result["conclusive"]
    assert result["ci_low_minutes"] is None and result["difference_minutes"] == 280


def test_comparison_with_overlapping_samples_says_not_enough_to_tell() -> None:
    result = compare_samples([60, 70, 80, 90, 100, 120], [50, 75, 85, 95, 110, 130])
    assert not result["conclusive"]
    assert result["ci_low_minutes"] < 0 < result["ci_high_minutes"]
    assert result["verdict"].startswith("not enough incidents to tell")


def test_comparison_of_clearly_different_samples_reports_the_change() -> None:
    result = compare_samples([60, 70, 80, 90, 100, 120], [10, 12, 15, 20, 25, 30])
    assert result["conclusive"] and result["outcome"] == "shorter"
    assert result["difference_minutes"] == -67.5
    assert result["ci_high_minutes"] < 0
    assert result["mann_whitney_p"] < 0.05
    assert compare_samples([60, 70, 80, 90, 100, 120], [10, 12, 15, 20, 25, 30]) == result


def test_report_compares_the_latest_quarter_with_the_one_before(tmp_path: Path) -> None:
    slow = [timed(i, detected=f"2026-08-{i:02d}T10:00:00Z", resolve_minutes=100 + i)
            for i in range(1, 7)]
    fast = [timed(i + 10, detected=f"2026-11-{i:02d}T10:00:00Z", resolve_minutes=10 + i)
            for i in range(1, 7)]
    comp = report_of(tmp_path, slow + fast)["comparison"]
    assert (comp["earlier"]["label"], comp["later"]["label"]) == ("2026-Q3", "2026-Q4")
    resolve = comp["metrics"]["time_to_resolve"]
    assert resolve["outcome"] == "shorter" and resolve["difference_minutes"] == -90
    assert comp["metrics"]["time_to_detect"]["verdict"].startswith("not enough")


def test_explicit_range_compares_its_two_halves(tmp_path: Path) -> None:
    rows = [timed(1, detected="2026-01-10T10:00:00Z", resolve_minutes=5)]
    comp = report_of(tmp_path, rows, since=dt.date(2026, 1, 1),
                     until=dt.date(2026, 1, 31))["comparison"]
    assert comp["earlier"]["end"] == "2026-01-16" and comp["later"]["start"] == "2026-01-17"
    assert comp["earlier"]["incidents"] == 1 and comp["later"]["incidents"] == 0


# --- recurrence, documentation lag, breakdown ----------------------------------------------


def _fake_similar(pairs: dict[str, str]) -> Any:
    def similar_all(repo: Repository, limit: int = 5, **_: Any) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for inc in repo.incidents:
            other = pairs.get(inc.id)
            out[inc.id] = [types.SimpleNamespace(id=other, title="t", path="p", score=0.5,
                                                 reasons=("x",))] if other else []
        return out
    return similar_all


def test_recurrence_counts_top_neighbours_detected_within_ninety_days_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [timed(1, detected="2026-01-01T10:00:00Z", resolve_minutes=5),
            timed(2, detected="2026-03-01T10:00:00Z", resolve_minutes=5),   # 59 days after 1
            timed(3, detected="2026-11-01T10:00:00Z", resolve_minutes=5)]   # 245 after 2
    import generator.similarity as similarity
    monkeypatch.setattr(similarity, "similar_all", _fake_similar(
        {"INC-2026-0001": "INC-2026-0002", "INC-2026-0002": "INC-2026-0001",
         "INC-2026-0003": "INC-2026-0002"}))
    rec = report_of(tmp_path, rows)["recurrence"]
    assert rec["available"] and rec["count"] == 1
    assert rec["incidents"][0]["id"] == "INC-2026-0002"
    assert rec["incidents"][0]["days_after"] == 59
    assert rec["services"] == [{"service": "payments-api", "recurrences": 1},
                               {"service": "postgres", "recurrences": 1}]
    assert rec["share"] == pytest.approx(1 / 3, abs=1e-3)


def test_documentation_lag_is_first_commit_minus_detection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = load_repo(tmp_path, [incident()])
    first = dt.datetime(2026, 11, 3, 20, 7, tzinfo=dt.timezone.utc)  # 6 h after detection
    fake = types.ModuleType("generator.history")
    fake.history_facts = lambda root: {  # type: ignore[attr-defined]
        repo.incidents[0].path: types.SimpleNamespace(first_committed_at=first)}
    monkeypatch.setitem(sys.modules, "generator.history", fake)
    lag = build_report(repo, today=TODAY)["documentation_lag"]
    assert lag["available"] and lag["lag_hours"]["median_hours"] == 6
    assert lag["lag_hours"]["small_sample"] is True


def test_documentation_lag_outside_git_is_unavailable(tmp_path: Path) -> None:
    lag = report_of(tmp_path, [incident()])["documentation_lag"]
    assert lag["available"] is False and lag["reason"]


def test_breakdown_by_service_counts_an_incident_for_each_service(tmp_path: Path) -> None:
    other = incident(id="INC-2026-0002", services=["search-api"])
    bd = report_of(tmp_path, [incident(), other], by="service")["breakdown"]
    groups = {g["key"]: g for g in bd["groups"]}
    assert set(groups) == {"payments-api", "postgres", "search-api"}
    assert groups["postgres"]["incidents"] == 1 and groups["postgres"]["small_sample"]
    assert groups["postgres"]["metrics"]["time_to_resolve"]["median_minutes"] == 73


def test_breakdown_by_severity_follows_severity_order(tmp_path: Path) -> None:
    rows = [incident(id="INC-2026-0002", severity="SEV3"), incident(severity="SEV1")]
    bd = report_of(tmp_path, rows, by="severity")["breakdown"]
    assert [g["key"] for g in bd["groups"]] == ["SEV1", "SEV3"]


def test_unknown_breakdown_dimension_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dimension"):
        report_of(tmp_path, [incident()], by="colour")


# --- odd data --------------------------------------------------------------------------------


def test_an_incident_without_a_valid_detected_at_is_counted_but_undated(tmp_path: Path) -> None:
    broken = incident(id="INC-2026-0002", detected_at="yesterday")
    report = report_of(tmp_path, [incident(), broken])
    assert report["incidents"] == 2 and report["undated_incidents"] == 1
    assert sum(p["count"] for p in report["by_period"]) == 1
    assert report["metrics"]["time_to_resolve"]["count"] == 1
    assert any("no valid detected_at" in note for note in report["notes"])
    bounded = report_of(tmp_path / "again", [incident(), broken], since=dt.date(2026, 1, 1))
    assert bounded["incidents"] == 1


def test_timestamps_out_of_order_give_no_negative_durations(tmp_path: Path) -> None:
    backwards = incident(resolved_at="2026-11-03T14:00:00Z")  # before detection at 14:07
    report = report_of(tmp_path, [backwards])
    assert report["metrics"]["time_to_resolve"]["count"] == 0
    assert report["metrics"]["time_to_mitigate"]["count"] == 1
