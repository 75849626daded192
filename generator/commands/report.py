"""`incidentkb report`: trend figures as text, JSON, tidy CSV or markdown."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from ..cache import atomic_write_text
from ..errors import UsageProblem
from ..report_format import FORMATS, format_csv, format_json, format_markdown, format_text
from ..trends import DIMENSIONS, build_report
from ..validation import validate
from ._options import cache_option, root_option


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """A YYYY-MM-DD option value, or a usage error (exit 2)."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) != 10:  # fromisoformat also takes 20261204 and week dates
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def _render(report: dict[str, Any], fmt: str, to_terminal: bool) -> str:
    if fmt == "json":
        return format_json(report) + "\n"
    if fmt == "csv":
        return format_csv(report)
    if fmt == "markdown":
        return format_markdown(report)
    width = shutil.get_terminal_size((100, 24)).columns if to_terminal else 100
    return format_text(report, color=to_terminal, width=width)


@click.command("report")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json for programs, csv (one tidy table) for "
                   "spreadsheets, markdown for pages.")
@click.option("--since", callback=_date, metavar="DATE",
              help="Only incidents detected on or after this UTC date (YYYY-MM-DD).")
@click.option("--until", callback=_date, metavar="DATE",
              help="Only incidents detected on or before this UTC date (YYYY-MM-DD).")
@click.option("--by", type=click.Choice(DIMENSIONS),
              help="Also break the duration metrics down by this dimension.")
@click.option("--today", callback=_date, metavar="DATE",
              help="The date overdue items are measured against [default: today, UTC].")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file (atomically) instead of stdout.")
@cache_option
@root_option
def command(
    fmt: str, since: dt.date | None, until: dt.date | None, by: str | None,
    today: dt.date | None, output: Path | None, no_cache: bool, root: Path,
) -> None:
    """Trend report: incidents per month, durations as distributions, follow-through.

    Durations are shown as median, p90 and mean with their sample size; figures
    from fewer than 5 incidents are flagged, and changes between periods get a
    verdict only when the data supports one. Documents with validation errors
    are reported on as far as they loaded, with a warning on stderr.

    \b
    Examples:
      incidentkb report
      incidentkb report --since 2026-01-01 --by severity
      incidentkb report --format csv -o trends.csv
    """
    if since and until and since > until:
        raise UsageProblem(f"--since {since} is after --until {until}")
    today = today or dt.datetime.now(dt.timezone.utc).date()
    result = validate(root, use_cache=not no_cache)
    if result.errors:
        files = len({f.path for f in result.findings if f.severity == "error"})
        click.echo(f"warning: {result.errors} validation errors in {files} files; the report "
                   "counts what loaded (run `incidentkb validate` for details)", err=True)
    report = build_report(result.repo, since=since, until=until, today=today, by=by)
    to_terminal = output is None and sys.stdout.isatty()
    text = _render(report, fmt, to_terminal)
    if output is not None:
        atomic_write_text(output, text)
    else:
        click.echo(text, nl=False, color=to_terminal)
