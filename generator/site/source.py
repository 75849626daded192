"""The source of a generated page: markdown parts and ready-made HTML parts.

Python-Markdown re-parses every raw HTML block it meets with a pure-Python
HTML parser; on the structured parts of our pages that was a quarter of the
build time. So the plugin hands mkdocs the markdown with a placeholder
paragraph per HTML part (`slotted`) and puts the HTML back in
`on_page_content` (`fill_slots`). `markdown()` gives the same page as plain
markdown with the HTML inline, for tests and for readers of this code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from .markup import esc


@dataclass
class PageSource:
    """A page under construction; HTML parts must already be escaped/trusted."""

    title: str
    meta: dict[str, object] = field(default_factory=dict)
    parts: list[tuple[bool, str]] = field(default_factory=list)  # (is_html, text)

    def md(self, text: str) -> PageSource:
        """Markdown (a heading we write, or a contributor's body)."""
        self.parts.append((False, text.strip("\n")))
        return self

    def html(self, html: str) -> PageSource:
        """A block of HTML built from escaped values."""
        if html:
            self.parts.append((True, html))
        return self

    def section(self, title: str, anchor: str, html: str | None) -> PageSource:
        """A `##` heading (so it is in the table of contents) and its HTML, when there is any."""
        if html:
            self.md(f"## {title} {{ #{anchor} }}")
            self.html(html)
        return self

    def front_matter(self) -> str:
        """Page metadata; the title is escaped because themes print it unescaped."""
        meta = {"title": esc(self.title), **self.meta}
        return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n"

    def markdown(self) -> str:
        """The whole page as markdown with the HTML blocks inline."""
        blocks = [_html_block(text) if is_html else text for is_html, text in self.parts]
        return self.front_matter() + "\n\n".join(blocks) + "\n"

    def slotted(self, token: str) -> tuple[str, list[str]]:
        """Markdown with a placeholder paragraph per HTML part, and the parts in order."""
        blocks: list[str] = []
        slots: list[str] = []
        for is_html, text in self.parts:
            if is_html:
                blocks.append(f"{token}{len(slots)}")
                slots.append(text)
            else:
                blocks.append(text)
        return self.front_matter() + "\n\n".join(blocks) + "\n", slots

    def __str__(self) -> str:
        return self.markdown()


def _html_block(html: str) -> str:
    # a raw HTML block ends at a blank line: keep the block free of them
    return re.sub(r"\n\s*\n", "\n", html)


def fill_slots(html: str, token: str, slots: list[str]) -> str:
    """Put the HTML parts back where their placeholders were rendered."""
    pattern = re.compile(rf"(?:<p>)?{re.escape(token)}(\d+)(?:</p>)?")

    def put(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return slots[index] if index < len(slots) else ""

    return pattern.sub(put, html)
