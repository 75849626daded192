from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from kbfactory import incident, make_kb

from generator.cli import cli


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return make_kb(tmp_path / "kb", incidents=[
        incident(id="INC-2026-0001"),
        incident(id="INC-2026-0002", title="Payments API 502s: connection pool exhausted again"),
        incident(id="INC-2026-0003", title="Dark mode receipts unreadable", services=["ios-app"],
                 tags=["ui"], type="ui",
                 impact={"summary": "Black on black text"},
                 root_cause={"category": "code-change", "summary": "Hard-coded colour"},
                 resolution={"summary": "Shipped a fix"},
                 detection={"method": "user-report"}),
    ])


def _run(kb: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["similar", "--root", str(kb), *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_is_a_list_of_neighbours_with_reasons(kb: Path) -> None:
    code, out, _ = _run(kb, "INC-2026-0001", "--json")
    assert code == 0
    data = json.loads(out)
    assert isinstance(data, list) and data
    first = data[0]
    assert first["id"] == "INC-2026-0002"
    assert set(first) >= {"id", "title", "path", "score", "reasons"}
    assert 0.0 <= first["score"] <= 1.0
    assert all(isinstance(r, str) for r in first["reasons"])


def test_all_json_is_keyed_by_every_incident_id(kb: Path) -> None:
    code, out, _ = _run(kb, "--all", "--json")
    assert code == 0
    data = json.loads(out)
    assert sorted(data) == ["INC-2026-0001", "INC-2026-0002", "INC-2026-0003"]
    single = json.loads(_run(kb, "INC-2026-0001", "--json")[1])
    assert data["INC-2026-0001"] == single


def test_limit_caps_the_list(kb: Path) -> None:
    data = json.loads(_run(kb, "INC-2026-0001", "--json", "--limit", "1")[1])
    assert len(data) == 1


def test_an_unknown_id_exits_1_and_suggests_close_ids(kb: Path) -> None:
    code, _, err = _run(kb, "INC-2026-001")
    assert code == 1
    assert "no incident with id 'INC-2026-001'" in err
    assert "did you mean" in err and "INC-2026-0001" in err
    assert "Traceback" not in err


def test_a_lower_case_id_points_at_the_real_one(kb: Path) -> None:
    code, _, err = _run(kb, "inc-2026-0001")
    assert code == 1
    assert "did you mean INC-2026-0001?" in err


def test_neither_id_nor_all_is_a_usage_error(kb: Path) -> None:
    assert _run(kb)[0] == 2
    assert _run(kb, "INC-2026-0001", "--all")[0] == 2


def test_text_output_is_a_table_with_scores_and_reasons(kb: Path) -> None:
    code, out, _ = _run(kb, "INC-2026-0001")
    assert code == 0
    assert "INC-2026-0002" in out
    assert "score" in out and "same" in out


def test_text_output_says_when_nothing_is_similar(kb: Path) -> None:
    code, out, _ = _run(kb, "INC-2026-0003")
    assert code == 0
    assert "no similar incidents" in out


def test_all_text_lists_every_incident(kb: Path) -> None:
    code, out, _ = _run(kb, "--all")
    assert code == 0
    assert all(i in out for i in ("INC-2026-0001", "INC-2026-0002", "INC-2026-0003"))


def test_no_cache_writes_nothing(kb: Path) -> None:
    assert _run(kb, "--all", "--json", "--no-cache")[0] == 0
    cache = kb / ".incidentkb-cache"
    assert not any(cache.glob("similarity-*")) if cache.exists() else True
