"""Option groups shared by commands, as decorators."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def root_option(func: F) -> F:
    """--root DIR: the knowledge-base repository."""
    return click.option(
        "--root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="Knowledge-base repository (holds incidents/, kb/, site_src/).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def limit_option(default: int) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option(
            "--limit", "-n", type=click.IntRange(min=1), default=default, show_default=True,
            help="How many results at most.",
        )(func)

    return decorate


def cache_option(func: F) -> F:
    return click.option(
        "--no-cache", is_flag=True,
        help="Ignore and do not write the cache in <root>/.incidentkb-cache.",
    )(func)
