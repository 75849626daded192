"""mkdocs' log messages on stderr while a build or server runs, as `mkdocs` prints them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import click


class _ClickHandler(logging.Handler):
    """`WARNING -  message` on stderr, coloured on a terminal."""

    COLOURS = {"WARNING": "yellow", "ERROR": "red", "CRITICAL": "red"}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = record.levelname
            prefix = click.style(f"{level:<8}", fg=self.COLOURS.get(level))
            click.echo(f"{prefix} -  {record.getMessage()}", err=True)
        except Exception:  # logging must never break the build
            self.handleError(record)


@contextmanager
def mkdocs_logging(verbose: bool = False, quiet: bool = False) -> Iterator[None]:
    """Route the `mkdocs` logger (our plugin logs under it too) to stderr for a block."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logger = logging.getLogger("mkdocs")
    handler = _ClickHandler(level=level)
    previous = logger.level, logger.propagate
    logger.setLevel(level)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
