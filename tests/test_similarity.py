from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from kbfactory import POSTMORTEM_BODY, incident, incident_path, make_kb, postmortem, write_doc

from generator import similarity
from generator.concepts import FAILURE_MODES, TRIGGERS, concepts_of
from generator.repository import load_repository
from generator.similarity import WEIGHTS, SimilarityIndex, similar_all, similar_to
from generator.text import stem, terms, weighted_counts

POOL_BODY = """
## Summary
The payments API connection pool was exhausted and requests timed out.
PgBouncer queued clients; every pod waited on the connection pool.
"""


def _pool_a() -> dict[str, Any]:
    return incident()  # payments-api, postgres; config-change; connection-pool


def _pool_b() -> dict[str, Any]:
    return incident(
        id="INC-2026-0002",
        title="Refund API timeouts after the connection pool to postgres was exhausted",
        services=["payments-api", "refunds-api", "postgres"],
        tags=["connection-pool", "database"],
        impact={"summary": "Refunds timed out while the connection pool was exhausted"},
        root_cause={"category": "config-change",
                    "summary": "A config refactor lowered the connection pool size"},
    )


def _certificate() -> dict[str, Any]:
    return incident(
        id="INC-2026-0003",
        title="Gateway TLS certificate expired and clients failed the handshake",
        services=["api-gateway"],
        tags=["tls", "certificate"],
        type="availability",
        impact={"summary": "Mobile clients could not connect for 40 minutes"},
        root_cause={"category": "process",
                    "summary": "The certificate expired because renewal emails went unread"},
        resolution={"summary": "Issued and deployed a new certificate"},
        detection={"method": "user-report"},
    )


def _dark_mode() -> dict[str, Any]:
    return incident(
        id="INC-2026-0004",
        title="Receipts unreadable in dark mode on the iOS app",
        services=["ios-app"],
        tags=["ui"],
        type="ui",
        impact={"summary": "Black text on a black background in receipts"},
        root_cause={"category": "code-change",
                    "summary": "A colour constant was hard-coded in the receipt view"},
        resolution={"summary": "Shipped 4.31.1 with theme colours"},
        detection={"method": "user-report"},
    )


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = make_kb(tmp_path / "kb", incidents=[_pool_a(), _pool_b(), _certificate(), _dark_mode()])
    for meta in (_pool_a(), _pool_b()):
        write_doc(root, incident_path(meta), meta, POOL_BODY)
    return root


def _everything(weights_threshold: float = 0.0) -> Any:
    return dataclasses.replace(WEIGHTS, threshold=weights_threshold)


def test_the_most_similar_incident_shares_service_cause_and_terms(kb: Path) -> None:
    found = similar_to(load_repository(kb), "INC-2026-0001", use_cache=False)
    assert found[0].id == "INC-2026-0002"
    reasons = found[0].reasons
    assert "same services payments-api, postgres" in reasons
    assert "same root cause category config-change" in reasons
    assert "shared tags: connection-pool, database" in reasons
    terms_reason = next(r for r in reasons if r.startswith("shared terms: "))
    assert "connection pool" in terms_reason
    assert found[0].path == "incidents/2026/INC-2026-0002-incident.md"


def test_a_single_shared_service_reads_in_the_singular(tmp_path: Path) -> None:
    a = incident(id="INC-2026-0001", services=["payments-api"])
    b = incident(id="INC-2026-0002", services=["payments-api", "ledger"])
    root = make_kb(tmp_path / "kb", incidents=[a, b])
    found = similar_to(load_repository(root), "INC-2026-0001", use_cache=False)
    assert "same service payments-api" in found[0].reasons


def test_scores_are_symmetric_and_between_zero_and_one(kb: Path) -> None:
    result = similar_all(load_repository(kb), 10, use_cache=False, weights=_everything())
    scores = {(a, n.id): n.score for a, found in result.items() for n in found}
    assert scores
    for (a, b), score in scores.items():
        assert 0.0 <= score <= 1.0
        if (b, a) in scores:
            assert scores[(b, a)] == score


def test_identical_incidents_score_close_to_one(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb", incidents=[incident(id="INC-2026-0001"),
                                               incident(id="INC-2026-0002")])
    found = similar_to(load_repository(root), "INC-2026-0001", use_cache=False)
    assert found[0].score == pytest.approx(1.0, abs=1e-3)


def test_the_threshold_hides_unrelated_incidents(kb: Path) -> None:
    repo = load_repository(kb)
    result = similar_all(repo, 5, use_cache=False)
    assert result["INC-2026-0004"] == []
    assert "INC-2026-0004" not in {n.id for n in result["INC-2026-0001"]}
    # with no threshold the same pair may be listed, far down
    loose = similar_all(repo, 5, use_cache=False, weights=_everything())
    assert all(n.score < WEIGHTS.threshold for n in loose["INC-2026-0004"])


def test_neighbours_are_ordered_by_score_and_limited(kb: Path) -> None:
    result = similar_all(load_repository(kb), 2, use_cache=False, weights=_everything())
    for found in result.values():
        assert len(found) <= 2
        assert [n.score for n in found] == sorted((n.score for n in found), reverse=True)


def test_every_incident_has_an_entry_and_never_itself(kb: Path) -> None:
    result = similar_all(load_repository(kb), 5, use_cache=False, weights=_everything())
    assert sorted(result) == ["INC-2026-0001", "INC-2026-0002", "INC-2026-0003",
                              "INC-2026-0004"]
    assert all(key not in {n.id for n in found} for key, found in result.items())


@pytest.mark.parametrize("dense_share", [0.0, 2.0])
def test_dense_and_sparse_candidate_blocks_agree(kb: Path, dense_share: float,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = load_repository(kb)
    expected = similar_all(repo, 5, use_cache=False, weights=_everything())
    monkeypatch.setattr(similarity, "_DENSE_SHARE", dense_share)
    assert similar_all(repo, 5, use_cache=False, weights=_everything()) == expected


def test_row_blocks_do_not_change_the_result(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = load_repository(kb)
    expected = similar_all(repo, 5, use_cache=False, weights=_everything())
    monkeypatch.setattr(similarity, "_MIN_BLOCK_ROWS", 1)
    monkeypatch.setattr(similarity, "_BLOCK_CELLS", 1)
    assert similar_all(repo, 5, use_cache=False, weights=_everything()) == expected


def test_an_unknown_id_raises_key_error(kb: Path) -> None:
    with pytest.raises(KeyError):
        similar_to(load_repository(kb), "INC-2099-0001", use_cache=False)


def test_tiny_repositories_have_no_neighbours(tmp_path: Path) -> None:
    one = make_kb(tmp_path / "one")
    assert similar_all(load_repository(one), use_cache=False) == {"INC-2026-0001": []}
    empty = make_kb(tmp_path / "empty", incidents=[])
    assert similar_all(load_repository(empty), use_cache=False) == {}


def test_incidents_with_few_fields_do_not_break_the_engine(tmp_path: Path) -> None:
    bare = _bare("INC-2026-0009", "x", "a")
    root = make_kb(tmp_path / "kb", incidents=[bare, incident()])
    result = similar_all(load_repository(root), use_cache=False, weights=_everything())
    assert set(result) == {"INC-2026-0001", "INC-2026-0009"}


def _bare(iid: str, title: str, service: str) -> dict[str, Any]:
    """A just-detected incident: few fields, so little text of its own."""
    return {"id": iid, "title": title, "status": "detected", "severity": "SEV4",
            "type": "other", "services": [service], "impact": {"summary": title},
            "detection": {"method": "other"}, "detected_at": "2026-11-03T14:07:00Z"}


def test_the_postmortem_text_counts_for_its_incident(tmp_path: Path) -> None:
    a = _bare("INC-2026-0001", "Checkout slow", "checkout")
    b = _bare("INC-2026-0002", "Search degraded", "search")
    root = make_kb(tmp_path / "kb", incidents=[a, b])
    write_doc(root, incident_path(a), a, "\nNotes.\n")
    write_doc(root, incident_path(b), b, "\nNotes.\n")
    assert similar_to(load_repository(root), "INC-2026-0001", use_cache=False) == []
    shared = "\nThe zookeeper ensemble lost quorum during the kernel upgrade.\n"
    for iid in ("INC-2026-0001", "INC-2026-0002"):
        write_doc(root, f"incidents/2026/{iid}-postmortem.md", postmortem(incident=iid),
                  POSTMORTEM_BODY + shared)
    after = similar_to(load_repository(root), "INC-2026-0001", use_cache=False)
    assert after[0].id == "INC-2026-0002"
    assert any(r.startswith("shared terms: ") for r in after[0].reasons)


def test_editing_one_incident_reanalyses_only_that_one(kb: Path) -> None:
    assert SimilarityIndex(load_repository(kb)).recomputed == 4
    assert SimilarityIndex(load_repository(kb)).recomputed == 0
    meta = _certificate()
    meta["title"] = "Gateway certificate expired again"
    write_doc(kb, incident_path(meta), meta)
    assert SimilarityIndex(load_repository(kb)).recomputed == 1


def test_a_new_postmortem_reanalyses_its_incident_only(kb: Path) -> None:
    SimilarityIndex(load_repository(kb))
    write_doc(kb, "incidents/2026/INC-2026-0003-postmortem.md",
              postmortem(incident="INC-2026-0003"), POSTMORTEM_BODY)
    assert SimilarityIndex(load_repository(kb)).recomputed == 1


def test_cached_results_equal_fresh_ones(kb: Path) -> None:
    fresh = similar_all(load_repository(kb), use_cache=False)
    first = similar_all(load_repository(kb))
    again = similar_all(load_repository(kb))
    assert fresh == first == again
    assert similar_to(load_repository(kb), "INC-2026-0001") == fresh["INC-2026-0001"]


def test_a_changed_title_shows_in_cached_results(kb: Path) -> None:
    similar_all(load_repository(kb))
    meta = _pool_b()
    meta["title"] = "Refund API timeouts: connection pool exhausted (renamed)"
    write_doc(kb, incident_path(meta), meta, POOL_BODY)
    found = similar_all(load_repository(kb))["INC-2026-0001"]
    assert found[0].title == meta["title"]


def test_neighbour_json_has_the_contract_fields(kb: Path) -> None:
    found = similar_to(load_repository(kb), "INC-2026-0001", use_cache=False)
    data = found[0].to_json()
    assert set(data) >= {"id", "title", "path", "score", "reasons"}
    assert isinstance(data["reasons"], list)


# --- text analysis ---------------------------------------------------------


def test_plurals_are_stemmed_but_names_are_not() -> None:
    assert stem("timeouts") == "timeout"
    assert stem("retries") == "retry"
    assert stem("postgres") == "postgres"
    assert stem("kubernetes") == "kubernetes"
    assert stem("status") == "status"


def test_terms_are_words_and_bigrams_without_stop_words() -> None:
    found = terms("The connection-pools timed out; HTTP 502s")
    assert "connection pool" in found
    assert "502" in found
    assert "the" not in found


def test_bigrams_never_cross_a_line_or_sentence_end() -> None:
    found = terms("Pool exhausted.\n## Diagnosis\nQueue | backlog")
    assert "pool exhausted" in found
    assert "exhausted diagnosis" not in found and "queue backlog" not in found


def test_numbers_other_than_status_codes_are_ignored() -> None:
    assert terms("2026 12 1.5 503") == ["503"]


def test_sublinear_counts_add_up_across_fields() -> None:
    counts = weighted_counts([("disk disk", 1.0), ("disk", 2.0)])
    assert counts["disk"] == pytest.approx((1.0 + 0.6931) + 2.0, abs=1e-3)


def test_every_failure_mode_trigger_is_one_or_two_words() -> None:
    assert TRIGGERS
    assert all(1 <= len(term.split(" ")) <= 2 for term in TRIGGERS)
    assert {m for modes in TRIGGERS.values() for m in modes} == set(FAILURE_MODES)


def test_a_text_names_its_failure_modes() -> None:
    counts = weighted_counts([("The TLS certificate expired at midnight", 1.0)])
    assert "certificate expiry" in concepts_of(counts)
    assert concepts_of(weighted_counts([("The button colour was wrong", 1.0)])) == {}
