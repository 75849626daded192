"""The Pagefind search index of the built site, and the theme overrides that use it."""

from __future__ import annotations

import gzip
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import material
import pytest

from generator.errors import IncidentKBError
from generator.site.search_index import (
    ROOT_SELECTOR,
    IndexSummary,
    index_site,
    pagefind_executable,
)

OVERRIDES = Path(__file__).parents[1] / "generator" / "site" / "overrides"
THEME_TEMPLATES = Path(material.__file__).parent / "templates"

PAGE = """<!doctype html>
<html lang="en"><head><title>{title}</title></head>
<body>
<header class="md-header">navigationword</header>
<article class="md-content__inner md-typeset">
  <a class="md-content__button md-icon" href="edit">editbuttonword</a>
  <h1 id="top">{title}<a class="headerlink" href="#top">permalinkword</a></h1>
  <dl class="ikb-facts"><div><dt>Servicelabelword</dt> <dd>kafka-cluster</dd></div></dl>
  <ul class="ikb-durations"><li><span class="ikb-durations__label">Durationlabelword</span>
    <span class="ikb-durations__value">5 min</span></li></ul>
  <h2 id="ikb-root-cause">Sectiontitleword</h2>
  <p>{body}</p>
  <h2 id="own-heading">Ownheadingword</h2>
  <div data-pagefind-ignore>ignoredword</div>
  <table id="ikb-incidents"><tr data-severity="SEV1"><td>incidentstableword</td></tr></table>
</article>
<footer class="md-footer">footerword</footer>
</body></html>
"""


def write_page(site: Path, rel: str, title: str, body: str) -> None:
    path = site / rel / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE.format(title=title, body=body), encoding="utf-8")


def fragments(site: Path) -> dict[str, dict[str, Any]]:
    """The indexed pages by URL, decoded from Pagefind's fragment files."""
    pages = {}
    for path in (site / "pagefind" / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        page = json.loads(data[len(b"pagefind_dcd"):])
        pages[page["url"]] = page
    return pages


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    write_page(site, "", "Home", "Welcome to the knowledge base.")
    write_page(site, "incidents/INC-2026-0042", "INC-2026-0042: Kafka broker outage",
               "The zookeeperquorum lost consensus during the rolling restart.")
    write_page(site, "incidents/INC-2026-0043", "INC-2026-0043: Certificate expiry",
               "The wildcard certificate expired at midnight.")
    return site


def test_index_site_writes_a_pagefind_bundle_into_the_site(site: Path) -> None:
    summary = index_site(site)

    assert isinstance(summary, IndexSummary)
    assert summary.pages == 3
    assert summary.output_dir == (site / "pagefind").resolve()
    for name in ("pagefind.js", "pagefind-entry.json", "pagefind-worker.js"):
        assert (site / "pagefind" / name).is_file()
    assert list((site / "pagefind").glob("wasm.*.pagefind"))
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 3


def test_only_the_page_content_is_indexed(site: Path) -> None:
    index_site(site)

    page = fragments(site)["/incidents/INC-2026-0042/"]
    assert "zookeeperquorum" in page["content"]
    assert "kafka-cluster" in page["content"]
    assert "Ownheadingword" in page["content"]
    assert page["meta"]["title"] == "INC-2026-0042: Kafka broker outage"
    for word in ("navigationword", "footerword", "permalinkword", "editbuttonword",
                 "ignoredword", "incidentstableword", "Servicelabelword", "Durationlabelword",
                 "Sectiontitleword"):
        assert word not in page["content"], word


def test_pages_without_content_are_not_indexed(site: Path) -> None:
    (site / "redirect").mkdir()
    (site / "redirect" / "index.html").write_text("<html><body>orphanword</body></html>")

    summary = index_site(site)

    assert summary.pages == 3
    assert "/redirect/" not in fragments(site)


def test_reindexing_removes_files_of_the_previous_index(site: Path) -> None:
    index_site(site)
    stale = site / "pagefind" / "fragment" / "en_stale.pf_fragment"
    stale.write_bytes(b"old")

    index_site(site)

    assert not stale.exists()
    assert len(fragments(site)) == 3


def test_a_pagefind_config_in_the_working_directory_is_not_used(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pagefind.yml").write_text('glob: "nothing/**/*.html"\n')
    monkeypatch.chdir(tmp_path)

    assert index_site(site).pages == 3


def test_a_site_with_no_page_content_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><body><p>No article here</p></body></html>")

    with pytest.raises(IncidentKBError, match=re.escape(ROOT_SELECTOR)):
        index_site(tmp_path)


def test_a_missing_site_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IncidentKBError, match="is not a directory"):
        index_site(tmp_path / "nowhere")


def fake_pagefind(tmp_path: Path, script: str) -> Path:
    binary = tmp_path / "fake-pagefind"
    binary.write_text("#!/bin/sh\n" + script)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def test_a_failing_pagefind_is_reported_with_its_output(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = fake_pagefind(tmp_path, "echo 'Error: could not parse page.html' >&2\nexit 3\n")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))

    with pytest.raises(IncidentKBError, match=r"exit code 3[\s\S]*could not parse page\.html"):
        index_site(site)


def test_a_pagefind_that_writes_nothing_is_an_error(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake_pagefind(tmp_path, "exit 0\n")))

    with pytest.raises(IncidentKBError, match="wrote no search index"):
        index_site(site)


def test_a_missing_pagefind_binary_is_an_error(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-binary"))

    with pytest.raises(IncidentKBError, match="Pagefind binary was not found"):
        index_site(site)


def test_indexing_needs_no_network(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")  # a closed port
    monkeypatch.setenv("no_proxy", "")

    assert index_site(site).pages == 3


# The theme overrides -------------------------------------------------------

SEARCH_BLOCK = re.compile(
    r'    \{% if "material/search" in config\.plugins %\}.*?\{% endif %\}\n    \{% endif %\}\n',
    re.S,
)
OUR_BLOCK = re.compile(
    r"    \{#- incidentkb: begin search.*?\{#- incidentkb: end search -#\}\n", re.S
)


def without_leading_comment(template: str) -> str:
    return template.split("-#}\n", 1)[1]


def test_header_override_differs_from_the_theme_only_in_the_search_block() -> None:
    theme = without_leading_comment((THEME_TEMPLATES / "partials" / "header.html").read_text())
    ours = without_leading_comment((OVERRIDES / "partials" / "header.html").read_text())

    assert SEARCH_BLOCK.search(theme), "mkdocs-material's header changed: update our override"
    assert SEARCH_BLOCK.sub("", theme) == OUR_BLOCK.sub("", ours)
    match = OUR_BLOCK.search(ours)
    assert match, "the incidentkb markers are missing from the header override"
    block = match.group(0)
    assert '{% include "partials/ikb-search.html" %}' in block
    # `search: mkdocs` (or none) keeps the theme's own search
    assert '{% include "partials/search.html" %}' in block
    assert 'config.plugins["material/search"]' in block


def test_search_partial_keeps_mkdocs_material_from_loading_its_own_index() -> None:
    assert not (OVERRIDES / "partials" / "search.html").exists()  # `search: mkdocs` keeps it
    partial = (OVERRIDES / "partials" / "ikb-search.html").read_text()
    markup = partial.split("-#}", 1)[1]

    # The theme's bundle downloads search_index.json when a form is named
    # "search", and mounts its search on data-md-component="search".
    assert 'name="search"' not in markup
    assert 'data-md-component="search"' not in markup
    assert "assets/javascripts/ikb-search.js" in markup
    assert (OVERRIDES / "assets" / "javascripts" / "ikb-search.js").is_file()


def test_search_script_inserts_index_text_as_text_only() -> None:
    script = (OVERRIDES / "assets" / "javascripts" / "ikb-search.js").read_text()

    assert ".innerHTML" not in script.replace("template.innerHTML", "")
    assert "insertAdjacentHTML" not in script
    assert "outerHTML" not in script


@pytest.mark.skipif(os.name != "posix", reason="POSIX shell script as a fake binary")
def test_language_can_be_forced(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "args"
    real = pagefind_executable()
    binary = fake_pagefind(tmp_path, f'echo "$@" > {record}\nexec {real} "$@"\n')
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))

    index_site(site, language="de")

    assert "--force-language de" in record.read_text()
    assert list((site / "pagefind").glob("wasm.de.pagefind"))


# The header in a built site, for each `search` setting of the plugin --------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "ours", "theme_search", "pagefind"),
    [
        pytest.param(None, True, False, True, id="default-pagefind"),
        pytest.param("mkdocs", False, True, False, id="mkdocs"),
        pytest.param("none", False, False, False, id="none"),
    ],
)
def test_the_header_carries_the_search_the_plugin_is_set_to(
    tmp_path: Path, setting: str | None, ours: bool, theme_search: bool, pagefind: bool
) -> None:
    from click.testing import CliRunner
    from kbfactory import make_kb

    from generator.cli import cli

    plugin = "incidentkb" if setting is None else f"incidentkb: {{search: {setting}}}"
    root = make_kb(tmp_path / "kb", mkdocs_yml=(
        "site_name: Test KB\ntheme:\n  name: material\ndocs_dir: site_src\n"
        f"plugins:\n  - search\n  - {plugin}\n"))

    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--no-cache", "--quiet"])

    assert result.exit_code == 0, result.output + repr(result.exception)
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert ("data-ikb-search" in home) is ours
    assert ('data-md-component="search"' in home) is theme_search
    assert (root / "site" / "pagefind" / "pagefind.js").is_file() is pagefind
