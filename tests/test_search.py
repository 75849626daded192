from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from kbfactory import article, incident, incident_path, make_kb, postmortem, write_doc
from whoosh import index as whoosh_index

import generator.search as search_module
from generator.cli import cli
from generator.repository import load_repository
from generator.search import QueryError, SearchIndex, parse_query, search

POOL_BODY = "\nThe connection pool was exhausted; requests queued in PgBouncer.\n"
CERT_BODY = "\nThe pool of certificates was not renewed; the connection failed the handshake.\n"


def _cert() -> dict[str, Any]:
    return incident(
        id="INC-2026-0002", title="Gateway certificate expired", severity="SEV1",
        services=["api-gateway"], tags=["tls"], type="availability", status="mitigated",
        detected_at="2026-02-10T09:00:00Z", started_at="2026-02-10T08:50:00Z",
        acknowledged_at="2026-02-10T09:05:00Z", mitigated_at="2026-02-10T09:30:00Z",
        resolved_at=None, root_cause=None, resolution=None,
        communications=[], action_items=[],
        impact={"summary": "Mobile clients could not connect"},
    )


def _ui() -> dict[str, Any]:
    return incident(
        id="INC-2025-0003", title="Receipts unreadable in dark mode", severity="SEV4",
        services=["ios-app"], tags=["ui", "ios"], type="ui",
        started_at="2025-06-01T10:00:00Z", detected_at="2025-06-01T10:10:00Z",
        acknowledged_at="2025-06-01T10:15:00Z", mitigated_at="2025-06-01T11:00:00Z",
        resolved_at="2025-06-01T12:00:00Z", communications=[],
        resolution={"summary": "Shipped a fix"},
        root_cause={"category": "code-change", "summary": "Hard-coded colour"},
        impact={"summary": "Black text on a black background"},
    )


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = make_kb(
        tmp_path / "kb",
        incidents=[incident(), _cert(), _ui()],
        postmortems=[postmortem()],
        articles={"kb/runbooks/pool.md": article()},
    )
    write_doc(root, incident_path(incident()), incident(), POOL_BODY)
    write_doc(root, incident_path(_cert()), _cert(), CERT_BODY)
    return root


def _ids(root: Path, query: str, **kwargs: Any) -> list[tuple[str, str]]:
    return [(h.id, h.kind) for h in search(load_repository(root), query, **kwargs)]


def _incident_ids(root: Path, query: str) -> set[str]:
    return {i for i, kind in _ids(root, query) if kind == "incident"}


# --- ranking and results ---------------------------------------------------


def test_words_find_documents_ranked_by_relevance(kb: Path) -> None:
    hits = search(load_repository(kb), "pgbouncer pool")
    assert hits[0].id == "INC-2026-0001"
    assert hits[0].kind == "incident"
    assert hits[0].path == "incidents/2026/INC-2026-0001-incident.md"
    assert hits[0].score > 0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_every_kind_of_document_is_searchable(kb: Path) -> None:
    kinds = {kind for _, kind in _ids(kb, "pool")}
    assert kinds == {"incident", "postmortem", "article"}
    assert ("kb/runbooks/pool.md", "article") in _ids(kb, "kind:article")


def test_an_id_finds_its_incident_first(kb: Path) -> None:
    assert _ids(kb, "INC-2025-0003")[0] == ("INC-2025-0003", "incident")
    assert _ids(kb, "inc-2025-0003")[0][0] == "INC-2025-0003"


def test_snippets_highlight_the_matching_words(kb: Path) -> None:
    hit = search(load_repository(kb), "exhausted")[0]
    assert "exhausted" in hit.snippet
    assert "\x02exhausted\x03" in hit.marked
    assert "\x02" not in hit.snippet


def test_phrases_match_words_in_order_only(kb: Path) -> None:
    assert _incident_ids(kb, '"connection pool"') == {"INC-2026-0001"}
    assert _incident_ids(kb, "connection pool") == {"INC-2026-0001", "INC-2026-0002"}


def test_boolean_operators_work(kb: Path) -> None:
    assert _incident_ids(kb, "connection NOT pgbouncer") == {"INC-2026-0002"}
    assert _incident_ids(kb, "pgbouncer OR handshake") == {"INC-2026-0001", "INC-2026-0002"}


def test_limit_caps_the_results(kb: Path) -> None:
    assert len(search(load_repository(kb), "pool", 1)) == 1


# --- filters -----------------------------------------------------------------


def test_severity_filter_keeps_that_severity_only(kb: Path) -> None:
    assert _incident_ids(kb, "severity:SEV1") == {"INC-2026-0002"}
    assert _incident_ids(kb, "sev:sev4") == {"INC-2025-0003"}
    assert _incident_ids(kb, "severity:SEV1,SEV4") == {"INC-2026-0002", "INC-2025-0003"}


def test_field_filters_combine_with_words(kb: Path) -> None:
    assert _incident_ids(kb, "pool service:payments-api") == {"INC-2026-0001"}
    assert _incident_ids(kb, "status:mitigated") == {"INC-2026-0002"}
    assert _incident_ids(kb, "type:ui tag:ios") == {"INC-2025-0003"}
    assert _incident_ids(kb, "category:config-change") == {"INC-2026-0001"}


def test_a_leading_minus_excludes(kb: Path) -> None:
    assert _incident_ids(kb, "connection -service:payments-api") == {"INC-2026-0002"}
    assert _incident_ids(kb, "-severity:SEV2 kind:incident") == {"INC-2026-0002",
                                                                  "INC-2025-0003"}


def test_postmortems_carry_their_incidents_facets(kb: Path) -> None:
    assert ("INC-2026-0001", "postmortem") in _ids(kb, "service:payments-api kind:postmortem")


def test_filters_alone_list_newest_first(kb: Path) -> None:
    hits = search(load_repository(kb), "kind:incident")
    assert [h.id for h in hits] == ["INC-2026-0001", "INC-2026-0002", "INC-2025-0003"]


@pytest.mark.parametrize(("query", "expected"), [
    ("detected:2026-01..2026-03", {"INC-2026-0002"}),
    ("detected:2026-02", {"INC-2026-0002"}),
    ("detected:2026-02-10", {"INC-2026-0002"}),
    ("detected:2026-02-11..", {"INC-2026-0001"}),
    ("detected:2026-01-05..", {"INC-2026-0001", "INC-2026-0002"}),
    ("detected:..2025", {"INC-2025-0003"}),
    ("detected:2025", {"INC-2025-0003"}),
    ("date:2024..2024", set()),
])
def test_detected_date_ranges(kb: Path, query: str, expected: set[str]) -> None:
    assert _incident_ids(kb, query) == expected


# --- malformed queries -------------------------------------------------------


@pytest.mark.parametrize(("query", "message"), [
    ('"connection pool', "unbalanced quote"),
    ("(pool OR timeout", "unbalanced parentheses"),
    ("pool)", "unbalanced parentheses"),
    ("sevrity:SEV1", "did you mean severity"),
    ("severity:SEV9", "not one of SEV1, SEV2, SEV3, SEV4"),
    ("status:done", "not one of"),
    ("detected:2026-13", "not a valid date"),
    ("detected:yesterday", "not a date"),
    ("detected:2026-03..2026-01", "empty"),
    ("detected:..", "at least one end"),
    ("service:", "needs a value"),
    ("   ", "empty query"),
    ("the", "no words"),
])
def test_malformed_queries_raise_query_error(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)


@pytest.fixture(scope="module")
def memory_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    root = make_kb(tmp_path_factory.mktemp("q") / "kb", incidents=[incident(), _ui()],
                   postmortems=[postmortem()])
    return SearchIndex(load_repository(root), use_cache=False)


_PIECES = ["pool", "SEV1", "a", "b", " ", ":", "-", ".", '"', "(", ")", "*", "~", "^", ",",
           "/", "0", "2026", "severity:", "detected:", "service:", "title:", "id:", "kind:",
           "..", "AND", "OR", "NOT", "INC-2026-0001", "\\", "'", "é", "\x00"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_any_query_gives_results_or_a_query_error(memory_index: SearchIndex,
                                                   query: str) -> None:
    try:
        memory_index.search(query)
    except QueryError:
        pass


# --- the index on disk -------------------------------------------------------


def test_the_index_is_built_once_then_updated_by_content(kb: Path) -> None:
    first = SearchIndex(load_repository(kb))
    assert first.stats.rebuilt and first.stats.added == 5
    again = SearchIndex(load_repository(kb))
    assert not again.stats.rebuilt and (again.stats.added, again.stats.updated) == (0, 0)


def test_an_edit_updates_only_that_document_and_is_never_stale(kb: Path) -> None:
    SearchIndex(load_repository(kb))
    meta = _ui()
    write_doc(kb, incident_path(meta), meta, "\nThe zeppelin theme broke contrast.\n")
    index = SearchIndex(load_repository(kb))
    assert (index.stats.added, index.stats.updated, index.stats.deleted) == (0, 1, 0)
    assert [h.id for h in index.search("zeppelin")] == ["INC-2025-0003"]
    assert index.search("hard-coded") != [] and index.search("unreadable") != []


def test_deleted_and_added_files_leave_and_join_the_index(kb: Path) -> None:
    SearchIndex(load_repository(kb))
    (kb / incident_path(_ui())).unlink()
    new = incident(id="INC-2026-0009", title="Quokka service crashed")
    write_doc(kb, incident_path(new), new)
    index = SearchIndex(load_repository(kb))
    assert (index.stats.added, index.stats.deleted) == (1, 1)
    assert index.search("dark mode") == []
    assert [h.id for h in index.search("quokka")] == ["INC-2026-0009"]


def test_a_postmortem_edit_refreshes_its_incident(kb: Path) -> None:
    SearchIndex(load_repository(kb))
    write_doc(kb, "incidents/2026/INC-2026-0001-postmortem.md", postmortem(),
              "\n## Root causes\nA walrus.\n\n## Lessons learned\nNone.\n")
    index = SearchIndex(load_repository(kb))
    assert index.stats.updated == 2  # the postmortem and the incident that embeds it
    assert ("INC-2026-0001", "incident") in [(h.id, h.kind) for h in index.search("walrus")]


def test_a_tampered_index_is_rebuilt_not_opened(kb: Path) -> None:
    SearchIndex(load_repository(kb))
    folder = kb / ".incidentkb-cache" / "search"
    toc = next(folder.glob("*.toc"))
    toc.write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    index = SearchIndex(load_repository(kb))
    assert index.stats.rebuilt
    assert index.search("pgbouncer")


def test_a_newer_planted_table_of_contents_is_not_opened(kb: Path) -> None:
    SearchIndex(load_repository(kb))
    folder = kb / ".incidentkb-cache" / "search"
    (folder / "_MAIN_99.toc").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    index = SearchIndex(load_repository(kb))
    assert index.stats.rebuilt
    assert not (folder / "_MAIN_99.toc").exists()


def test_a_planted_index_without_our_manifest_is_rebuilt(kb: Path, tmp_path: Path) -> None:
    folder = kb / ".incidentkb-cache" / "search"
    folder.mkdir(parents=True)
    (folder / "_MAIN_1.toc").write_bytes(b"planted")
    index = SearchIndex(load_repository(kb))
    assert index.stats.rebuilt
    assert (folder / "_MAIN_1.toc").read_bytes() != b"planted"


def test_without_cache_nothing_is_written(kb: Path) -> None:
    hits = search(load_repository(kb), "pool", use_cache=False)
    assert hits
    assert not (kb / ".incidentkb-cache" / "search").exists()


def test_searching_emits_no_warnings(kb: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SearchIndex(load_repository(kb)).search('"connection pool" detected:2026')
        SearchIndex(load_repository(kb)).search("pool")


# --- the command -------------------------------------------------------------


def _run(kb: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["search", "--root", str(kb), *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_output_has_the_contract_fields(kb: Path) -> None:
    code, out, _ = _run(kb, "pool", "--json", "--limit", "2")
    assert code == 0
    data = json.loads(out)
    assert len(data) == 2
    assert set(data[0]) >= {"id", "title", "path", "score", "snippet", "kind"}


def test_text_output_shows_id_title_path_and_snippet(kb: Path) -> None:
    code, out, _ = _run(kb, "pgbouncer")
    assert code == 0
    assert "INC-2026-0001" in out and "incidents/2026/INC-2026-0001-incident.md" in out
    assert "PgBouncer" in out
    assert "result" in out


def test_words_may_come_as_separate_arguments(kb: Path) -> None:
    code, out, _ = _run(kb, "pool", "severity:SEV1", "--json")
    assert code == 0
    assert [d["id"] for d in json.loads(out)] == ["INC-2026-0002"]


def test_no_results_exit_0_with_a_message(kb: Path) -> None:
    code, out, _ = _run(kb, "xylophone")
    assert code == 0
    assert "No documents match" in out
    assert json.loads(_run(kb, "xylophone", "--json")[1]) == []


def test_a_malformed_query_exits_2_with_the_reason(kb: Path) -> None:
    code, _, err = _run(kb, "severity:SEV9")
    assert code == 2
    assert "SEV9" in err and "Traceback" not in err


def test_a_locked_index_is_answered_from_memory(kb: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    SearchIndex(load_repository(kb))
    monkeypatch.setattr(search_module, "_WRITE_TIMEOUT", 0.05)
    held = whoosh_index.open_dir(str(kb / ".incidentkb-cache" / "search")).writer()
    try:
        new = incident(id="INC-2026-0009", title="Quokka service crashed")
        write_doc(kb, incident_path(new), new)
        index = SearchIndex(load_repository(kb))
        assert [h.id for h in index.search("quokka")] == ["INC-2026-0009"]
    finally:
        held.cancel()
    index = SearchIndex(load_repository(kb))  # once the lock is gone, the disk catches up
    assert (index.stats.added, index.stats.rebuilt) == (1, False)
