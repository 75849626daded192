from __future__ import annotations

from pathlib import Path

import click

from ..building import serve_site
from ..validation import validate
from ._mkdocs_log import mkdocs_logging
from ._options import root_option


@click.command("serve")
@click.option(
    "--dev-addr", "-a", metavar="IP:PORT",
    help="Address to serve on (default: mkdocs.yml's dev_addr, else 127.0.0.1:8000).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@root_option
def command(dev_addr: str | None, open_browser: bool, root: Path) -> None:
    """Serve the site locally, rebuilding when a document changes.

    Documents with errors are reported and the server keeps running: pages
    are built from what can be read (a record without a valid id has none).

    \b
    Examples:
      incidentkb serve
      incidentkb serve --dev-addr 0.0.0.0:8080
    """
    result = validate(root)
    if result.errors:
        click.secho(
            f"{result.errors} error(s) in the documents; run `incidentkb validate`. "
            "Serving what can be built.", fg="yellow", err=True,
        )
    with mkdocs_logging():
        serve_site(root, dev_addr=dev_addr, open_browser=open_browser)
