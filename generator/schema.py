"""The document schema: one pydantic model per document kind.

The models check types and allowed values. Which fields a document must have
depends on its status, so requiredness lives in one table here
(`REQUIRED_FROM_STATUS`) that both the lifecycle rules and the JSON Schema
export read. Top-level fields are therefore optional in the models.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

# --- vocabularies -----------------------------------------------------------

STATUSES = ("detected", "investigating", "mitigated", "resolved", "verified", "reviewed", "closed")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
TYPES = (
    "technical", "security", "performance", "data",
    "availability", "ui", "third-party", "other",
)
DETECTION_METHODS = (
    "alert", "monitoring", "user-report", "internal-report", "automated-test", "other",
)
ROOT_CAUSE_CATEGORIES = (
    "code-change", "config-change", "capacity", "dependency", "hardware",
    "network", "data", "security", "process", "unknown",
)
AUDIENCES = ("internal", "external")
ACTION_ITEM_STATUSES = ("open", "in-progress", "done", "wontfix")
POSTMORTEM_STATUSES = ("draft", "in-review", "published")
ARTICLE_KINDS = ("runbook", "known-issue", "guide", "preventive-measure")

ID_PATTERN = r"^[A-Z][A-Z0-9]*-[0-9][0-9-]*$"
ID_RE = re.compile(ID_PATTERN)

Status = Literal[
    "detected", "investigating", "mitigated", "resolved", "verified", "reviewed", "closed"
]
SeverityLevel = Literal["SEV1", "SEV2", "SEV3", "SEV4"]

# Fields each status requires in addition to those of the statuses before it.
REQUIRED_FROM_STATUS: dict[str, tuple[str, ...]] = {
    "detected": (
        "id", "title", "status", "severity", "type", "services",
        "impact", "detection", "detected_at",
    ),
    "investigating": ("commander",),
    "mitigated": ("mitigated_at",),
    "resolved": ("resolved_at", "root_cause", "resolution"),
    "verified": ("verified_at", "verification"),
    "reviewed": ("action_items",),
    "closed": (),
}

# The lifecycle timestamps in the order they must happen.
TIMESTAMP_ORDER = (
    "started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at", "verified_at",
)


def status_rank(status: str) -> int:
    return STATUSES.index(status)


def required_fields(status: str) -> list[tuple[str, str]]:
    """(field, the status that introduced the requirement) for a status."""
    out: list[tuple[str, str]] = []
    for s in STATUSES[: status_rank(status) + 1]:
        out.extend((name, s) for name in REQUIRED_FROM_STATUS[s])
    return out


# --- value types --------------------------------------------------------------


def _parse_timestamp(value: Any) -> dt.datetime:
    # YAML already turns unquoted timestamps into datetime (aware when a zone is
    # given) and bare dates into date; quoted ones arrive as strings.
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                value = dt.date.fromisoformat(text)
            else:
                value = dt.datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise PydanticCustomError(
                "timestamp_format",
                "'{value}' is not an ISO 8601 date-time",
                {"value": text},
            ) from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError(
                "timestamp_naive",
                "timestamp {value} has no time zone",
                {"value": value.isoformat()},
            )
        return value
    if isinstance(value, dt.date):
        raise PydanticCustomError(
            "timestamp_date_only",
            "{value} is a date, a date-time with a time zone is required",
            {"value": value.isoformat()},
        )
    raise PydanticCustomError(
        "timestamp_format", "expected an ISO 8601 date-time, got {kind}",
        {"kind": type(value).__name__},
    )


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise PydanticCustomError(
            "date_format", "expected a date YYYY-MM-DD, got the date-time {value}",
            {"value": value.isoformat()},
        )
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError(
        "date_format", "expected a date YYYY-MM-DD, got {value}", {"value": repr(value)[:60]},
    )


Timestamp = Annotated[
    dt.datetime,
    PlainValidator(_parse_timestamp),
    WithJsonSchema({
        "type": "string", "format": "date-time",
        "description": "ISO 8601 date-time with a time zone, e.g. 2026-11-03T14:07:00Z",
    }),
]
Date = Annotated[
    dt.date,
    PlainValidator(_parse_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
]
NonEmptyStr = Annotated[str, Field(min_length=1)]
IncidentId = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
# A list of strings: YAML reads `tags: [503]` as a number, which we accept.
Names = list[NonEmptyStr]


class _Model(BaseModel):
    # extra keys are reported by the unknown-key rule (with a suggestion),
    # not by pydantic, so they are ignored here.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=False)


class Impact(_Model):
    summary: NonEmptyStr
    users_affected: Annotated[int, Field(ge=0)] | None = None
    customer_facing: bool | None = None


class Detection(_Model):
    method: Literal[
        "alert", "monitoring", "user-report", "internal-report", "automated-test", "other"
    ]
    source: str | None = None


class RootCause(_Model):
    category: Literal[
        "code-change", "config-change", "capacity", "dependency", "hardware",
        "network", "data", "security", "process", "unknown",
    ]
    summary: NonEmptyStr


class ResolutionStep(_Model):
    at: Timestamp
    action: NonEmptyStr
    rationale: str | None = None


class Resolution(_Model):
    summary: NonEmptyStr
    steps: list[ResolutionStep] = Field(default_factory=list)


class Verification(_Model):
    method: NonEmptyStr


class Communication(_Model):
    at: Timestamp
    audience: Literal["internal", "external"]
    channel: NonEmptyStr
    summary: NonEmptyStr


class ActionItem(_Model):
    title: NonEmptyStr
    owner: NonEmptyStr
    due: Date | None = None
    status: Literal["open", "in-progress", "done", "wontfix"] = "open"
    # extension: when the item was done, for follow-through figures
    done_at: Date | None = None
    link: str | None = Field(default=None, description="extension: ticket or PR URL")


class Reopening(_Model):
    """Extension: records that an incident was reopened (status moved back).

    `validate --base REV` accepts a status moving back only with a new entry
    whose `from_status` is the status at REV (docs/reopening.md).
    """

    at: Timestamp
    reason: NonEmptyStr
    from_status: Status | None = Field(
        default=None, description="the status before reopening (the status at the base revision)"
    )


class IncidentModel(_Model):
    kind: Literal["incident"] | None = None
    id: IncidentId | None = None
    title: NonEmptyStr | None = None
    status: Status | None = None
    severity: SeverityLevel | None = None
    type: Literal[
        "technical", "security", "performance", "data",
        "availability", "ui", "third-party", "other",
    ] | None = None
    services: Annotated[Names, Field(min_length=1)] | None = None
    tags: Names = Field(default_factory=list)
    impact: Impact | None = None
    detection: Detection | None = None
    started_at: Timestamp | None = None
    detected_at: Timestamp | None = None
    acknowledged_at: Timestamp | None = None
    mitigated_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    verified_at: Timestamp | None = None
    commander: NonEmptyStr | None = None
    responders: Names = Field(default_factory=list)
    root_cause: RootCause | None = None
    resolution: Resolution | None = None
    verification: Verification | None = None
    communications: list[Communication] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    related: list[IncidentId] = Field(default_factory=list)
    kb: Names = Field(default_factory=list)
    reopened: list[Reopening] = Field(default_factory=list)


class PostmortemModel(_Model):
    kind: Literal["postmortem"]
    incident: IncidentId | None = None
    title: NonEmptyStr | None = None
    status: Literal["draft", "in-review", "published"] | None = None
    authors: Names = Field(default_factory=list)
    reviewers: Names = Field(default_factory=list)
    review_date: Date | None = None
    tags: Names = Field(default_factory=list)


class ArticleModel(_Model):
    title: NonEmptyStr | None = None
    kind: Literal["runbook", "known-issue", "guide", "preventive-measure"] | None = None
    services: Names = Field(default_factory=list)
    tags: Names = Field(default_factory=list)
    owners: Names = Field(default_factory=list)
    last_reviewed: Date | None = None
    incidents: list[IncidentId] = Field(default_factory=list)


# Always-required fields of postmortems and articles, and those a published
# postmortem adds.
POSTMORTEM_REQUIRED = ("kind", "incident", "title", "status", "authors")
POSTMORTEM_PUBLISHED_REQUIRED = ("reviewers", "review_date")
ARTICLE_REQUIRED = ("title", "kind", "owners")


# --- introspection: known keys and allowed values --------------------------


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside Optional[...], list[...], Annotated[...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is list:
        return True
    return any(_is_list(a) for a in get_args(annotation) if a is not type(None))


def child_model(model: type[BaseModel], key: str) -> tuple[type[BaseModel] | None, bool]:
    """For a field: the nested model it holds (if any) and whether it is a list."""
    field = model.model_fields.get(key)
    if field is None:
        return None, False
    return _nested_model(field.annotation), _is_list(field.annotation)


def allowed_values(model: type[BaseModel], key: str) -> tuple[str, ...]:
    """The Literal choices of a field, empty when it is free-form."""
    field = model.model_fields.get(key)
    if field is None:
        return ()

    def literals(annotation: Any) -> list[str]:
        if get_origin(annotation) is Literal:
            return [str(a) for a in get_args(annotation)]
        out: list[str] = []
        for arg in get_args(annotation):
            out.extend(literals(arg))
        return out

    return tuple(dict.fromkeys(literals(field.annotation)))


# --- JSON Schema --------------------------------------------------------------


def _with_requirements_incident(schema: dict[str, Any]) -> dict[str, Any]:
    schema["required"] = list(REQUIRED_FROM_STATUS["detected"])
    conditions = []
    for i, status in enumerate(STATUSES[1:], start=1):
        later = list(STATUSES[i:])
        fields = list(REQUIRED_FROM_STATUS[status])
        if not fields:
            continue
        conditions.append(
            {
                "if": {"properties": {"status": {"enum": later}}, "required": ["status"]},
                "then": {"required": fields},
            }
        )
    conditions.append(
        {
            "if": {"properties": {"status": {"enum": ["reviewed", "closed"]}},
                   "required": ["status"]},
            "then": {"properties": {"action_items": {"minItems": 1}}},
        }
    )
    schema["allOf"] = conditions
    return schema


def json_schema(kind: str = "all") -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for one document kind or all of them."""
    incident = _with_requirements_incident(IncidentModel.model_json_schema())
    incident["title"] = "incidentkb incident"
    postmortem = PostmortemModel.model_json_schema()
    postmortem["required"] = list(POSTMORTEM_REQUIRED)
    postmortem["title"] = "incidentkb postmortem"
    postmortem["allOf"] = [
        {
            "if": {"properties": {"status": {"const": "published"}}, "required": ["status"]},
            "then": {"required": list(POSTMORTEM_PUBLISHED_REQUIRED)},
        }
    ]
    article = ArticleModel.model_json_schema()
    article["required"] = list(ARTICLE_REQUIRED)
    article["title"] = "incidentkb knowledge-base article"
    schemas = {"incident": incident, "postmortem": postmortem, "article": article}
    meta = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if kind != "all":
        return {**meta, **schemas[kind]}
    # incidents/ holds incidents and postmortems; the `kind` key tells them apart.
    # Nested models' $defs move to the root, where their "#/$defs/..." refs point.
    defs: dict[str, Any] = {}
    for name, sub in schemas.items():
        defs.update(sub.pop("$defs", {}))
        defs[name] = sub
    return {
        **meta,
        "title": "incidentkb document",
        "$defs": defs,
        "oneOf": [
            {"$ref": "#/$defs/postmortem", "required": ["kind"],
             "properties": {"kind": {"const": "postmortem"}}},
            {"$ref": "#/$defs/incident",
             "not": {"required": ["kind"], "properties": {"kind": {"const": "postmortem"}}}},
        ],
    }
