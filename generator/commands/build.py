from __future__ import annotations

from pathlib import Path

import click

from ..building import build_site
from ._mkdocs_log import mkdocs_logging
from ._options import cache_option, root_option


@click.command("build")
@click.option(
    "--site-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site (default: mkdocs.yml's site_dir, else <root>/site).",
)
@click.option("--strict", is_flag=True, help="Fail on mkdocs warnings (e.g. broken links).")
@click.option("--quiet", "-q", is_flag=True, help="Only print warnings and errors.")
@click.option("--verbose", "-v", is_flag=True, help="Print mkdocs' debug messages.")
@cache_option
@root_option
def command(
    site_dir: Path | None, strict: bool, quiet: bool, verbose: bool, no_cache: bool, root: Path
) -> None:
    """Validate the documents, then build the site with mkdocs.

    Refuses to build when a document has errors. The site is built into a
    temporary directory and replaces the old one only when the build
    succeeded. Works with a minimal mkdocs.yml or none at all.

    \b
    Examples:
      incidentkb build
      incidentkb build --site-dir public --strict
    """
    with mkdocs_logging(verbose=verbose, quiet=quiet):
        result = build_site(root, site_dir=site_dir, strict=strict, use_cache=not no_cache)
    warnings = f", {result.warnings} warning{'s' if result.warnings != 1 else ''}" if (
        result.warnings) else ""
    click.echo(
        f"Built {result.site_dir} from {result.documents} documents{warnings} "
        f"in {result.seconds:.1f} s"
    )
