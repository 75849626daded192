"""User-facing failures: `Error: ...` on stderr and a clean exit code."""

from __future__ import annotations

import click


class IncidentKBError(click.ClickException):
    """A failure the user can act on (exit code 1)."""

    exit_code = 1


class UsageProblem(click.UsageError):
    """The command was called wrongly (exit code 2)."""
