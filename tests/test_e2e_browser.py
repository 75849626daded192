"""The published site in a real browser: navigation, site search, the incidents table.

A small knowledge base is built once with `incidentkb build`, served from a
sub-path (/kb/, as on a project page) and driven in headless Debian Chromium
with Playwright. Each step is screenshotted; a failure names the folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM_ARGS, TransferLog, ensure_chromium, serve_directory
from click.testing import CliRunner
from kbfactory import article, incident, make_kb

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PREFIX = "/kb/"
SEARCH_BOX = "[data-ikb-search-query]"
SEARCH_DONE = "[data-ikb-search-state=done], [data-ikb-search-state=error]"
RESULT_LINKS = ".md-search-result__item > a.md-search-result__link:first-child"  # not sections
TIMEOUT_MS = 15_000


def _timed(hour: int, day: int = 10) -> dict[str, str]:
    """Consistent timestamps on 2026-11-<day>, starting at <hour>:00."""
    stamp = f"2026-11-{day:02d}T{{:02d}}:{{:02d}}:00Z"
    return {
        "started_at": stamp.format(hour, 0),
        "detected_at": stamp.format(hour, 5),
        "acknowledged_at": stamp.format(hour, 7),
        "mitigated_at": stamp.format(hour, 40),
        "resolved_at": stamp.format(hour + 1, 30),
    }


INCIDENTS = [
    incident(id="INC-2026-0101", severity="SEV1", title="Checkout froze during the flash sale",
             services=["checkout"], tags=["capacity"], **_timed(9, 10)),
    incident(id="INC-2026-0102", severity="SEV2", title="Login latency doubled after a deploy",
             services=["auth-service"], tags=["latency"], **_timed(11, 11)),
    incident(id="INC-2026-0103", severity="SEV3", title="Nightly export stalled",
             services=["data-export"], tags=["batch"], **_timed(2, 12)),
    incident(id="INC-2026-0104", severity="SEV1", title="DNS resolution failed in one region",
             services=["edge-dns"], tags=["dns"], **_timed(14, 13)),
]
BODIES = {
    "INC-2026-0101": "\nThe quokkafluxor cache stampeded when the sale opened.\n",
    "INC-2026-0102": "\nA zephyrine token check ran on every request.\n",
    "INC-2026-0103": (
        "\nThe marzipanqueue consumer died. Its log showed the xssprobe line "
        "`<img src=x onerror=\"window.__ikbPwned=1\">` verbatim.\n"
    ),
    "INC-2026-0104": "\nResolvers in the glimmerdale region timed out.\n",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A server for the site directory (built next), and its URL under PREFIX."""
    site = tmp_path_factory.mktemp("e2e") / "kb" / "site"
    with serve_directory(site, PREFIX) as url:
        yield site, url


@pytest.fixture(scope="module")
def site_dir(server: tuple[Path, str]) -> Path:
    """The site of a small knowledge base, built once with `incidentkb build`."""
    from generator.cli import cli

    site, url = server
    root = make_kb(
        site.parent,
        incidents=INCIDENTS,
        articles={"kb/runbooks/dns-failover.md": article(
            title="Failing over DNS to the secondary provider", kind="runbook",
            services=["edge-dns"], tags=["dns"])},
        # mkdocs-material's instant navigation follows only links listed in the
        # sitemap, which needs site_url; the theme matches its host but not its
        # port, hence the server's own URL.
        mkdocs_yml=(f"site_name: Test KB\nsite_url: {url}\n"
                    "theme:\n  name: material\ndocs_dir: site_src\n"),
    )
    for meta in INCIDENTS:  # distinctive body words, found only by full-text search
        (path,) = root.glob(f"incidents/*/{meta['id']}-*.md")
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\nSome notes.\n", BODIES[meta["id"]]), encoding="utf-8")

    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--no-cache", "--quiet"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert (site / "pagefind" / "pagefind.js").is_file(), "the build wrote no search index"
    return site


@pytest.fixture(scope="module")
def base_url(site_dir: Path, server: tuple[Path, str]) -> str:
    return server[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable, reason = ensure_chromium()
    if executable is None:
        pytest.skip(reason)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-screenshots")


class Journey:
    """A browser page whose steps are screenshotted, and whose failures name them."""

    def __init__(self, page: Any, folder: Path, name: str) -> None:
        self.page = page
        self.folder = folder
        self.name = re.sub(r"[^\w.-]+", "-", name)
        self.count = 0
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def shot(self, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.name}-{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path))  # what the visitor sees
        return path

    @contextmanager
    def steps(self) -> Iterator[Journey]:
        """Run the steps; on failure add a last screenshot and say where they are."""
        try:
            yield self
        except (AssertionError, playwright_api.Error) as failure:
            try:
                self.shot("failure")
            except playwright_api.Error:
                pass
            raise AssertionError(
                f"{failure}\nScreenshots of each step: {self.folder}/{self.name}-*.png"
            ) from failure
        assert not self.errors, f"JavaScript errors: {self.errors}"

    def search(self, query: str) -> list[str]:
        """Type a query into the header search; the result URLs, best first."""
        page = self.page
        box = page.locator(SEARCH_BOX)
        magnifier = page.locator("label.md-header__button[for=__search]")
        if magnifier.is_visible():  # phones: the header's magnifier opens the search
            magnifier.click()
            page.wait_for_function("document.activeElement.matches('[data-ikb-search-query]')")
        else:
            box.click()
        box.fill("")
        box.press_sequentially(query, delay=20)
        page.wait_for_selector(SEARCH_DONE, state="attached", timeout=TIMEOUT_MS)
        return page.eval_on_selector_all(RESULT_LINKS, "links => links.map(a => a.href)")


@pytest.fixture
def journey(
    browser: Any, screenshot_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Journey]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield Journey(page, screenshot_dir, request.node.name)
    context.close()


def incident_url(base_url: str, incident_id: str) -> str:
    return f"{base_url}incidents/{incident_id}/"


def test_home_page_leads_to_an_incident_and_the_search_finds_another(
    journey: Journey, base_url: str
) -> None:
    page = journey.page
    with journey.steps():
        page.goto(base_url, wait_until="networkidle")  # the theme has read the sitemap
        journey.shot("home")
        link = page.locator("a.ikb-incident-link").first
        target = link.get_attribute("href")
        page.evaluate("window.__ikbSamePage = true")
        link.click()
        page.wait_for_url(re.compile(r"/kb/incidents/INC-2026-010\d/$"))
        incident_id = page.url.rstrip("/").rsplit("/", 1)[1]
        assert incident_id in page.locator("article.md-content__inner").inner_text(), target
        journey.shot("incident")

        # With navigation.instant the page was swapped in place, header and
        # search included, and the search still works.
        assert page.evaluate("window.__ikbSamePage === true"), "no instant navigation"
        results = journey.search("marzipanqueue")
        journey.shot("search-results")
        assert results == [incident_url(base_url, "INC-2026-0103")]

        page.click(RESULT_LINKS)
        page.wait_for_url(incident_url(base_url, "INC-2026-0103"))
        assert not page.is_checked("#__search")
        journey.shot("search-result-followed")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("INC-2026-0102", "INC-2026-0102", id="incident-id"),
        pytest.param("inc-2026-0104", "INC-2026-0104", id="incident-id-lowercase"),
        pytest.param("flash sale", "INC-2026-0101", id="title-words"),
        pytest.param("zephyrine", "INC-2026-0102", id="body-word"),
        pytest.param("glimmerdale", "INC-2026-0104", id="body-word-2"),
    ],
)
def test_search_finds_incidents_by_id_title_service_and_body(
    journey: Journey, base_url: str, query: str, expected: str
) -> None:
    with journey.steps():
        journey.page.goto(f"{base_url}incidents/")
        results = journey.search(query)
        journey.shot("results")
        assert results, f"no result for {query!r}"
        assert results[0] == incident_url(base_url, expected), results


def test_search_finds_incidents_by_service_and_tag(journey: Journey, base_url: str) -> None:
    with journey.steps():
        journey.page.goto(base_url)
        by_service = journey.search("data-export")
        by_tag = journey.search("batch")
        journey.shot("results")
        # The service's and tag's browse pages may come first: they list its incidents.
        assert incident_url(base_url, "INC-2026-0103") in by_service[:3], by_service
        assert incident_url(base_url, "INC-2026-0103") in by_tag[:3], by_tag


def test_search_filters_by_field_like_the_search_command(journey: Journey, base_url: str) -> None:
    page = journey.page
    with journey.steps():
        page.goto(base_url)
        # Without a severity filter in the index, "severity:SEV1" is searched as text.
        assert journey.search("severity:SEV1 glimmerdale") == [
            incident_url(base_url, "INC-2026-0104")]
        filters = page.evaluate(
            "async () => { const pf = await import('./pagefind/pagefind.js');"
            " return await pf.filters(); }")
        if "severity" not in filters:
            pytest.skip("incident pages declare no data-pagefind-filter='severity' yet")
        results = journey.search("severity:sev1")
        journey.shot("sev1")
        assert sorted(results) == [incident_url(base_url, "INC-2026-0101"),
                                   incident_url(base_url, "INC-2026-0104")]


def test_search_finds_knowledge_base_articles(journey: Journey, base_url: str) -> None:
    with journey.steps():
        journey.page.goto(base_url)
        results = journey.search("secondary provider")
        journey.shot("results")
        assert any("/kb/kb/" in url and "dns-failover" in url for url in results), results


def test_search_says_when_nothing_matches(journey: Journey, base_url: str) -> None:
    with journey.steps():
        journey.page.goto(base_url)
        assert journey.search("zzqqxx") == []
        journey.shot("no-results")
        meta = journey.page.text_content("[data-ikb-search-meta]") or ""
        assert "No matching" in meta


def test_search_shows_document_text_as_text(journey: Journey, base_url: str) -> None:
    page = journey.page
    with journey.steps():
        page.goto(base_url)
        results = journey.search("xssprobe")
        journey.shot("results")
        assert results == [incident_url(base_url, "INC-2026-0103")]
        assert page.locator(".md-search-result img").count() == 0
        assert page.evaluate("window.__ikbPwned") is None


def test_first_query_downloads_only_the_search_runtime_and_a_few_chunks(
    journey: Journey, base_url: str
) -> None:
    page = journey.page
    transfers = TransferLog()
    transfers.attach(page.context)
    with journey.steps():
        page.goto(base_url, wait_until="networkidle")
        assert transfers.total("pagefind/") == 0, "search files loaded before any search"
        transfers.clear()
        journey.search("quokkafluxor")
        journey.shot("results")
        downloaded = transfers.sizes()
        assert not [url for url in downloaded if "search_index.json" in url]
        assert sum(downloaded.values()) < 1_000_000, downloaded


def test_search_works_on_a_phone_in_the_dark_palette(
    browser: Any, screenshot_dir: Path, base_url: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, color_scheme="dark")
    context.set_default_timeout(TIMEOUT_MS)
    journey = Journey(context.new_page(), screenshot_dir, "phone-dark")
    page = journey.page
    try:
        with journey.steps():
            page.goto(base_url)
            toggle = page.locator("form[data-md-component=palette] label:visible").first
            if page.get_attribute("body", "data-md-color-scheme") != "slate" and toggle.count():
                toggle.click()
            journey.shot("home")
            assert not page.is_checked("#__search")
            results = journey.search("glimmerdale")
            journey.shot("results")
            assert results == [incident_url(base_url, "INC-2026-0104")]
            first = page.locator(RESULT_LINKS).first
            box = first.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
            colours = first.evaluate(
                "a => [getComputedStyle(a.querySelector('h1')).color,"
                " getComputedStyle(document.querySelector('.md-search__output')).backgroundColor]"
            )
            assert colours[0] != colours[1], colours
    finally:
        context.close()


def test_keyboard_opens_and_closes_the_search(journey: Journey, base_url: str) -> None:
    page = journey.page
    with journey.steps():
        page.goto(base_url)
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.matches('[data-ikb-search-query]')")
        assert page.is_checked("#__search")
        page.keyboard.type("zephyrine")
        page.wait_for_selector(SEARCH_DONE, state="attached")
        journey.shot("open")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.matches('.md-search-result__link')")
        page.keyboard.press("Escape")
        assert not page.is_checked("#__search")
        journey.shot("closed")

        page.keyboard.press("s")  # reopens with the query; Enter follows the best result
        page.keyboard.press("Enter")
        page.wait_for_url(incident_url(base_url, "INC-2026-0102"))
        journey.shot("followed")


def test_search_says_so_when_its_index_cannot_be_loaded(journey: Journey, base_url: str) -> None:
    page = journey.page
    page.route("**/pagefind/**", lambda route: route.abort())
    page.on("console", lambda message: None)  # the script logs the failure
    with journey.steps():
        page.goto(base_url)
        assert journey.search("zephyrine") == []
        journey.shot("error")
        assert page.get_attribute("[data-ikb-search]", "data-ikb-search-state") == "error"
        assert "unavailable" in (page.text_content("[data-ikb-search-meta]") or "")


def test_incidents_table_filters_by_severity(journey: Journey, base_url: str) -> None:
    page = journey.page
    with journey.steps():
        page.goto(f"{base_url}incidents/")
        rows = page.locator("table#ikb-incidents tbody tr[data-severity]")
        rows.first.wait_for()
        assert rows.count() == len(INCIDENTS)
        journey.shot("all")

        page.select_option("select#ikb-filter-severity", "SEV1")
        visible = page.locator("table#ikb-incidents tbody tr[data-severity]:visible")
        page.wait_for_function(
            "n => [...document.querySelectorAll('table#ikb-incidents tbody tr[data-severity]')]"
            ".filter(row => row.getClientRects().length).length <= n", arg=2)
        journey.shot("sev1")
        severities = [row.get_attribute("data-severity") for row in visible.all()]
        assert severities == ["SEV1", "SEV1"], severities
