"""Property: whatever a document holds, validation returns findings and never raises."""

from __future__ import annotations

import datetime as dt

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.facts import FactIndex, facts_of
from generator.loading import parse_bytes
from generator.rules import check_file, check_repository, check_time

NOW = dt.datetime(2026, 12, 4, tzinfo=dt.timezone.utc)
KEYS = ["id", "title", "status", "severity", "type", "services", "tags", "impact", "detection",
        "started_at", "detected_at", "mitigated_at", "resolved_at", "verified_at", "commander",
        "root_cause", "resolution", "verification", "communications", "action_items",
        "related", "kb", "kind", "incident", "authors", "reviewers", "review_date", "summary",
        "at", "due", "status", "category", "method", "users_affected", "steps", "incidents"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=20), st.sampled_from(["SEV1", "resolved", "postmortem", "INC-2026-0001",
                                           "kb/x.md", "2026-11-03T14:07:00Z", "2026-11-03"]),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children,
                        max_size=5),
    ),
    max_leaves=25,
)
mappings = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), values,
                           max_size=12)


def _validate_text(raw: bytes, area: str = "incidents") -> list:
    rel = f"{area}/2026/INC-2026-0001-x.md"
    parsed = parse_bytes(rel, raw)
    doc, findings = check_file(parsed, area)
    index = FactIndex([facts_of(doc)] if doc is not None else [])
    findings += check_time(index, NOW) + check_repository(index)
    for f in findings:
        assert f.path == rel and f.line >= 1 and f.rule and f.message
    return findings


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mappings, st.sampled_from(["incidents", "kb"]))
def test_any_frontmatter_mapping_gives_findings_not_exceptions(meta: dict, area: str) -> None:
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\nbody\n"
    _validate_text(text.encode("utf-8"), area)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_findings_not_exceptions(raw: bytes) -> None:
    _validate_text(raw)
    _validate_text(b"---\n" + raw + b"\n---\n")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_in_the_frontmatter_gives_findings_not_exceptions(text: str) -> None:
    _validate_text(("---\n" + text + "\n---\n").encode("utf-8", errors="surrogatepass"))
