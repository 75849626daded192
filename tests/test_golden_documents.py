"""Golden files: each document under tests/golden/cases is validated in a root
with the companion documents, and its findings must equal the .json beside it.

Set INCIDENTKB_REGEN_GOLDEN=1 to rewrite the expectations (then review the diff).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from generator.validation import validate

GOLDEN = Path(__file__).parent / "golden"
CASES = GOLDEN / "cases"
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone.utc)
CASE_FILES = sorted(p for p in CASES.rglob("*.md"))


def _root_with(case: Path, tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "root"
    shutil.copytree(GOLDEN / "companions", root)
    rel = case.relative_to(CASES).as_posix()
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(case, root / rel)
    return root, rel


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_document_findings_match_golden_file(case: Path, tmp_path: Path) -> None:
    root, rel = _root_with(case, tmp_path)
    result = validate(root, now=NOW, use_cache=False)
    got = [f.to_dict() for f in result.findings if f.path == rel]
    expected_file = case.with_suffix(".json")
    if os.environ.get("INCIDENTKB_REGEN_GOLDEN"):
        expected_file.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(expected_file.read_text())
    assert got == expected
    # the companions stay clean whatever the case does to them, except where
    # the case is about them (a duplicate id or postmortem)
    others = [f for f in result.findings if f.path != rel and f.severity == "error"]
    if "duplicate" not in case.stem:
        assert others == []


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_golden_case_name_says_what_it_expects(case: Path) -> None:
    expected = json.loads(case.with_suffix(".json").read_text())
    severities = {f["severity"] for f in expected}
    if case.stem.endswith("-pass") or "-pass-" in case.stem:
        assert expected == []
    elif "-warning" in case.stem:
        assert severities == {"warning"}
    else:
        assert "-fail" in case.stem and "error" in severities
