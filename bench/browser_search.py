"""What a browser downloads, and how long it waits, for its first site search.

    python bench/browser_search.py SITE_DIR QUERY [QUERY...] [--json OUT]

Serves SITE_DIR on 127.0.0.1, opens its home page in headless Debian Chromium
(Playwright, `/usr/bin/chromium`), then for each query in a fresh browser
context (empty HTTP cache): focuses the header search box and types the query
at once, and measures the bytes of every response under /pagefind/ from the
focus until the results are shown, and the time from the typed query to the
results (the search script debounces input by 80 ms; that is included).
The query is typed right after the focus, so loading Pagefind is on the
critical path; `after_preload_ms` is the same query typed once the focus
preload has finished (as when a person takes a moment to type), and a second
query in the same context shows the warm cost.

If Chromium or Playwright is unavailable, `estimate(SITE_DIR)` computes the
bytes from the files Pagefind's script fetches instead (run.py says so).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SEARCH_BOX = "[data-ikb-search-query]"
CONTAINER = "[data-ikb-search]"
RESULTS = ".md-search-result__item"
TIMEOUT_MS = 60_000


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _wait_done(page: Any) -> None:
    page.wait_for_function(
        "s => { const c = document.querySelector(s); const st = c && "
        "c.getAttribute('data-ikb-search-state'); return st === 'done' || st === 'error'; }",
        arg=CONTAINER, timeout=TIMEOUT_MS)


def _search(page: Any, query: str) -> tuple[float, int, str]:
    """Type `query`; (ms until results, how many shown, final state)."""
    page.evaluate("s => document.querySelector(s).removeAttribute('data-ikb-search-state')",
                  CONTAINER)
    box = page.locator(SEARCH_BOX)
    started = time.perf_counter()
    box.fill(query)
    _wait_done(page)
    elapsed = (time.perf_counter() - started) * 1000
    state = page.get_attribute(CONTAINER, "data-ikb-search-state") or ""
    return elapsed, page.locator(RESULTS).count(), state


def measure(site: Path, queries: list[str]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    runs: list[dict[str, Any]] = []
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for i, query in enumerate(queries):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                responses: list[Any] = []
                page.goto(base, wait_until="networkidle")
                page_bytes = _body_bytes(page, base)

                def keep(response: Any, into: list[Any] = responses) -> None:
                    into.append(response)

                page.on("response", keep)
                page.locator(SEARCH_BOX).click()  # focus: the script starts loading Pagefind
                ms, shown, state = _search(page, query)
                page.wait_for_load_state("networkidle")
                first = {u: n for u, n in _sizes(responses).items() if "/pagefind/" in u}
                responses.clear()
                other = queries[(i + 1) % len(queries)]
                warm_ms, warm_shown, _ = _search(page, other + " " + query.split()[0])
                page.wait_for_load_state("networkidle")
                warm = {u: n for u, n in _sizes(responses).items() if "/pagefind/" in u}
                context.close()
                # a person types after a moment: by then the focus preload is done
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(base, wait_until="networkidle")
                page.locator(SEARCH_BOX).click()
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(300)
                preloaded_ms, _, _ = _search(page, query)
                runs.append({
                    "query": query, "state": state, "results_shown": shown,
                    "first_search_ms": round(ms, 1), "first_search_bytes": sum(first.values()),
                    "first_search_files": len(first),
                    "by_kind": _by_kind(first),
                    "after_preload_ms": round(preloaded_ms, 1),
                    "second_search_ms": round(warm_ms, 1),
                    "second_search_bytes": sum(warm.values()),
                    "home_page_bytes": page_bytes,
                })
                context.close()
        finally:
            browser.close()
    return {
        "method": "chromium",
        "runs": runs,
        "first_search_bytes": max(r["first_search_bytes"] for r in runs),
        "first_search_ms": max(r["first_search_ms"] for r in runs),
        "after_preload_ms": max(r["after_preload_ms"] for r in runs),
        "second_search_ms": max(r["second_search_ms"] for r in runs),
    }


def _body_bytes(page: Any, base: str) -> int:
    return len(page.content().encode())


def _sizes(responses: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for response in responses:
        try:
            out[response.url] = len(response.body())
        except Exception:  # noqa: BLE001 - redirects and aborted requests have no body
            out[response.url] = 0
    return out


def _by_kind(sizes: dict[str, int]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for url, size in sizes.items():
        name = url.rsplit("/", 1)[-1]
        kind = ("runtime" if name.endswith((".js", ".wasm", ".pagefind")) or "wasm" in name
                else "entry+meta" if "entry" in name or name.endswith("pf_meta")
                else "index" if name.endswith("pf_index") or "/index/" in url
                else "fragments" if "/fragment/" in url or name.endswith("pf_fragment")
                else "filters" if "/filter/" in url else "other")
        kinds[kind] = kinds.get(kind, 0) + size
    return kinds


def estimate(site: Path, fragments: int = 10) -> dict[str, Any]:
    """Bytes of the files Pagefind's JS fetches for a one-word query (no browser).

    The runtime (pagefind.js, the web worker/wasm for the entry's language),
    pagefind-entry.json, the metadata file, one index chunk (the largest: a
    pessimistic guess) and `fragments` result fragments of average size.
    """
    pf = site / "pagefind"
    entry = json.loads((pf / "pagefind-entry.json").read_text())
    total = (pf / "pagefind-entry.json").stat().st_size + (pf / "pagefind.js").stat().st_size
    language = next(iter(entry.get("languages", {}).values()), {})
    meta_hash = language.get("hash", "")
    metas = sorted(pf.glob(f"pagefind.{meta_hash}.pf_meta")) or sorted(pf.glob("*.pf_meta"))
    total += metas[0].stat().st_size if metas else 0
    wasm = sorted(pf.glob("wasm.*.pagefind")) or sorted(pf.glob("*.pagefind"))
    total += max((w.stat().st_size for w in wasm), default=0)
    chunks = [p.stat().st_size for p in (pf / "index").glob("*")] if (pf / "index").is_dir() else []
    frags = ([p.stat().st_size for p in (pf / "fragment").glob("*")]
             if (pf / "fragment").is_dir() else [])
    total += max(chunks, default=0)
    total += int(sum(frags) / len(frags) * fragments) if frags else 0
    return {"method": "estimate from files", "first_search_bytes": total,
            "index_chunks": len(chunks), "fragments": len(frags), "first_search_ms": None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("queries", nargs="+")
    parser.add_argument("--json", type=Path, help="write the measurement here")
    args = parser.parse_args(argv)
    try:
        result = measure(args.site, args.queries)
    except Exception as exc:  # noqa: BLE001 - fall back, and say why
        result = estimate(args.site)
        result["browser_error"] = f"{type(exc).__name__}: {exc}"[:500]
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
