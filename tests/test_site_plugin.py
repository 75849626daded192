"""The plugin's configuration step and navigation, without building a site."""

from __future__ import annotations

from pathlib import Path

import pytest
from kbfactory import make_kb
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from generator.building import config_additions, load_site_config
from generator.errors import IncidentKBError
from generator.site.plugin import OVERRIDES_DIR, IncidentKBPlugin, site_nav


def _configured(root: Path) -> tuple[MkDocsConfig, IncidentKBPlugin]:
    scratch = root.parent / "scratch-docs"
    scratch.mkdir(exist_ok=True)
    config = load_site_config(root, scratch=scratch)
    plugin = config.plugins["incidentkb"]
    assert isinstance(plugin, IncidentKBPlugin)
    plugin.on_config(config)
    return config, plugin


def test_a_minimal_mkdocs_yml_gets_our_plugin_and_nothing_it_sets_is_changed(kb: Path) -> None:
    (kb / "mkdocs.yml").write_text(
        "site_name: Mine\ntheme:\n  name: material\n  features: [navigation.tabs]\n"
        "docs_dir: site_src\nuse_directory_urls: false\n"
    )
    config, _ = _configured(kb)
    assert config.site_name == "Mine"
    assert config.use_directory_urls is False
    assert list(config.theme["features"]) == ["navigation.tabs"]
    assert "incidentkb" in config.plugins


def test_without_mkdocs_yml_the_defaults_apply(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb", mkdocs_yml=None)
    config, plugin = _configured(root)
    assert config.theme.name == "material"
    assert "navigation.instant" in config.theme["features"]
    assert len(config.theme["palette"]) == 2  # light/dark toggle
    assert plugin.root == root.resolve()


def test_additions_keep_listed_plugins_and_append_ours() -> None:
    assert config_additions({"plugins": ["search", "tags"]})["plugins"] == [
        "search", "tags", "incidentkb"]
    assert "plugins" not in config_additions({"plugins": [{"incidentkb": {"search": "none"}}]})
    as_mapping = config_additions({"plugins": {"search": {}}})["plugins"]
    assert as_mapping == {"search": {}, "incidentkb": {}}
    assert set(config_additions({})) == {"site_name", "theme", "docs_dir", "plugins"}


def test_overrides_come_after_the_users_custom_dir(kb: Path) -> None:
    (kb / "overrides").mkdir()
    (kb / "mkdocs.yml").write_text(
        "site_name: T\ntheme:\n  name: material\n  custom_dir: overrides\ndocs_dir: site_src\n")
    config, _ = _configured(kb)
    assert config.theme.dirs[0] == str(kb / "overrides")
    assert config.theme.dirs[1] == str(OVERRIDES_DIR)


def test_pagefind_turns_off_material_search(kb: Path) -> None:
    (kb / "mkdocs.yml").write_text(
        "site_name: T\ntheme:\n  name: material\ndocs_dir: site_src\nplugins: [search]\n")
    config, _ = _configured(kb)
    assert config.plugins["material/search"].config.enabled is False


def test_search_mkdocs_keeps_material_search(kb: Path) -> None:
    (kb / "mkdocs.yml").write_text(
        "site_name: T\ntheme:\n  name: material\ndocs_dir: site_src\n"
        "plugins:\n  - search\n  - incidentkb:\n      search: mkdocs\n")
    config, _ = _configured(kb)
    assert config.plugins["material/search"].config.enabled is True


def test_markdown_extensions_our_pages_need_are_added(kb: Path) -> None:
    config, _ = _configured(kb)
    for name in ("attr_list", "admonition", "pymdownx.superfences", "toc"):
        assert name in config.markdown_extensions
    assert config.mdx_configs["toc"]["permalink"] is True


def test_a_bad_today_option_is_a_clear_error(kb: Path) -> None:
    (kb / "mkdocs.yml").write_text(
        "site_name: T\ntheme:\n  name: material\ndocs_dir: site_src\n"
        "plugins:\n  - incidentkb:\n      today: yesterday\n")
    with pytest.raises(PluginError, match="today"):
        _configured(kb)


def test_nav_holds_sections_not_one_entry_per_incident() -> None:
    nav = site_nav(["trends/index.md"])
    titles = [next(iter(entry)) for entry in nav]
    assert titles == ["Home", "Incidents", "Browse", "Knowledge base", "Trends"]
    assert len(nav[2]["Browse"]) == 5


def test_configuration_errors_name_the_setting(kb: Path) -> None:
    (kb / "mkdocs.yml").write_text("site_name: T\ntheme:\n  name: material\ndocs_dir: nowhere\n")
    with pytest.raises(IncidentKBError, match="docs_dir"):
        load_site_config(kb)


def _files_after_on_files(root: Path, nav_yaml: str = "") -> tuple[MkDocsConfig, list[str]]:
    from mkdocs.structure.files import get_files

    (root / "mkdocs.yml").write_text(
        "site_name: T\ntheme:\n  name: material\ndocs_dir: site_src\n"
        "plugins:\n  - incidentkb:\n      trends: false\n      history: false\n" + nav_yaml)
    config, plugin = _configured(root)
    assert plugin is config.plugins["incidentkb"]
    files = config.plugins.on_files(get_files(config), config=config)
    return config, [f.src_uri for f in files]


def test_a_hand_written_home_page_wins_over_the_generated_one(kb: Path) -> None:
    (kb / "site_src" / "index.md").write_text("# Our own home\n")
    (kb / "site_src" / "about.md").write_text("# About\n")
    config, uris = _files_after_on_files(kb)
    assert uris.count("index.md") == 1
    plugin = config.plugins["incidentkb"]
    assert "index.md" not in plugin.slots  # the user's page, not ours
    assert "incidents/2026/INC-2026-0001-incident.md" in uris
    assert config.nav[0] == {"Home": "index.md"} and "about.md" in config.nav


def test_a_nav_in_mkdocs_yml_is_kept_and_our_sections_appended(kb: Path) -> None:
    (kb / "site_src" / "about.md").write_text("# About\n")
    nav = "nav:\n  - About: about.md\n  - Table: incidents/index.md\n"
    config, _ = _files_after_on_files(kb, nav)
    titles = [next(iter(entry)) for entry in config.nav]
    assert titles[:2] == ["About", "Table"]
    assert "Incidents" not in titles  # already listed by the user, under their title
    assert "Browse" in titles and "Knowledge base" in titles


def test_mkdocs_yaml_tags_are_understood(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKB_SITE_NAME", "From env")
    (kb / "mkdocs.yml").write_text(
        "site_name: !ENV IKB_SITE_NAME\ntheme:\n  name: material\ndocs_dir: site_src\n"
        "markdown_extensions:\n  - pymdownx.snippets:\n      base_path: !relative $config_dir\n")
    config, _ = _configured(kb)
    assert config.site_name == "From env"
