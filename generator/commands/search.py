from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from ..errors import UsageProblem
from ..repository import load_repository
from ..search import MARK_END, MARK_START, QueryError, SearchHit, search
from ._options import cache_option, json_option, limit_option, root_option


def _marked_text(marked: str) -> Text:
    """A snippet with its matches in bold yellow."""
    out = Text()
    for i, part in enumerate(marked.replace(MARK_END, MARK_START).split(MARK_START)):
        out.append(part, style="bold yellow" if i % 2 else "")
    return out


def _print_hits(console: Console, hits: list[SearchHit]) -> None:
    for hit in hits:
        head = Text()
        head.append(f"{hit.id}", style="bold cyan")
        head.append(f"  {hit.title}", style="bold")
        head.append(f"  ({hit.kind}, score {hit.score:.2f})", style="dim")
        console.print(head)
        console.print(Text(f"  {hit.path}", style="dim"))
        if hit.marked:
            console.print(Text("  ") + _marked_text(hit.marked))
        console.print()


@click.command("search", context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@json_option
@limit_option(10)
@cache_option
@root_option
def command(query: tuple[str, ...], as_json: bool, limit: int, no_cache: bool,
            root: Path) -> None:
    """Full-text search over incidents, postmortems and kb articles (BM25).

    Words must all match; use OR, NOT, parentheses and "phrases" as needed.
    Filters: severity: status: type: kind: service: tag: category: method: id:
    (comma for alternatives, a leading - to exclude) and detected: with a date
    or a range (2026-01..2026-03, 2026-01-05.., ..2026).

    \b
    Examples:
      incidentkb search "connection pool" service:payments-api
      incidentkb search 'certificate severity:SEV1,SEV2 detected:2026-01..2026-03'
      incidentkb search timeout -status:closed --json --limit 5

    Exit status: 0 success (also when nothing matches), 2 malformed query.
    """
    text = " ".join(query)
    repo = load_repository(root)
    try:
        hits = search(repo, text, limit, use_cache=not no_cache)
    except QueryError as exc:
        raise UsageProblem(f"cannot read the query: {exc}") from None
    if as_json:
        click.echo(json.dumps([h.to_json() for h in hits], indent=2, ensure_ascii=False))
        return
    if not hits:
        click.echo(f"No documents match {text!r}.")
        return
    console = Console(highlight=False)
    _print_hits(console, hits)
    more = "" if len(hits) < limit else f" (the first {limit}; --limit to see more)"
    console.print(Text(f"{len(hits)} result{'s' if len(hits) != 1 else ''}{more}", style="dim"))
