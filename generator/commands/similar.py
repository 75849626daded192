from __future__ import annotations

import difflib
import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..errors import IncidentKBError, UsageProblem
from ..repository import load_repository
from ..similarity import Neighbour, similar_all, similar_to
from ._options import cache_option, json_option, limit_option, root_option


def _close_ids(wanted: str, ids: list[str]) -> list[str]:
    """Ids that look like the one asked for, for the error message."""
    by_upper = {i.upper(): i for i in ids}
    if wanted.upper() in by_upper:
        return [by_upper[wanted.upper()]]
    close = difflib.get_close_matches(wanted.upper(), list(by_upper), n=3, cutoff=0.6)
    return [by_upper[c] for c in close]


def _unknown(wanted: str, ids: list[str]) -> IncidentKBError:
    hint = _close_ids(wanted, ids)
    message = f"no incident with id {wanted!r}"
    if hint:
        message += f"; did you mean {', '.join(hint)}?"
    elif not ids:
        message += " (the repository has no incidents)"
    return IncidentKBError(message)


def _table(neighbours: list[Neighbour], title: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("title", ratio=2)
    table.add_column("why", ratio=3)
    for n in neighbours:
        table.add_row(f"{n.score:.2f}", n.id, n.title, "\n".join(n.reasons))
    return table


def _print_text(console: Console, incident_id: str, title: str, found: list[Neighbour]) -> None:
    if not found:
        console.print(f"{incident_id} {title}: no similar incidents above the threshold",
                      markup=False, highlight=False)
        return
    console.print(_table(found, f"{incident_id} {title}"))


@click.command("similar")
@click.argument("incident_id", metavar="[ID]", required=False)
@click.option("--all", "all_", is_flag=True, help="Neighbours of every incident.")
@json_option
@limit_option(5)
@cache_option
@root_option
def command(incident_id: str | None, all_: bool, as_json: bool, limit: int, no_cache: bool,
            root: Path) -> None:
    """The incidents most similar to ID, with a score in [0, 1] and the reasons.

    Similarity combines the text (title, impact, root cause, resolution, body
    and postmortem) with shared services, root-cause category, tags and
    detection source. Incidents below a minimum score are not listed.

    \b
    Examples:
      incidentkb similar INC-2026-0042
      incidentkb similar INC-2026-0042 --json --limit 3
      incidentkb similar --all --json > neighbours.json

    Exit status: 0 success, 1 unknown id, 2 usage error.
    """
    if all_ == (incident_id is not None):
        raise UsageProblem("give either an incident ID or --all")
    repo = load_repository(root)
    console = Console(highlight=False, soft_wrap=False)
    if all_:
        result = similar_all(repo, limit, use_cache=not no_cache)
        if as_json:
            click.echo(json.dumps({k: [n.to_json() for n in v] for k, v in result.items()},
                                  indent=2, ensure_ascii=False))
            return
        for key, found in result.items():
            _print_text(console, key, repo.incident_by_id[key].title, found)
        return
    assert incident_id is not None
    try:
        found = similar_to(repo, incident_id, limit, use_cache=not no_cache)
    except KeyError:
        raise _unknown(incident_id, sorted(repo.incident_by_id)) from None
    if as_json:
        click.echo(json.dumps([n.to_json() for n in found], indent=2, ensure_ascii=False))
    else:
        _print_text(console, incident_id, repo.incident_by_id[incident_id].title, found)
