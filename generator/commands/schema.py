from __future__ import annotations

import json
from pathlib import Path

import click

from ..cache import atomic_write_text
from ..schema import json_schema


@click.command("schema")
@click.option(
    "--kind", type=click.Choice(["all", "incident", "postmortem", "article"]), default="all",
    show_default=True,
    help="all: incidents and postmortems (what incidents/ holds); article: kb/.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="Accepted for symmetry with the other commands; the schema is the same.")
def command(kind: str, output: Path | None, root: Path) -> None:
    """Print the JSON Schema of the documents' frontmatter.

    Point an editor's YAML language server at it for completion and errors
    while typing (see the README).

    \b
    Example:
      incidentkb schema -o .vscode/incidentkb.schema.json
    """
    text = json.dumps(json_schema(kind), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write_text(output, text)
        click.echo(f"wrote {output}", err=True)
