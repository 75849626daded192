"""Where every generated page lives: source URI, destination and URL.

Incident, postmortem and article pages keep their document's root-relative
path as mkdocs source URI, so relative links a contributor writes in a body
(`../../kb/runbooks/x.md`) resolve as they do on GitHub; their destination is
overridden to the stable public URL (`incidents/<ID>/`).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from mkdocs.utils import get_relative_url

HOME = "index.md"
TABLE = "incidents/index.md"
TABLE_JSON = "incidents/incidents.json"
KB_INDEX = "kb/index.md"
ASSET_DIR = "assets/incidentkb"
# Facets an incident can be browsed by, in the order of the navigation.
FACETS: tuple[tuple[str, str], ...] = (
    ("year", "By year"),
    ("severity", "By severity"),
    ("service", "By service"),
    ("type", "By type"),
    ("tag", "By tag"),
)


def facet_index_uri(facet: str) -> str:
    """The page listing every value of a facet (`browse/service/index.md`)."""
    return f"browse/{facet}/index.md"


def facet_value_uri(facet: str, slug: str) -> str:
    """The page listing the incidents with one facet value."""
    return f"browse/{facet}/{slug}.md"


def dest_for(path_without_ext: str, use_directory_urls: bool) -> str:
    """Destination of a page at a clean path, as mkdocs would write it."""
    if use_directory_urls:
        return f"{path_without_ext}/index.html"
    return f"{path_without_ext}.html"


def dest_of_uri(src_uri: str, use_directory_urls: bool) -> str:
    """mkdocs' destination for a markdown source URI (index.md stays index.html)."""
    parent, name = posixpath.split(src_uri)
    stem = posixpath.splitext(name)[0]
    if stem in ("index", "README"):
        return posixpath.join(parent, "index.html")
    return dest_for(posixpath.join(parent, stem), use_directory_urls)


def url_of_dest(dest_uri: str, use_directory_urls: bool) -> str:
    """The URL mkdocs gives a destination (`incidents/X/index.html` -> `incidents/X/`)."""
    dirname, filename = posixpath.split(dest_uri)
    if use_directory_urls and filename == "index.html":
        return (dirname or ".") + "/"
    return quote(dest_uri)


def incident_dest(incident_id: str, use_directory_urls: bool) -> str:
    return dest_for(f"incidents/{incident_id}", use_directory_urls)


def postmortem_dest(incident_id: str, use_directory_urls: bool) -> str:
    return dest_for(f"incidents/{incident_id}/postmortem", use_directory_urls)


def relative(target_url: str, from_url: str) -> str:
    """A link from one page URL to another, as mkdocs computes them."""
    return get_relative_url(target_url, from_url)


def slugify(value: str) -> str:
    """A URL-safe, lower-case slug (`Payments API` -> `payments-api`)."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return text[:80] or "x"


def assign_slugs(values: Iterable[str]) -> dict[str, str]:
    """Distinct slugs for distinct values, stable: sorted, later clashes get `-2`, `-3`."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for value in sorted(set(values)):
        base = slugify(value)
        slug, n = base, 2
        while slug in taken or slug == "index":
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        out[value] = slug
    return out
