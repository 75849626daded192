"""The site-wide search index: Pagefind run over the built site.

mkdocs-material's own search ships one search_index.json that every visitor
downloads whole (64 MB, 16 MB gzipped, at 10,000 incidents). Pagefind writes a
static, sharded index instead: a query fetches the runtime and only the index
chunks and result fragments it needs (about 0.3 MB for a first query at
10,000 incidents). `partials/ikb-search.html`, `partials/header.html` and
`assets/javascripts/ikb-search.js` in `overrides/` are the browser side.

Only the page content is indexed (mkdocs-material's `article.md-content__inner`),
not the navigation, header or footer that every page repeats. Within it,
anything marked `data-pagefind-ignore` is skipped, and so are the theme's
permalink and edit buttons, every mention of another incident (links,
lists, the incidents table: a query for an incident's id or words should
find that incident, not every page that links to it), and the section titles
and labels that every incident page repeats.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.errors import IncidentKBError

log = logging.getLogger(__name__)

#: Where the index goes, relative to the site directory (`<site>/pagefind/`).
OUTPUT_SUBDIR = "pagefind"
#: The element of every mkdocs-material page that holds its content.
ROOT_SELECTOR = "article.md-content__inner"
#: Parts of the content that are not worth finding.
EXCLUDE_SELECTORS: tuple[str, ...] = (
    ".headerlink",  # the permalink anchor after each heading
    ".md-content__button",  # "edit this page" / "view source"
    ".md-source-file",  # revision dates
    # Text naming *other* incidents: links to them, the lists of the home and
    # browse pages, "similar incidents". Indexed, it would rank listing pages
    # above the incident a query names. (The site's markup, generator/site/.)
    "table#ikb-incidents",
    ".ikb-incident-list",
    ".ikb-similar",
    "a.ikb-incident-link",
    # Labels every incident page repeats ("Root cause", "Services", "Time to
    # detect"): a query made of them would match all pages, which finds
    # nothing and is slow (about 2 s instead of 0.1 s at 10,000 incidents).
    # The user's own headings stay, and with them Pagefind's section results.
    'h2[id^="ikb-"]',
    ".ikb-facts dt",
    ".ikb-durations__label",
)
TIMEOUT_SECONDS = 1800
_COUNT = re.compile(r"Indexed (\d[\d,]*) (pages?|words?|filters?|languages?)")


@dataclass(frozen=True)
class IndexSummary:
    """What Pagefind reported having indexed."""

    pages: int
    words: int
    filters: int
    output_dir: Path


def pagefind_executable() -> Path:
    """The Pagefind binary: `PAGEFIND_BINARY_PATH`, the wheel's binary, or PATH."""
    try:
        from pagefind.service import get_executable
    except ImportError as error:  # pragma: no cover - a dependency of incidentkb
        raise IncidentKBError(
            "Pagefind is not installed; it builds the site's search index. "
            "Install it with: pip install 'pagefind[extended]'"
        ) from error
    executable = get_executable()
    if executable is None or not executable.is_file():
        raise IncidentKBError(
            "The Pagefind binary was not found; it builds the site's search index. "
            "Reinstall it with: pip install --force-reinstall 'pagefind[extended]', "
            "or point PAGEFIND_BINARY_PATH at a pagefind binary."
        )
    return executable


def pagefind_command(site_dir: Path, executable: Path, language: str | None = None) -> list[str]:
    """The Pagefind command line that indexes `site_dir` (offline, in place)."""
    command = [
        str(executable),
        "--site", str(site_dir),
        "--output-subdir", OUTPUT_SUBDIR,
        "--root-selector", ROOT_SELECTOR,
    ]
    for selector in EXCLUDE_SELECTORS:
        command += ["--exclude-selectors", selector]
    if language:
        command += ["--force-language", language]
    return command


def _summary(output: str, output_dir: Path) -> IndexSummary:
    counts = {
        kind.rstrip("s"): int(value.replace(",", "")) for value, kind in _COUNT.findall(output)
    }
    return IndexSummary(
        pages=counts.get("page", 0),
        words=counts.get("word", 0),
        filters=counts.get("filter", 0),
        output_dir=output_dir,
    )


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def index_site(site_dir: Path, *, language: str | None = None) -> IndexSummary:
    """Write the Pagefind search index of the built site in `site_dir` to `<site_dir>/pagefind/`.

    `language` (an ISO 639-1 code, e.g. the theme's language) indexes every
    page as that language; by default Pagefind reads each page's `lang`.
    Raises IncidentKBError when Pagefind is missing, fails, or indexes no page.
    """
    site_dir = Path(site_dir).resolve()
    if not site_dir.is_dir():
        raise IncidentKBError(f"Cannot index the site for search: {site_dir} is not a directory.")
    executable = pagefind_executable()
    output_dir = site_dir / OUTPUT_SUBDIR
    if output_dir.is_symlink() or output_dir.is_file():
        output_dir.unlink()
    elif output_dir.exists():  # no stale fragments from an earlier build
        shutil.rmtree(output_dir)
    # Run in the site directory: Pagefind reads a pagefind.yml from its working
    # directory, and one left in the user's cwd must not change our index.
    command = pagefind_command(site_dir, executable, language)
    log.debug("Running %s", " ".join(command))
    try:
        completed = subprocess.run(
            command, cwd=site_dir, capture_output=True, text=True, errors="replace",
            timeout=TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise IncidentKBError(
            f"Pagefind did not finish indexing {site_dir} within {TIMEOUT_SECONDS} s."
        ) from error
    except OSError as error:
        raise IncidentKBError(f"Cannot run Pagefind ({executable}): {error}") from error
    output = completed.stdout + completed.stderr
    summary = _summary(completed.stdout, output_dir)
    if "Indexed 0 pages" in completed.stdout:
        raise IncidentKBError(
            f"Pagefind found no page content to index in {site_dir} (it indexes "
            f"'{ROOT_SELECTOR}', the content of mkdocs-material pages)."
        )
    if completed.returncode != 0:
        raise IncidentKBError(
            f"Pagefind failed to index {site_dir} (exit code {completed.returncode}):\n"
            f"{_tail(output)}"
        )
    if not all((output_dir / name).is_file() for name in ("pagefind.js", "pagefind-entry.json")):
        raise IncidentKBError(
            f"Pagefind ran but wrote no search index to {output_dir}:\n{_tail(output)}"
        )
    log.info("Search index: %d pages, %d words, %d filters", summary.pages, summary.words,
             summary.filters)
    return summary
