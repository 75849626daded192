"""Page sources: HTML parts kept out of Python-Markdown and put back afterwards."""

from __future__ import annotations

import markdown

from generator.site.source import PageSource, fill_slots

TOKEN = "IKBSLOTtestN"


def _page() -> PageSource:
    page = PageSource('A <b>"title"</b>', {"hide": ["toc"]})
    page.html('<div class="card">\n\n<p>x</p></div>')
    page.section("Timeline", "ikb-timeline", "<ol><li>one</li></ol>")
    page.section("Empty", "ikb-empty", None)
    return page.md("Body *text*.")


def test_slotted_page_renders_like_the_inline_one() -> None:
    page = _page()
    source, slots = page.slotted(TOKEN)
    body = source.split("---\n", 2)[2]
    html = fill_slots(markdown.markdown(body, extensions=["attr_list"]), TOKEN, slots)
    assert '<div class="card">' in html and "<ol><li>one</li></ol>" in html
    assert html.index("card") < html.index('id="ikb-timeline"') < html.index("<ol>")
    assert "<em>text</em>" in html and TOKEN not in html
    assert "Empty" not in page.markdown()


def test_title_in_front_matter_is_escaped_and_html_blocks_have_no_blank_lines() -> None:
    text = _page().markdown()
    assert "title: A &lt;b&gt;&quot;title&quot;&lt;/b&gt;" in text
    assert '<div class="card">\n<p>x</p></div>' in text


def test_an_unknown_slot_number_is_dropped() -> None:
    assert fill_slots(f"<p>{TOKEN}7</p>", TOKEN, ["a"]) == ""
