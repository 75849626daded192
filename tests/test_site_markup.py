"""Formatting helpers, the sanitiser and the colours shared with the stylesheet."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from mkdocs.structure.files import File

from generator.site import layout
from generator.site.markup import esc, format_duration, paragraphs, plain_text, sanitise
from generator.site.theme import SEVERITY_COLORS

CSS = (Path(__file__).parent.parent / "generator/site/assets/incidentkb.css").read_text()


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 min"), (45, "45 s"), (9 * 60, "9 min"), (60 * 60, "1 h"), (73 * 60, "1 h 13 min"),
    (52 * 3600, "2 d 4 h"), (48 * 3600 + 10 * 60, "2 d"), (-60, None),
])
def test_durations_read_in_human_units(seconds: int, text: str | None) -> None:
    assert format_duration(dt.timedelta(seconds=seconds)) == text


def test_escaping_covers_quotes_for_attributes() -> None:
    assert esc('"><script>') == "&quot;&gt;&lt;script&gt;"
    assert esc(None) == ""


def test_paragraphs_keep_blank_line_breaks_and_stay_on_one_line() -> None:
    html = paragraphs("one\ntwo\n\n<three>")
    assert html == "<p>one two</p><p>&lt;three&gt;</p>"


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    '<svg><script>alert(1)</script></svg>',
    '<iframe src="https://example.com"></iframe>',
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
    '<input type="text" onfocus="alert(1)" autofocus>',
    '<form action="https://example.com"><button>go</button></form>',
])
def test_sanitiser_removes_everything_that_can_run_script(hostile: str) -> None:
    clean = sanitise(hostile).lower()
    for bad in ("<script", "onerror", "onclick", "onfocus", "javascript:", "<iframe", "<form",
                "style=", 'type="text"'):
        assert bad not in clean


def test_sanitiser_keeps_what_mkdocs_material_renders() -> None:
    html = (
        '<h2 id="x">X<a class="headerlink" href="#x" title="Permanent link">¶</a></h2>'
        '<div class="admonition tip"><p class="admonition-title">Tip</p></div>'
        '<details class="note"><summary>More</summary><p>t</p></details>'
        '<div class="language-py highlight"><pre><span></span><code><span class="n">x</span>'
        "</code></pre></div><table><thead><tr><th>a</th></tr></thead></table>"
        '<ul class="task-list"><li class="task-list-item"><input type="checkbox" disabled checked>'
        '</li></ul><a href="../kb/x/">rel</a><img src="../img.png" alt="a">'
    )
    clean = sanitise(html)
    for kept in ('id="x"', 'class="headerlink"', 'class="admonition tip"', "<details",
                 '<span class="n">', "<table>", 'type="checkbox"', 'href="../kb/x/"',
                 'src="../img.png"'):
        assert kept in clean


def test_plain_text_strips_tags_and_keeps_text_escaped() -> None:
    assert plain_text("<script>x</script>a &lt;b&gt; <em>c</em>") == "a &lt;b&gt; c"


def test_stylesheet_uses_the_severity_colours_of_theme_py() -> None:
    for severity, colour in SEVERITY_COLORS.items():
        declared = re.search(rf"--ikb-{severity.lower()}:\s*(#[0-9a-fA-F]{{6}})", CSS)
        assert declared is not None and declared.group(1).lower() == colour.lower()


@pytest.mark.parametrize("directory_urls", [True, False])
@pytest.mark.parametrize("src_uri", ["index.md", "incidents/index.md", "browse/tag/x.md", "a/b.md"])
def test_urls_are_the_ones_mkdocs_computes(src_uri: str, directory_urls: bool) -> None:
    file = File(src_uri, src_dir=None, dest_dir="/site", use_directory_urls=directory_urls)
    assert layout.dest_of_uri(src_uri, directory_urls) == file.dest_uri
    assert layout.url_of_dest(file.dest_uri, directory_urls) == file.url


def test_slugs_are_distinct_for_values_that_look_alike() -> None:
    slugs = layout.assign_slugs(["Payments API", "payments-api", "index", "Ünïcode", "///"])
    assert len(set(slugs.values())) == 5
    assert slugs["index"] != "index"
    assert slugs["Ünïcode"] == "unicode"
    assert slugs["///"] == "x"
