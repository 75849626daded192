"""The mkdocs side: a plugin that turns a knowledge-base root into site pages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GeneratedPage:
    """A file the plugin adds to the site in memory (never written to the source tree).

    `src_uri` is relative to docs_dir, e.g. "trends/index.md" or "trends/incidents.svg";
    markdown pages become site pages, anything else is copied as an asset.
    """

    src_uri: str
    content: str | bytes
