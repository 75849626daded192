"""bench/synth.py: the synthetic knowledge base is valid, varied and deterministic."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from generator.repository import load_repository
from generator.validation import validate

SYNTH = Path(__file__).resolve().parent.parent / "bench" / "synth.py"


@pytest.fixture(scope="module")
def synth():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_synth", SYNTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_synth"] = module
    spec.loader.exec_module(module)
    return module


def test_thirty_incidents_validate_without_errors(synth, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    counts = synth.generate(30, tmp_path)
    result = validate(tmp_path, use_cache=False)
    assert counts["incidents"] == 30
    assert result.errors == 0, [f for f in result.findings if f.severity == "error"][:5]
    repo = load_repository(tmp_path)
    assert len(repo.incidents) == 30
    assert repo.postmortems and repo.articles
    assert (tmp_path / "mkdocs.yml").read_text().startswith("site_name:")


def test_every_status_occurs_and_bodies_are_a_few_kilobytes(synth, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    synth.generate(300, tmp_path)
    repo = load_repository(tmp_path)
    assert validate(tmp_path, use_cache=False).errors == 0
    statuses = Counter(i.data.status for i in repo.incidents)
    assert set(statuses) == set(synth.STATUSES)
    sizes = sorted(len(i.body.encode()) for i in repo.incidents)
    assert 2500 <= sizes[len(sizes) // 2] <= 5500
    assert any(i.data.related for i in repo.incidents)
    assert any(i.data.kb for i in repo.incidents)


def test_same_seed_same_bytes(synth, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    synth.generate(20, tmp_path / "a")
    synth.generate(20, tmp_path / "b")
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.md")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.md")}
    assert a == b
