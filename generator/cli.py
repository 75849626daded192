"""The `incidentkb` command: click wiring only.

Each command lives in its own module under `generator/commands/` and exposes a
`command`; the work happens in the core modules, which know nothing of click.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import traceback

import click

from . import __version__, commands


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists it).

    `incidentkb validate` then never pays for importing scikit-learn,
    matplotlib or mkdocs, which the other commands need.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(
            info.name.replace("_", "-")
            for info in pkgutil.iter_modules(commands.__path__)
            if not info.name.startswith("_")
        )

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.list_commands(ctx):
            return None
        module = importlib.import_module(f"{commands.__name__}.{cmd_name.replace('-', '_')}")
        return module.command  # type: ignore[no-any-return]


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="incidentkb")
def cli() -> None:
    """Incidents and postmortems as code.

    Validate incident records, build the searchable site, find similar
    incidents and report trends. Every command takes --root DIR, the
    knowledge-base repository (default: the current directory).
    """


def main() -> None:
    """Console entry point: no Python traceback reaches a user by accident."""
    try:
        cli.main(prog_name="incidentkb", standalone_mode=True)
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except Exception as exc:  # a bug in incidentkb, not in the user's documents
        if os.environ.get("INCIDENTKB_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"Error: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in incidentkb; run again with INCIDENTKB_DEBUG=1 for details "
            "and please report it.",
            err=True,
        )
        sys.exit(1)
