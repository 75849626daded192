from __future__ import annotations

import sys
from pathlib import Path

import click

from ..findings import format_github, format_json, format_summary_line, format_text_lines
from ..validation import validate
from ._options import cache_option, root_option


def _repo_prefix(root: Path) -> str:
    """The root's path inside its git checkout, for annotations on the right file."""
    root = root.resolve()
    for parent in [root, *root.parents]:
        if (parent / ".git").exists():
            rel = root.relative_to(parent).as_posix()
            return "" if rel == "." else rel + "/"
    return ""


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
    show_default=True, help="text for people, json for programs, github for CI annotations.",
)
@click.option("--base", metavar="REV",
              help="Also check lifecycle transitions against this git revision.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@cache_option
@root_option
def command(
    paths: tuple[str, ...], fmt: str, base: str | None, strict: bool, no_cache: bool, root: Path
) -> None:
    """Validate incidents, postmortems and kb articles.

    The whole repository is read (cross-references need it); findings are
    reported for PATHS (files or folders) or for everything.

    \b
    Examples:
      incidentkb validate
      incidentkb validate incidents/2026/INC-2026-0042-payments-502s.md
      incidentkb validate --format github --base origin/main

    Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.
    """
    result = validate(root, paths, base=base, use_cache=not no_cache)
    if fmt == "json":
        click.echo(format_json(result.files, result.findings))
    elif fmt == "github":
        annotations = format_github(result.findings, _repo_prefix(root))
        if annotations:
            click.echo(annotations)
        click.echo(format_summary_line(result.files, result.findings))
    else:
        color = sys.stdout.isatty()
        for line in format_text_lines(result.findings, color=color):
            click.echo(line, color=color)
        summary = format_summary_line(result.files, result.findings)
        if color:
            summary = click.style(summary, fg="red" if result.errors else "green", bold=True)
        click.echo(summary, color=color)
    if result.errors or (strict and result.warnings):
        sys.exit(1)
