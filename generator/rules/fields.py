"""Schema rules: parsed frontmatter -> a typed document plus findings.

Values that fail the schema are reported once, with the line of the key, and
the document is still built with those keys left out, so the other rules can
go on checking what is there.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from ..documents import AnyDocument, Article, Incident, Postmortem
from ..findings import Finding, error, warning
from ..loading import ParsedFile
from ..schema import ArticleModel, IncidentModel, PostmortemModel, allowed_values, child_model

# pydantic error types -> (rule id, severity)
_RULE_OF_ERROR = {
    "missing": "missing-field",
    "literal_error": "invalid-choice",
    "string_pattern_mismatch": "invalid-id",
    "timestamp_naive": "timestamp-timezone",
    "timestamp_date_only": "timestamp-format",
    "timestamp_format": "timestamp-format",
    "date_format": "date-format",
    "too_short": "empty-value",
    "string_too_short": "empty-value",
}


def build_document(parsed: ParsedFile, area: str) -> tuple[AnyDocument | None, list[Finding]]:
    """The typed document of a parsed file in `incidents/` or `kb/`."""
    meta = parsed.meta
    if meta is None:
        return None, []
    if area == "kb":
        model: type[BaseModel] = ArticleModel
        cls: type[AnyDocument] = Article
    elif meta.get("kind") == "postmortem":
        model, cls = PostmortemModel, Postmortem
    else:
        model, cls = IncidentModel, Incident
    findings = list(_unknown_keys(parsed, model, meta, ()))
    data, invalid, schema_findings = _validate(parsed, model, meta)
    findings.extend(schema_findings)
    doc = cls(
        path=parsed.path, sha=parsed.sha, meta=meta, lines=parsed.lines,
        body=parsed.body, body_line=parsed.body_line,
        invalid_keys=frozenset(invalid), data=data,  # type: ignore[arg-type]
    )
    return doc, findings


def _validate(
    parsed: ParsedFile, model: type[BaseModel], meta: dict[str, Any]
) -> tuple[BaseModel, set[str], list[Finding]]:
    findings: list[Finding] = []
    invalid: set[str] = set()
    candidate = meta
    for _ in range(4):
        try:
            return model.model_validate(candidate), invalid, findings
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                findings.append(_finding_of(parsed, model, err))
                if err["loc"]:
                    invalid.add(str(err["loc"][0]))
            candidate = {k: v for k, v in meta.items() if k not in invalid}
    # Should not happen: every failing key has been dropped.
    return model.model_construct(), invalid, findings  # pragma: no cover


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _finding_of(parsed: ParsedFile, model: type[BaseModel], err: Any) -> Finding:
    loc = tuple(err["loc"])
    kind = err["type"]
    rule = _RULE_OF_ERROR.get(kind, "invalid-type")
    name = _dotted(loc)
    line = parsed.line_of(*loc)
    hint = None
    if kind == "missing":
        message = f"missing required field '{name}'"
        line = parsed.line_of(*loc[:-1])
    elif kind == "literal_error":
        value = _value_at(parsed.meta, loc)
        choices = _choices_at(model, loc)
        message = f"'{name}' is {value!r}; allowed: {', '.join(choices)}"
        hint = _closest(str(value), choices)
    elif kind == "string_pattern_mismatch":
        value = _value_at(parsed.meta, loc)
        message = f"'{name}' is {value!r}, not an incident id like INC-2026-0042"
        hint = "ids are an upper-case prefix, a dash and digits: ^[A-Z][A-Z0-9]*-[0-9][0-9-]*$"
    elif kind in ("too_short", "string_too_short"):
        message = f"'{name}' must not be empty"
    elif kind.startswith(("timestamp_", "date_")):
        message = f"'{name}': {err['msg']}"
        if kind == "timestamp_naive":
            hint = "add a zone: 2026-11-03T14:07:00Z or 2026-11-03T15:07:00+01:00"
        elif kind == "timestamp_date_only":
            hint = "write the time too, e.g. 2026-11-03T14:07:00Z"
    else:
        value = _value_at(parsed.meta, loc)
        shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
        message = f"'{name}' has an invalid value {shown[:80]}: {err['msg'].lower()}"
    return error(parsed.path, line, rule, message, hint)


def _value_at(meta: Any, loc: tuple[Any, ...]) -> Any:
    value = meta
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _choices_at(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, ...]:
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        current, _ = child_model(current, part)
    names = [p for p in loc if isinstance(p, str)]
    return allowed_values(current, names[-1]) if current is not None and names else ()


def _closest(value: str, choices: tuple[str, ...] | list[str]) -> str | None:
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return f"did you mean '{lowered[value.lower()]}'? (values are case-sensitive)"
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


# model -> {field: (nested model or None, is a list)}: introspecting the type
# annotations is slow, and every file asks the same questions of them.
_FIELDS: dict[type[BaseModel], dict[str, tuple[type[BaseModel] | None, bool]]] = {}


def _fields_of(model: type[BaseModel]) -> dict[str, tuple[type[BaseModel] | None, bool]]:
    table = _FIELDS.get(model)
    if table is None:
        table = _FIELDS[model] = {key: child_model(model, key) for key in model.model_fields}
    return table


def _unknown_keys(
    parsed: ParsedFile, model: type[BaseModel], data: dict[str, Any], path: tuple[Any, ...]
) -> list[Finding]:
    findings: list[Finding] = []
    fields = _fields_of(model)
    for key, value in data.items():
        entry = fields.get(key)
        if entry is None:
            where = _dotted(path + (key,))
            findings.append(warning(
                parsed.path, parsed.line_of(*path, key), "unknown-key",
                f"unknown key '{where}'", _closest(key, list(fields)),
            ))
            continue
        child, is_list = entry
        if child is None:
            continue
        if is_list and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    findings.extend(_unknown_keys(parsed, child, item, path + (key, i)))
        elif isinstance(value, dict):
            findings.extend(_unknown_keys(parsed, child, value, path + (key,)))
    return findings
