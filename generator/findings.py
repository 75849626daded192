"""Findings: what validation reports, as values that carry file, line and rule.

A finding is data. Printing it for a person, a program or a CI system is the
job of the formatters at the bottom of this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one document: where it is, which rule, what to do."""

    path: str  # relative to the knowledge-base root, posix separators
    line: int  # 1-based; 1 when the problem concerns the whole file
    rule: str
    severity: Severity
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        if data["hint"] is None:
            del data["hint"]
        return data


def error(path: str, line: int, rule: str, message: str, hint: str | None = None) -> Finding:
    return Finding(path, line, rule, "error", message, hint)


def warning(path: str, line: int, rule: str, message: str, hint: str | None = None) -> Finding:
    return Finding(path, line, rule, "warning", message, hint)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Stable order for output: by file, then line, then rule."""
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.rule, f.message))


@dataclass(frozen=True)
class Summary:
    files: int
    errors: int
    warnings: int


def summarise(files: int, findings: Sequence[Finding]) -> Summary:
    errors = sum(1 for f in findings if f.severity == "error")
    return Summary(files=files, errors=errors, warnings=len(findings) - errors)


# --- formatters -------------------------------------------------------------


def format_json(files: int, findings: Sequence[Finding]) -> str:
    """The object FORMAT.md defines for `validate --format json`."""
    summary = summarise(files, findings)
    return json.dumps(
        {
            "files": summary.files,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "findings": [f.to_dict() for f in findings],
        },
        indent=2,
        ensure_ascii=False,
    )


def _github_escape_data(text: str) -> str:
    # GitHub workflow commands: message data escapes %, CR and LF.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_escape_property(text: str) -> str:
    # Properties additionally escape ':' and ','.
    return _github_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Sequence[Finding], path_prefix: str = "") -> str:
    """GitHub Actions workflow commands, one annotation per finding.

    `path_prefix` is the knowledge-base root relative to the repository
    checkout, so annotations land on the right file when `--root` is a
    sub-folder.
    """
    lines = []
    for f in findings:
        command = "error" if f.severity == "error" else "warning"
        message = f.message + (f"\n{f.hint}" if f.hint else "")
        props = ",".join(
            [
                f"file={_github_escape_property(path_prefix + f.path)}",
                f"line={f.line}",
                f"title={_github_escape_property(f'incidentkb {f.rule}')}",
            ]
        )
        lines.append(f"::{command} {props}::{_github_escape_data(message)}")
    return "\n".join(lines)


def format_text_lines(findings: Sequence[Finding], color: bool = False) -> list[str]:
    """`path:line: severity [rule] message`, with the hint on its own line."""
    import click  # local: keeps this module free of the CLI at import time

    out = []
    for f in findings:
        sev_color = "red" if f.severity == "error" else "yellow"
        sev = click.style(f.severity, fg=sev_color, bold=True) if color else f.severity
        where = click.style(f"{f.path}:{f.line}:", bold=True) if color else f"{f.path}:{f.line}:"
        rule = click.style(f"[{f.rule}]", fg="cyan") if color else f"[{f.rule}]"
        out.append(f"{where} {sev} {rule} {f.message}")
        if f.hint:
            hint = click.style("hint:", fg="green") if color else "hint:"
            out.append(f"    {hint} {f.hint}")
    return out


def format_summary_line(files: int, findings: Sequence[Finding]) -> str:
    s = summarise(files, findings)
    plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"  # noqa: E731
    return (
        f"{plural(s.files, 'file')} checked: {plural(s.errors, 'error')}, "
        f"{plural(s.warnings, 'warning')}"
    )
