"""Options of the `incidentkb` mkdocs plugin (`plugins: [incidentkb: {...}]`)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class IncidentKBConfig(Config):
    """What a site maintainer can set; every option has a sensible default."""

    # The knowledge-base root (holds incidents/ and kb/); default: mkdocs.yml's folder.
    root = c.Optional(c.Type(str))
    # Site search: Pagefind (static, scales), mkdocs-material's lunr index, or none.
    search = c.Choice(("pagefind", "mkdocs", "none"), default="pagefind")
    # How many similar incidents each incident page lists.
    similar_limit = c.Type(int, default=5)
    # Git facts ("recorded N days after detection", "last updated ... by ...").
    history = c.Type(bool, default=True)
    # The trends section (charts and tables).
    trends = c.Type(bool, default=True)
    # The date overdue items and "this year" are computed against (YYYY-MM-DD);
    # default: today in UTC. Set it for reproducible builds.
    today = c.Optional(c.Type(str))
