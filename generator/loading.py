"""Files -> parsed frontmatter with the line of every key.

python-frontmatter's `load` cannot say on which line a key sits, silently
accepts front matter that is not a mapping and keeps the last of duplicate
keys, so the YAML is composed here with the libyaml C loader (when present)
and the node tree is walked once to build the values, their lines and the
findings about the file itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .findings import Finding, error

try:  # libyaml parses frontmatter 8-9x faster than the pure-Python loader
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


def _implicit_resolvers_by_first_char(loader: type) -> dict[str, tuple[tuple[str, Any], ...]]:
    table: dict[str | None, list[tuple[str, Any]]] = (
        loader.yaml_implicit_resolvers  # type: ignore[attr-defined]
    )
    wildcard = table.get(None, [])
    return {char: tuple(resolvers + wildcard) for char, resolvers in table.items()
            if char is not None}


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader with a faster `resolve` for scalars (the composer calls it
    for every node, ~90 times per incident): same tags, fewer Python steps."""

    _SCALAR_RESOLVERS = _implicit_resolvers_by_first_char(_BaseLoader)
    _NO_RESOLVERS: tuple[tuple[str, Any], ...] = ()

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and not self.yaml_path_resolvers:
            if implicit[0]:
                for tag, regexp in self._SCALAR_RESOLVERS.get(value[:1], self._NO_RESOLVERS):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)

MAX_FILE_BYTES = 1024 * 1024
# YAML aliases can expand exponentially (a "billion laughs" document); the
# walk counts every node it visits, aliases included, and stops here.
MAX_NODES = 20_000
MAX_DEPTH = 50

KeyPath = tuple[Any, ...]
_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# date-times whose value cannot be out of range and that fromisoformat reads
# exactly as PyYAML's constructor does (anything else goes to PyYAML)
_PLAIN_TIMESTAMP = re.compile(
    r"^(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)$"
)
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_OPENING = re.compile(r"^---[ \t]*$")


@dataclass
class ParsedFile:
    """A markdown file split into frontmatter values, their lines and body."""

    path: str  # relative to the root, posix separators
    sha: str  # content hash of the raw bytes
    meta: dict[str, Any] | None  # None when the frontmatter could not be read
    lines: dict[KeyPath, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # line of the first body line in the file
    findings: list[Finding] = field(default_factory=list)
    # False when the frontmatter text has no "todo" at all, so no value can
    # hold template text and the placeholder rule need not walk the values
    may_hold_todo: bool = True

    def line_of(self, *keys: Any) -> int:
        return line_of(self.lines, keys)


def line_of(lines: dict[KeyPath, int], keys: KeyPath) -> int:
    """Line of a key path, or of its nearest ancestor that has one (1: the file)."""
    path = tuple(keys)
    while path:
        line = lines.get(path)
        if line is not None:
            return line
        path = path[:-1]
    return 1


def content_hash(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def parse_bytes(path: str, raw: bytes) -> ParsedFile:
    """Parse one document's bytes. Never raises for bad content."""
    sha = content_hash(raw)
    parsed = ParsedFile(path=path, sha=sha, meta=None)
    if len(raw) > MAX_FILE_BYTES:
        parsed.findings.append(error(
            path, 1, "file-too-large",
            f"file is {len(raw) / 1048576:.1f} MiB; documents may be at most 1 MiB",
            "move large logs or dumps out of the document and link to them",
        ))
        return parsed
    text, problem = _decode(path, raw)
    if problem is not None:
        parsed.findings.append(problem)
        return parsed
    _split_and_parse(parsed, text)
    return parsed


def parse_file(root: Path, abs_path: Path) -> ParsedFile:
    rel = abs_path.relative_to(root).as_posix()
    try:
        raw = abs_path.read_bytes()
    except OSError as exc:
        parsed = ParsedFile(path=rel, sha="", meta=None)
        parsed.findings.append(error(rel, 1, "unreadable", f"cannot read file: {exc.strerror}"))
        return parsed
    return parse_bytes(rel, raw)


def _decode(path: str, raw: bytes) -> tuple[str, Finding | None]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return "", error(
            path, line, "encoding",
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8",
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return "", error(path, line, "encoding", "file contains a NUL byte; is it binary?")
    return text, None


def _split_and_parse(parsed: ParsedFile, text: str) -> None:
    path = parsed.path
    if not text.strip():
        parsed.findings.append(error(
            path, 1, "frontmatter-missing", "file is empty",
            "start the file with a '---' line, the YAML frontmatter, and a closing '---'",
        ))
        return
    lines = text.split("\n")
    if not _OPENING.match(lines[0]):
        parsed.findings.append(error(
            path, 1, "frontmatter-missing",
            "file does not start with YAML frontmatter ('---' on the first line)",
            "run `incidentkb new` for a template",
        ))
        return
    closing = next((i for i in range(1, len(lines)) if _CLOSING.match(lines[i])), None)
    if closing is None:
        parsed.findings.append(error(
            path, 1, "frontmatter-unclosed",
            "frontmatter opened on line 1 is never closed",
            "add a line with '---' after the last frontmatter key",
        ))
        return
    parsed.body = "\n".join(lines[closing + 1:])
    parsed.body_line = closing + 2
    yaml_text = "\n".join(lines[1:closing])
    # (a double-quoted escape such as "\x54ODO" spells it without the letters)
    parsed.may_hold_todo = "todo" in yaml_text.lower() or "\\" in yaml_text
    _parse_yaml(parsed, yaml_text, first_line=2, closing_line=closing + 1)


def _parse_yaml(parsed: ParsedFile, yaml_text: str, first_line: int, closing_line: int) -> None:
    path = parsed.path
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        parsed.findings.append(error(
            path, min(line, closing_line), "yaml-syntax", f"invalid YAML: {problem}",
            _yaml_hint(problem),
        ))
        return
    except yaml.YAMLError as exc:
        parsed.findings.append(error(path, first_line, "yaml-syntax", f"invalid YAML: {exc}"))
        return
    finally:
        loader.dispose()
    if node is None:
        parsed.findings.append(error(
            path, 1, "frontmatter-not-mapping", "frontmatter is empty",
            "add the document's keys between the '---' lines",
        ))
        return
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        parsed.findings.append(error(
            path, first_line + node.start_mark.line, "frontmatter-not-mapping",
            f"frontmatter is {kind}, not a mapping of keys to values",
            "write one `key: value` per line",
        ))
        return
    walker = _Walker(parsed, loader, first_line)
    try:
        meta = walker.build(node, ())
    except _TooComplex as exc:
        parsed.findings.append(error(
            path, exc.line, "yaml-too-complex",
            "frontmatter expands to too many values (nested aliases or extreme nesting)",
            "write values out instead of using YAML anchors and aliases",
        ))
        parsed.lines.clear()
        return
    parsed.meta = meta


def _yaml_hint(problem: str) -> str | None:
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted"
    if "found character '\\t'" in problem or "tab" in problem:
        return "YAML indentation must use spaces, not tabs"
    if "could not find expected ':'" in problem:
        return "each line needs `key: value`; quote values that span lines"
    return None


# Key paths repeat from document to document (("status",), ("action_items",
# 0, "due")): one shared tuple for each saves a fifth of a loaded repository's
# memory. Bounded, so odd keys in many documents cannot grow it without end.
_SHARED_PATHS: dict[KeyPath, KeyPath] = {}
_MAX_SHARED_PATHS = 50_000


def _shared(path: KeyPath) -> KeyPath:
    found = _SHARED_PATHS.get(path)
    if found is not None:
        return found
    if len(_SHARED_PATHS) < _MAX_SHARED_PATHS:
        _SHARED_PATHS[path] = path
    return path


class _TooComplex(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Walker:
    """Builds Python values from YAML nodes, recording lines and duplicate keys."""

    def __init__(self, parsed: ParsedFile, loader: Any, first_line: int) -> None:
        self.parsed = parsed
        self.loader = loader
        self.first_line = first_line
        self.visited = 0

    def line(self, node: yaml.Node) -> int:
        return self.first_line + node.start_mark.line

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES or len(path) > MAX_DEPTH:
            raise _TooComplex(self.line(node))
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR_TAG else self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            out = []
            lines = self.parsed.lines
            first = self.first_line
            for i, item in enumerate(node.value):
                item_path = _shared((*path, i))
                lines[item_path] = first + item.start_mark.line
                out.append(self.build(item, item_path))
            return out
        return self.mapping(node, path)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR_TAG:
            return node.value
        if tag == _TIMESTAMP_TAG and _PLAIN_TIMESTAMP.match(node.value):
            # the common shape, 2026-11-03T14:07:00Z: as PyYAML builds it, 3x faster
            try:
                return dt.datetime.fromisoformat(node.value.replace("Z", "+00:00"))
            except ValueError:  # 2026-02-30: let PyYAML decide, as for any other value
                pass
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception:  # noqa: BLE001 - PyYAML's constructors raise anything
            # e.g. `!!int abc`, a timestamp with an impossible month, or one
            # PyYAML's own regex then fails to match (AttributeError): keep the
            # text and let the schema say what is wrong with it.
            return node.value

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value if key_node.tag == _STR_TAG else str(self.scalar(key_node))
            else:
                key = str(self.build(key_node, path))
            line = self.line(key_node)
            if key == "<<":  # merge key: flatten the merged mapping(s) in
                merged = self.build(value_node, path)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        for k, v in part.items():
                            out.setdefault(k, v)
                            self.parsed.lines.setdefault(path + (k,), line)
                continue
            if key in first_seen:
                where = ".".join(str(p) for p in path + (key,))
                self.parsed.findings.append(error(
                    self.parsed.path, line, "duplicate-key",
                    f"key '{where}' appears twice (first on line {first_seen[key]})",
                    "YAML keeps only the last value; remove one of them",
                ))
            else:
                first_seen[key] = line
            key_path = _shared((*path, key))
            self.parsed.lines[key_path] = line
            out[key] = self.build(value_node, key_path)
        return out
