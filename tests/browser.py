"""Shared helpers for the browser tests: a static file server and Debian's Chromium.

Playwright drives the system's Chromium (`/usr/bin/chromium`); its own browser
downloads are never used, so the tests run offline.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APT_TIMEOUT_SECONDS = 600


def find_chromium() -> str | None:
    """The path of an installed Chromium, or None."""
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


def ensure_chromium() -> tuple[str | None, str]:
    """Chromium's path, installing Debian's package when running as root.

    Returns (path, "") or (None, the reason it is unavailable) so the caller
    can skip with that reason.
    """
    found = find_chromium()
    if found:
        return found, ""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, "Chromium is not installed (/usr/bin/chromium); not root, so no apt-get"
    if shutil.which("apt-get") is None:
        return None, "Chromium is not installed and apt-get is not available"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            subprocess.run(command, check=True, capture_output=True, env=env,
                           timeout=APT_TIMEOUT_SECONDS)
    except (subprocess.SubprocessError, OSError) as error:
        return None, f"Chromium is not installed and `apt-get install chromium` failed: {error}"
    found = find_chromium()
    return (found, "") if found else (None, "apt-get installed chromium but no binary was found")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory under an optional URL prefix, without request logs."""

    prefix = "/"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def translate_path(self, path: str) -> str:
        if self.prefix != "/":
            if not path.startswith(self.prefix):
                return str(Path(self.directory) / "__outside_prefix__")
            path = "/" + path[len(self.prefix):]
        return super().translate_path(path)


@contextmanager
def serve_directory(root: Path, prefix: str = "/") -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (ephemeral port) under `prefix`; yields the base URL."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"prefix must start and end with '/': {prefix!r}")
    handler = type("Handler", (_QuietHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class TransferLog:
    """The responses a page received, to add up the bytes it downloaded."""

    def __init__(self) -> None:
        self.responses: list[Any] = []

    def attach(self, target: Any) -> None:
        """Record the responses of a Playwright page or browser context."""
        target.on("response", self._record)

    def _record(self, response: Any) -> None:
        self.responses.append(response)

    def clear(self) -> None:
        self.responses.clear()

    def sizes(self, contains: str = "") -> dict[str, int]:
        """Body bytes (as served, before any HTTP compression) by URL."""
        sizes: dict[str, int] = {}
        for response in self.responses:
            if contains in response.url:
                try:
                    sizes[response.url] = len(response.body())
                except Exception:  # redirects and aborted requests have no body
                    sizes[response.url] = 0
        return sizes

    def total(self, contains: str = "") -> int:
        return sum(self.sizes(contains).values())
