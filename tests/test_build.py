"""`incidentkb build`: validation gate, atomic replacement, real builds.

Two tests build a whole site with mkdocs (marked slow); the others stop
before mkdocs runs or replace it with a stand-in.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from kbfactory import article, incident, make_kb, postmortem, write_doc
from mkdocs.config.defaults import MkDocsConfig

from generator import building
from generator.cli import cli
from generator.errors import IncidentKBError

HOSTILE_TITLE = '"><script>alert(1)</script> outage'
HOSTILE_SERVICE = '"><img src=x onerror=alert(2)>'
HOSTILE_BODY = (
    "\n<script>alert(3)</script>\n\n<img src=x onerror=alert(4)>\n\n"
    "[runbook](javascript:alert(5))\n\n## <img src=y onerror=alert(6)> heading\n\n"
    "See the [runbook](../../kb/runbooks/pool.md).\n"
)


class _ScriptFinder(HTMLParser):
    """Every way a page could run script: event handlers, javascript: URLs, script text."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.problems.append(f"script: {data[:60]}")


def _script_problems(html: str) -> list[str]:
    finder = _ScriptFinder()
    finder.feed(html)
    return finder.problems


def _tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


def _sources(root: Path) -> dict[str, bytes]:
    out = {}
    for area in ("incidents", "kb", "site_src"):
        if (root / area).exists():
            out.update({f"{area}/{k}": v for k, v in _tree(root / area).items()})
    return out


@pytest.mark.slow
def test_build_makes_every_page_and_no_contributor_script_reaches_the_html(tmp_path: Path) -> None:
    root = make_kb(
        tmp_path / "kb",
        incidents=[
            incident(kb=["kb/runbooks/pool.md"]),
            incident(id="INC-2026-0002", title=HOSTILE_TITLE, severity="SEV1",
                     services=[HOSTILE_SERVICE, "api"], tags=['"><script>t</script>'],
                     related=["INC-2026-0001"]),
        ],
        postmortems=[postmortem()],
        articles={"kb/runbooks/pool.md": article()},
    )
    write_doc(root, "incidents/2026/INC-2026-0002-incident.md", incident(
        id="INC-2026-0002", title=HOSTILE_TITLE, severity="SEV1",
        services=[HOSTILE_SERVICE, "api"], tags=['"><script>t</script>'],
        related=["INC-2026-0001"]), HOSTILE_BODY)
    before = _sources(root)

    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--strict"])

    assert result.exit_code == 0, result.output
    site = root / "site"
    for page in ("index.html", "incidents/index.html", "incidents/INC-2026-0001/index.html",
                 "incidents/INC-2026-0002/index.html",
                 "incidents/INC-2026-0001/postmortem/index.html",
                 "kb/runbooks/pool/index.html", "kb/index.html", "browse/severity/sev1/index.html",
                 "browse/year/index.html", "trends/index.html",
                 "assets/incidentkb/incidentkb.js", "assets/incidentkb/incidentkb.css"):
        assert (site / page).is_file(), page
    rows = json.loads((site / "incidents/incidents.json").read_text())["incidents"]
    assert {r["id"] for r in rows} == {"INC-2026-0001", "INC-2026-0002"}
    # the contributor's relative link still resolves from the new URL
    page = (site / "incidents/INC-2026-0002/index.html").read_text()
    assert 'href="../../kb/runbooks/pool/"' in page
    for html_file in site.rglob("*.html"):
        assert _script_problems(html_file.read_text()) == [], html_file
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, not dropped
    # nothing generated is written into the sources, no temporary tree is left
    assert _sources(root) == before
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".site")) == []


@pytest.mark.slow
def test_build_works_without_mkdocs_yml_or_site_src(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb", mkdocs_yml=None)
    out = tmp_path / "public"
    result = building.build_site(root, site_dir=out)
    assert result.site_dir == out.resolve()
    home = (out / "index.html").read_text()
    assert "Incident knowledge base" in home
    assert 'class="ikb-incident-link"' in home
    assert not (root / "mkdocs.yml").exists() and not (root / "site_src").exists()


def test_build_is_refused_when_a_document_has_errors(kb: Path) -> None:
    bad = incident(id="INC-2026-0009", severity="SEV9")
    write_doc(kb, "incidents/2026/INC-2026-0009-bad.md", bad)
    (kb / "site").mkdir()
    (kb / "site" / "keep.html").write_text("old")

    result = CliRunner().invoke(cli, ["build", "--root", str(kb)])

    assert result.exit_code == 1
    assert "1 error; the site was not built" in result.output
    assert "INC-2026-0009-bad.md" in result.output
    assert (kb / "site" / "keep.html").read_text() == "old"


def test_a_failed_build_keeps_the_old_site_and_leaves_no_temporary_tree(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (kb / "site").mkdir()
    (kb / "site" / "index.html").write_text("old site")

    def failing_build(config: MkDocsConfig) -> None:
        Path(config.site_dir, "index.html").write_text("half a site")
        raise IncidentKBError("mkdocs build failed: 1 warning in strict mode")

    monkeypatch.setattr(building, "_run_mkdocs", failing_build)
    with pytest.raises(IncidentKBError, match="strict"):
        building.build_site(kb)
    assert _tree(kb / "site") == {"index.html": b"old site"}
    assert [p.name for p in kb.iterdir() if p.name.startswith(".site")] == []


def test_a_successful_build_replaces_the_old_site_entirely(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (kb / "site").mkdir()
    (kb / "site" / "stale.html").write_text("stale")
    monkeypatch.setattr(building, "_run_mkdocs",
                        lambda config: Path(config.site_dir, "index.html").write_text("new"))
    building.build_site(kb)
    assert _tree(kb / "site") == {"index.html": b"new"}


@pytest.mark.parametrize("target", [".", "incidents", "kb", "site_src", "..", "incidents/site",
                                    "site_src/out"])
def test_refuses_a_site_dir_that_would_replace_sources(kb: Path, target: str) -> None:
    with pytest.raises(IncidentKBError, match="refusing to build"):
        building.build_site(kb, site_dir=kb / target)


def test_broken_mkdocs_yml_is_a_clear_error(kb: Path) -> None:
    (kb / "mkdocs.yml").write_text("site_name: [unclosed\n")
    result = CliRunner().invoke(cli, ["build", "--root", str(kb)])
    assert result.exit_code == 1
    assert "mkdocs.yml" in result.output
    assert "Traceback" not in result.output


def test_the_script_finder_sees_injected_script() -> None:
    assert _script_problems('<img src=x onerror="alert(1)">')
    assert _script_problems('<a href=" javascript:alert(1)">x</a>')
    assert _script_problems("<script>alert(1)</script>")
    assert not _script_problems("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")


@pytest.mark.slow
def test_serve_builds_once_and_watches_incidents_and_kb(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.livereload import LiveReloadServer

    watched: list[str] = []

    def stop_at_once(self: LiveReloadServer, *, open_in_browser: bool = False) -> None:
        watched.extend(self._watched_paths)
        assert (Path(self.root) / "incidents" / "INC-2026-0001" / "index.html").is_file()
        raise KeyboardInterrupt

    monkeypatch.setattr(LiveReloadServer, "serve", stop_at_once)
    (kb / "kb").mkdir()
    building.serve_site(kb, dev_addr="127.0.0.1:0")
    assert str(kb / "incidents") in watched and str(kb / "kb") in watched
    assert str(kb / "mkdocs.yml") in watched
