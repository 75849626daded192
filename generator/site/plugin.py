"""The `incidentkb` mkdocs plugin: one method per build event.

- on_config: resolve the knowledge-base root, add the theme overrides, the
  stylesheet and script, markdown extensions and material features the pages
  need (keeping whatever mkdocs.yml sets), choose the search engine.
- on_files: load the repository once, compute the per-build context and add
  every generated page in memory (`File.generated`); set the navigation.
- on_page_content: sanitise the HTML of pages built from contributors' files.
- on_post_build: index the built site with Pagefind.
- on_serve: live reload when incidents/ or kb/ change.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel, file_sort_key
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import nest_paths

from ..repository import Repository, load_repository
from . import GeneratedPage, layout
from .config import IncidentKBConfig
from .context import SiteContext, build_context, postmortem_dest_of
from .indexes import (
    facet_index_page,
    facet_value_page,
    home_page,
    incidents_json,
    kb_index_page,
    table_page,
)
from .markup import plain_text, sanitise
from .pages import article_page, incident_page, postmortem_page
from .source import PageSource, fill_slots

log = logging.getLogger("mkdocs.plugins.incidentkb")

PACKAGE_DIR = Path(__file__).parent
ASSETS_DIR = PACKAGE_DIR / "assets"
OVERRIDES_DIR = PACKAGE_DIR / "overrides"
ASSET_FILES = ("incidentkb.css", "incidentkb.js")

DEFAULT_FEATURES = [
    "navigation.instant", "navigation.instant.progress", "navigation.tracking",
    "navigation.tabs", "navigation.sections", "navigation.top", "toc.follow",
    "content.code.copy", "search.suggest", "search.highlight",
]
DEFAULT_PALETTE = [
    {"media": "(prefers-color-scheme: light)", "scheme": "default", "primary": "indigo",
     "accent": "indigo",
     "toggle": {"icon": "material/brightness-7", "name": "Switch to dark mode"}},
    {"media": "(prefers-color-scheme: dark)", "scheme": "slate", "primary": "indigo",
     "accent": "indigo",
     "toggle": {"icon": "material/brightness-4", "name": "Switch to light mode"}},
]
# mkdocs-material's default, fetched from Google Fonts unless a site chooses one.
MATERIAL_DEFAULT_FONT = {"text": "Roboto", "code": "Roboto Mono"}
# Markdown extensions our pages rely on (attr_list: heading ids) or contributors
# commonly use; added when mkdocs.yml does not list them, with these settings.
DEFAULT_EXTENSIONS: dict[str, dict[str, Any]] = {
    "toc": {"permalink": True},
    "attr_list": {},
    "md_in_html": {},
    "admonition": {},
    "footnotes": {},
    "def_list": {},
    "abbr": {},
    "pymdownx.details": {},
    "pymdownx.superfences": {},
    "pymdownx.highlight": {"anchor_linenums": True},
    "pymdownx.inlinehilite": {},
    "pymdownx.tasklist": {"custom_checkbox": True},
}
SEARCH_PLUGIN_NAMES = ("material/search", "search")


class IncidentKBPlugin(BasePlugin[IncidentKBConfig]):
    """Turns incidents/ and kb/ of a knowledge-base root into site pages."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.root: Path = Path.cwd()
        self.repo: Repository | None = None
        self.ctx: SiteContext | None = None
        self.today: dt.date = dt.datetime.now(dt.timezone.utc).date()
        # src_uris of pages built from contributors' documents: sanitised.
        self.sanitised: set[str] = set()
        # HTML parts of generated pages by src_uri, put back after markdown.
        self.slots: dict[str, list[str]] = {}
        self.slot_token = "IKBSLOT" + secrets.token_hex(8) + "N"

    # --- on_config ---------------------------------------------------------------

    @event_priority(50)  # before other plugins read the theme and search settings
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.root = self._resolve_root(config)
        self.today = self._resolve_today()
        self._configure_theme(config)
        self._configure_markdown(config)
        self._configure_assets(config)
        self._configure_search(config)
        return config

    def _resolve_root(self, config: MkDocsConfig) -> Path:
        base = Path(os.path.dirname(config.config_file_path or "") or os.getcwd())
        root = (base / self.config.root).resolve() if self.config.root else base.resolve()
        if not root.is_dir():
            raise PluginError(f"incidentkb: the root {root} is not a directory")
        return root

    def _resolve_today(self) -> dt.date:
        if not self.config.today:
            return dt.datetime.now(dt.timezone.utc).date()
        try:
            return dt.date.fromisoformat(str(self.config.today))
        except ValueError:
            raise PluginError(
                f"incidentkb: option today={self.config.today!r} is not a date YYYY-MM-DD"
            ) from None

    def _configure_theme(self, config: MkDocsConfig) -> None:
        theme = config.theme
        overrides = str(OVERRIDES_DIR)
        if overrides not in theme.dirs:
            # after the user's own custom_dir (theirs wins), before the theme's
            position = 1 if theme.custom_dir else 0
            theme.dirs.insert(position, overrides)
        if theme.name != "material":
            return
        if not theme.get("features"):
            theme["features"] = list(DEFAULT_FEATURES)
        if not theme.get("palette"):
            theme["palette"] = [dict(p) for p in DEFAULT_PALETTE]
        if theme.get("font") == MATERIAL_DEFAULT_FONT:
            # system fonts: the site works offline and calls no font CDN
            theme["font"] = False

    def _configure_markdown(self, config: MkDocsConfig) -> None:
        present = set(config.markdown_extensions)
        for name, settings in DEFAULT_EXTENSIONS.items():
            if name not in present:
                config.markdown_extensions.append(name)
                if settings:
                    config.mdx_configs[name] = dict(settings)
        if "toc" in present:
            config.mdx_configs.setdefault("toc", {}).setdefault("permalink", True)

    def _configure_assets(self, config: MkDocsConfig) -> None:
        css = f"{layout.ASSET_DIR}/incidentkb.css"
        js = f"{layout.ASSET_DIR}/incidentkb.js"
        if css not in [str(x) for x in config.extra_css]:
            config.extra_css.append(css)
        if js not in [str(x) for x in config.extra_javascript]:
            config.extra_javascript.append(ExtraScriptValue(js))

    def _configure_search(self, config: MkDocsConfig) -> None:
        """Pagefind replaces mkdocs-material's lunr index (40 MB at 10k incidents)."""
        if self.config.search == "mkdocs":
            return
        for name in SEARCH_PLUGIN_NAMES:
            plugin = config.plugins.get(name)
            settings = getattr(plugin, "config", None)
            if settings is not None and "enabled" in settings:
                settings.enabled = False

    # --- on_files ----------------------------------------------------------------

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.repo = load_repository(self.root)
        self.ctx = build_context(
            self.repo, self.today, use_directory_urls=config.use_directory_urls,
            similar=self._similar, history=self._history if self.config.history else None,
        )
        if self.ctx.skipped:
            log.warning(
                "incidentkb: %d incident file(s) without a valid, unique id get no page "
                "(run `incidentkb validate`): %s",
                len(self.ctx.skipped), ", ".join(self.ctx.skipped[:5]),
            )
        trends = self._trends_pages()
        if any(p.src_uri == "trends/index.md" for p in trends):
            self.ctx.trends_url = self.ctx.url("trends/index.md")
        adder = _FileAdder(files, config, self.slot_token)
        self._add_assets(adder)
        self._add_documents(adder)
        self._add_indexes(adder, config)
        for page in trends:
            adder.add(page.src_uri, page.content, in_nav=page.src_uri.endswith(".md"))
        self.sanitised = adder.sanitised
        self.slots = adder.slots
        self._set_nav(config, files, [p.src_uri for p in trends if p.src_uri.endswith(".md")])
        return files

    def _similar(self, repo: Repository) -> dict[str, Any]:
        from ..similarity import similar_all

        return similar_all(repo, limit=self.config.similar_limit, use_cache=True)

    def _history(self, repo: Repository) -> dict[str, Any]:
        from ..history import history_facts

        return history_facts(repo.root)

    def _trends_pages(self) -> list[GeneratedPage]:
        if not self.config.trends or self.repo is None:
            return []
        from .trends_pages import trends_pages

        return trends_pages(self.repo, self.today)

    def _add_assets(self, adder: _FileAdder) -> None:
        for name in ASSET_FILES:
            adder.add_path(f"{layout.ASSET_DIR}/{name}", ASSETS_DIR / name)

    def _add_documents(self, adder: _FileAdder) -> None:
        ctx = self.ctx
        assert ctx is not None
        directory_urls = ctx.use_directory_urls
        for inc in ctx.incidents:
            dest = layout.incident_dest(inc.id or "", directory_urls)
            url = ctx.incident_url[inc.id or ""]
            adder.add(inc.path, incident_page(ctx, inc, url), dest_uri=dest, sanitise=True)
        for pm in ctx.postmortems:
            url = ctx.postmortem_url[pm.path]
            adder.add(pm.path, postmortem_page(ctx, pm, url),
                      dest_uri=postmortem_dest_of(ctx, pm), sanitise=True)
        for article in ctx.repo.articles:
            url = ctx.article_url[article.path]
            adder.add(article.path, article_page(ctx, article, url), sanitise=True)

    def _add_indexes(self, adder: _FileAdder, config: MkDocsConfig) -> None:
        ctx = self.ctx
        assert ctx is not None
        if not adder.exists(layout.HOME):
            adder.add(layout.HOME, home_page(ctx, config.site_name), in_nav=True)
        adder.add(layout.TABLE, table_page(ctx), in_nav=True)
        adder.add(layout.TABLE_JSON, incidents_json(ctx))
        adder.add(layout.KB_INDEX, kb_index_page(ctx), in_nav=True)
        for facet, title in layout.FACETS:
            adder.add(layout.facet_index_uri(facet), facet_index_page(ctx, facet, title),
                      in_nav=True)
            for value, slug in ctx.facet_slugs.get(facet, {}).items():
                adder.add(layout.facet_value_uri(facet, slug), facet_value_page(ctx, facet, value))

    def _set_nav(self, config: MkDocsConfig, files: Files, trends: list[str]) -> None:
        """Our sections, then the hand-written pages; a nav in mkdocs.yml is kept and extended."""
        ours = site_nav(trends)
        if config.nav is None:
            user = sorted(
                (f for f in files.documentation_pages()
                 if f.generated_by is None and f.inclusion.is_in_nav() and f.src_uri != "index.md"),
                key=file_sort_key,
            )
            config.nav = ours + nest_paths(f.src_uri for f in user)
            return
        listed = set(_nav_paths(config.nav))
        config.nav = list(config.nav) + [
            entry for entry in ours if not set(_nav_paths([entry])) & listed
        ]

    # --- on_page_content -----------------------------------------------------------

    def on_page_content(
        self, html: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        src_uri = page.file.src_uri
        if src_uri in self.sanitised:
            _clean_toc(page.toc.items if page.toc else [])
            html = sanitise(html)
        slots = self.slots.pop(src_uri, None)
        if slots:
            html = fill_slots(html, self.slot_token, slots)
        return html

    # --- on_post_build / on_serve ---------------------------------------------------

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.config.search == "pagefind":
            from .search_index import index_site

            index_site(Path(config.site_dir))

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        for area in ("incidents", "kb"):
            path = self.root / area
            if path.is_dir():
                server.watch(str(path))
        return server


def site_nav(trends: list[str]) -> list[Any]:
    """The navigation entries for generated pages (facet leaves stay out of it)."""
    nav: list[Any] = [
        {"Home": layout.HOME},
        {"Incidents": layout.TABLE},
        {"Browse": [{title: layout.facet_index_uri(facet)} for facet, title in layout.FACETS]},
        {"Knowledge base": layout.KB_INDEX},
    ]
    if trends:
        ordered = sorted(trends, key=lambda uri: (uri != "trends/index.md", uri))
        nav.append({"Trends": ordered[0] if len(ordered) == 1 else ordered})
    return nav


def _nav_paths(nav: Iterable[Any]) -> Iterable[str]:
    for entry in nav:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            for value in entry.values():
                if isinstance(value, str):
                    yield value
                elif isinstance(value, list):
                    yield from _nav_paths(value)


def _clean_toc(items: Iterable[AnchorLink]) -> None:
    """TOC labels come from contributors' headings and themes print them unescaped."""
    for item in items:
        item.title = plain_text(item.title)
        _clean_toc(item.children)


class _FileAdder:
    """Adds generated files to the mkdocs file collection; a user's own file wins."""

    def __init__(self, files: Files, config: MkDocsConfig, slot_token: str) -> None:
        self.files = files
        self.config = config
        self.slot_token = slot_token
        self.sanitised: set[str] = set()
        self.slots: dict[str, list[str]] = {}

    def exists(self, src_uri: str) -> bool:
        return self.files.get_file_from_path(src_uri) is not None

    def add(self, src_uri: str, content: PageSource | str | bytes, *, dest_uri: str | None = None,
            in_nav: bool = False, sanitise: bool = False) -> None:
        if self._taken(src_uri):
            return
        if isinstance(content, PageSource):
            content, slots = content.slotted(self.slot_token)
            self.slots[src_uri] = slots
        inclusion = InclusionLevel.INCLUDED if in_nav else InclusionLevel.NOT_IN_NAV
        file = File.generated(self.config, src_uri, content=content, inclusion=inclusion)
        self._append(file, dest_uri, sanitise)

    def add_path(self, src_uri: str, path: Path) -> None:
        if self._taken(src_uri):
            return
        file = File.generated(self.config, src_uri, abs_src_path=str(path),
                              inclusion=InclusionLevel.NOT_IN_NAV)
        self._append(file, None, False)

    def _taken(self, src_uri: str) -> bool:
        if self.exists(src_uri):
            log.info("incidentkb: %s exists in docs_dir; the generated page is not added", src_uri)
            return True
        return False

    def _append(self, file: File, dest_uri: str | None, sanitise: bool) -> None:
        if dest_uri is not None:
            file.dest_uri = dest_uri
        self.files.append(file)
        if sanitise:
            self.sanitised.add(file.src_uri)
