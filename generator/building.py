"""Build and serve the site of a knowledge-base root with mkdocs.

`build_site` validates first and refuses to build when a document has
errors, then builds into a temporary directory beside the target and swaps
it in only when mkdocs succeeded: a failed build leaves the previous site
untouched. A minimal mkdocs.yml (or none at all) works: our plugin and
defaults are added where the file does not set them; whatever it sets is kept.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException
from mkdocs.utils.yaml import get_yaml_loader, yaml_load

from .errors import IncidentKBError
from .findings import format_text_lines
from .validation import ValidationResult, validate

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
PLUGIN_NAME = "incidentkb"
# Used only where mkdocs.yml does not set them.
DEFAULTS: dict[str, Any] = {
    "site_name": "Incident knowledge base",
    "theme": {"name": "material"},
    "docs_dir": "site_src",
}
SHOWN_FINDINGS = 10


@dataclass(frozen=True)
class BuildResult:
    """What a successful build produced."""

    site_dir: Path
    documents: int  # files validated
    warnings: int  # validation warnings (errors refuse the build)
    seconds: float


def config_file(root: Path) -> Path | None:
    """The root's mkdocs.yml (or mkdocs.yaml), if it has one."""
    for name in CONFIG_NAMES:
        path = root / name
        if path.is_file():
            return path
    return None


def read_user_config(path: Path | None) -> dict[str, Any]:
    """The keys mkdocs.yml sets (with mkdocs' own YAML tags), {} without a file."""
    if path is None:
        return {}
    try:
        with open(path, "rb") as fd:
            data = yaml_load(fd, loader=_settings_loader())
    except (OSError, yaml.YAMLError, MkDocsException) as exc:
        raise IncidentKBError(f"cannot read {path.name}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise IncidentKBError(f"{path.name} must be a mapping of settings, not {kind}")
    return data


def _settings_loader() -> Any:
    """mkdocs' own YAML loader; `!relative` (resolved later by mkdocs) read as None."""

    class Loader(get_yaml_loader()):  # type: ignore[misc]
        pass

    Loader.add_constructor("!relative", lambda loader, node: None)
    return Loader


def _plugin_names(plugins: Any) -> list[str]:
    if isinstance(plugins, dict):
        return [str(k) for k in plugins]
    names = []
    for entry in plugins if isinstance(plugins, list) else []:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict):
            names.extend(str(k) for k in entry)
    return names


def config_additions(user: dict[str, Any]) -> dict[str, Any]:
    """What to add to the user's settings: defaults they lack, and our plugin."""
    additions = {key: value for key, value in DEFAULTS.items() if key not in user}
    plugins = user.get("plugins")
    if plugins is None:
        additions["plugins"] = [PLUGIN_NAME]
    elif PLUGIN_NAME not in _plugin_names(plugins):
        if isinstance(plugins, dict):
            additions["plugins"] = {**plugins, PLUGIN_NAME: {}}
        elif isinstance(plugins, list):
            additions["plugins"] = [*plugins, PLUGIN_NAME]
        else:
            raise IncidentKBError("mkdocs.yml: `plugins` must be a list")
    return additions


def load_site_config(
    root: Path,
    *,
    strict: bool = False,
    site_dir: Path | None = None,
    dev_addr: str | None = None,
    scratch: Path | None = None,
) -> MkDocsConfig:
    """The mkdocs configuration for a root: its mkdocs.yml plus our additions.

    `scratch` is an empty directory used as docs_dir when the root has no
    site_src/ (mkdocs requires an existing docs_dir).
    """
    path = config_file(root)
    user = read_user_config(path)
    options = config_additions(user)
    # A missing default site_src/ is fine (no hand-written pages); a docs_dir
    # the file names must exist.
    if "docs_dir" not in user and not (root / DEFAULTS["docs_dir"]).is_dir() and scratch:
        options["docs_dir"] = str(scratch)
    if site_dir is not None:
        options["site_dir"] = str(site_dir)
    if strict:
        options["strict"] = True
    if dev_addr:
        options["dev_addr"] = dev_addr
    source: Any = str(path) if path is not None else io.BytesIO(b"{}")
    with _collect_config_errors() as problems:
        try:
            return load_config(
                config_file=source, config_file_path=str(path or root / CONFIG_NAMES[0]),
                **options,
            )
        except (Abort, ConfigurationError) as exc:
            details = "".join(f"\n  {p}" for p in problems) or f" {exc}"
            raise IncidentKBError(f"the mkdocs configuration is not valid:{details}") from None


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _collect_config_errors() -> Iterator[list[str]]:
    """mkdocs logs each configuration error, then aborts: keep them for our message."""
    logger = logging.getLogger("mkdocs.config")
    handler = _ListHandler()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def refusal_message(result: ValidationResult) -> str:
    """Why the build was refused: the error count and the first findings."""
    errors = [f for f in result.findings if f.severity == "error"]
    lines = format_text_lines(errors[:SHOWN_FINDINGS])
    more = len(errors) - SHOWN_FINDINGS
    tail = f"\n  ... and {more} more" if more > 0 else ""
    noun = "error" if len(errors) == 1 else "errors"
    return (
        f"the documents have {len(errors)} {noun}; the site was not built:\n  "
        + "\n  ".join(lines) + tail
        + "\nRun `incidentkb validate` to see every finding."
    )


def _check_target(root: Path, target: Path, config: MkDocsConfig) -> None:
    """Refuse a site directory whose replacement would delete sources."""
    docs_dir = Path(config.docs_dir).resolve()
    for place in (root, root / "incidents", root / "kb", docs_dir):
        if target == place or target in place.parents:
            raise IncidentKBError(
                f"refusing to build into {target}: it would replace {place}; "
                "choose another --site-dir"
            )
    for place in (root / "incidents", root / "kb", docs_dir):
        if place in target.parents:
            raise IncidentKBError(
                f"refusing to build into {target}: it is inside {place}, among the sources; "
                "choose another --site-dir"
            )
    if target.exists() and not target.is_dir():
        raise IncidentKBError(f"{target} exists and is not a directory")


def _swap_in(new: Path, target: Path) -> None:
    """Replace target by new: two renames, the old tree deleted afterwards."""
    old: Path | None = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _run_mkdocs(config: MkDocsConfig) -> None:
    """One mkdocs build, with mkdocs' failures turned into ours."""
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    except (Abort, MkDocsException) as exc:
        raise IncidentKBError(f"mkdocs build failed: {exc}") from None
    finally:
        config.plugins.on_shutdown()


@contextmanager
def _scratch_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="incidentkb-docs-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def build_site(
    root: Path | str,
    *,
    site_dir: Path | str | None = None,
    strict: bool = False,
    now: dt.datetime | None = None,
    use_cache: bool = True,
) -> BuildResult:
    """Validate, build into a temporary directory, swap it in. Raises IncidentKBError."""
    started = time.perf_counter()
    root = Path(root).resolve()
    result = validate(root, now=now, use_cache=use_cache)
    if result.errors:
        raise IncidentKBError(refusal_message(result))
    with _scratch_dir() as scratch:
        config = load_site_config(root, strict=strict, scratch=scratch)
        target = Path(site_dir if site_dir is not None else config.site_dir).resolve()
        _check_target(root, target, config)
        target.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        try:
            config.site_dir = str(building)
            _run_mkdocs(config)
            _swap_in(building, target)
        finally:
            if building.exists():
                shutil.rmtree(building, ignore_errors=True)
    return BuildResult(
        site_dir=target, documents=result.files, warnings=result.warnings,
        seconds=time.perf_counter() - started,
    )


def serve_site(
    root: Path | str, *, dev_addr: str | None = None, open_browser: bool = False
) -> None:
    """Serve the site with live reload (mkdocs' server), rebuilding on every change.

    Documents with errors do not stop the server: the page for a broken file
    is left out until it is fixed, as `mkdocs serve` would.
    """
    from urllib.parse import urlsplit

    from mkdocs.livereload import LiveReloadServer, _serve_url

    root = Path(root).resolve()
    site_dir = Path(tempfile.mkdtemp(prefix="incidentkb-serve-"))
    with _scratch_dir() as scratch:

        def get_config() -> MkDocsConfig:
            return load_site_config(root, site_dir=site_dir, dev_addr=dev_addr, scratch=scratch)

        config = get_config()
        config.plugins.on_startup(command="serve", dirty=False)
        host, port = config.dev_addr
        mount_path = urlsplit(config.site_url or "/").path
        config.site_url = serve_url = _serve_url(host, port, mount_path)

        def builder(config: MkDocsConfig | None = None) -> None:
            if config is None:
                config = get_config()
                config.site_url = serve_url
            mkdocs_build(config, serve_url=serve_url)

        server = LiveReloadServer(
            builder=builder, host=host, port=port, root=str(site_dir), mount_path=mount_path
        )
        try:
            builder(config)
            if Path(config.docs_dir) != scratch:
                server.watch(config.docs_dir)
            if config_file(root) is not None:
                server.watch(str(config_file(root)))
            server = config.plugins.on_serve(server, config=config, builder=builder)
            for item in config.watch:
                server.watch(item)
            try:
                server.serve(open_in_browser=open_browser)
            except KeyboardInterrupt:
                pass
            finally:
                server.shutdown()
        finally:
            config.plugins.on_shutdown()
            shutil.rmtree(site_dir, ignore_errors=True)
