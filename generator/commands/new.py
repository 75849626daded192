from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..errors import UsageProblem
from ..scaffold import NewIncident, create_incident
from ..schema import DETECTION_METHODS, SEVERITIES, STATUSES, TYPES
from ._options import root_option


def _parse_when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO 8601 date-time",
                                 param_hint="--detected-at") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("add a time zone, e.g. 2026-11-03T14:07:00Z",
                                 param_hint="--detected-at")
    return parsed


def _interactive() -> bool:
    return sys.stdin.isatty()


def _split_names(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _prompt_missing(title: str | None, severity: str | None, services: list[str],
                    kind: str, impact: str | None) -> tuple[str, str, list[str], str, str | None]:
    title = title or click.prompt("Title (what users saw)")
    severity = severity or click.prompt(
        "Severity", type=click.Choice(SEVERITIES), default="SEV3", show_choices=True)
    while not services:
        services = _split_names((click.prompt("Services affected (comma-separated)"),))
    kind = click.prompt("Type", type=click.Choice(TYPES), default=kind, show_choices=True)
    impact = impact or click.prompt("Impact summary", default="", show_default=False) or None
    return title, severity, services, kind, impact


@click.command("new")
@click.option("--title", help="What users saw, in one line.")
@click.option("--severity", type=click.Choice(SEVERITIES), help="SEV1 (worst) .. SEV4.")
@click.option("--service", "services", multiple=True,
              help="An affected service (repeat, or comma-separate).")
@click.option("--type", "kind", type=click.Choice(TYPES), default="technical", show_default=True)
@click.option("--status", type=click.Choice(STATUSES), default="detected", show_default=True,
              help="The template holds every field this status requires.")
@click.option("--impact", help="Impact summary.")
@click.option("--detection-method", type=click.Choice(DETECTION_METHODS), default="alert",
              show_default=True)
@click.option("--detection-source", help="e.g. grafana/payments-5xx")
@click.option("--detected-at", help="ISO 8601 with a zone (default: now).")
@click.option("--commander", help="Incident commander.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat, or comma-separate).")
@click.option("--prefix", default="INC", show_default=True, help="Id prefix.")
@root_option
def command(
    title: str | None, severity: str | None, services: tuple[str, ...], kind: str, status: str,
    impact: str | None, detection_method: str, detection_source: str | None,
    detected_at: str | None, commander: str | None, tags: tuple[str, ...], prefix: str,
    root: Path,
) -> None:
    """Write a new incident with the next free id of the year.

    Prompts for what is missing when run on a terminal; scripts pass flags.
    Never overwrites a file. Prints the new file's path.

    \b
    Example:
      incidentkb new --title "Checkout 502s" --severity SEV2 --service checkout-web
    """
    names = _split_names(services)
    if not (title and severity and names):
        if _interactive():
            title, severity, names, kind, impact = _prompt_missing(
                title, severity, names, kind, impact)
        else:
            missing = [o for o, v in (("--title", title), ("--severity", severity),
                                      ("--service", names)) if not v]
            raise UsageProblem(f"missing {', '.join(missing)} (no terminal to ask on)")
    if not prefix.isupper() or not prefix[0].isalpha() or not prefix.replace("-", "").isalnum():
        raise click.BadParameter("an upper-case prefix such as INC", param_hint="--prefix")
    spec = NewIncident(
        title=title, severity=severity, services=names, type=kind, status=status,  # type: ignore[arg-type]
        impact=impact, detection_method=detection_method, detection_source=detection_source,
        detected_at=_parse_when(detected_at), commander=commander,
        tags=_split_names(tags), prefix=prefix,
    )
    path = create_incident(root.resolve(), spec)
    click.echo(path.relative_to(root.resolve()).as_posix())
    click.echo("Fill in the TODOs, then run: incidentkb validate " +
               path.relative_to(root.resolve()).as_posix(), err=True)
