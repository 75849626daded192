"""Scale benchmark: every incidentkb step on synthetic knowledge bases of N incidents.

    python bench/run.py --sizes 1000,5000,10000 [--out bench/out/results.json]
                        [--skip build,plain,browser,...] [--keep] [--work DIR]

For each size, bench/synth.py writes a knowledge base into a temporary
directory; then every step runs as its own subprocess (so interpreter start
and imports count the way users see them) and is timed from the outside:
wall seconds, user+system CPU and peak RSS from os.wait4 (the peak of the
process tree's largest process, pool workers and Pagefind included).

Steps (names for --skip): floor, validate, jobs, warm, similar, search, report,
build, plain, browser. See bench/README.md for what each row means and the
targets it checks. The machine is shared and noisy: ratios to the floor are
taken within one run, and the floor and cold validation are each run twice,
interleaved, keeping the faster of each.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
INCIDENTKB = str(BIN / "incidentkb") if (BIN / "incidentkb").exists() else "incidentkb"
ALL_STEPS = ("floor", "validate", "jobs", "warm", "similar", "search", "report", "build",
             "plain", "browser")
QUERIES = ("connection pool exhaustion", "payments-api")
MB = 1024 * 1024


# --- running one step ------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system of the process tree
    maxrss_mb: float
    code: int


@dataclass
class Step:
    name: str
    samples: list[Sample] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def wall(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return min(s.cpu for s in self.samples)

    @property
    def maxrss_mb(self) -> float:
        return max(s.maxrss_mb for s in self.samples)


def run(cmd: list[str], *, env: dict[str, str], out: Path | None = None,
        cwd: Path = REPO) -> Sample:
    """Run a command to completion; its wall time and the rusage of its process tree."""
    stdout = open(out, "wb") if out is not None else subprocess.DEVNULL  # noqa: SIM115
    err_path = Path(tempfile.mkstemp(prefix="bench-stderr-")[1])
    try:
        with open(err_path, "wb") as stderr:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env, cwd=cwd)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            tail = err_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(cmd[:4])} ... exited {proc.returncode}:\n{tail}")
    finally:
        if out is not None:
            stdout.close()  # type: ignore[union-attr]
        err_path.unlink(missing_ok=True)
    return Sample(wall=wall, cpu=usage.ru_utime + usage.ru_stime,
                  maxrss_mb=usage.ru_maxrss / 1024, code=proc.returncode)


def py(code: str, *args: str) -> list[str]:
    return [PYTHON, "-c", code, *args]


# --- in-subprocess helpers (python bench/run.py --internal-...) -------------------------

FLOOR_CODE = """
import os, sys, yaml
from pathlib import Path
from generator.repository import discover
root = sys.argv[1]
for rel in discover(Path(root)):
    with open(os.path.join(root, rel), "rb") as fh:
        text = fh.read().decode("utf-8")
    end = text.find("\\n---", 3)
    yaml.load(text[4:end], Loader=yaml.CSafeLoader)
"""

JOBS_CODE = """
import sys
import generator.repository
from generator.validation import validate
generator.repository.PARALLEL_THRESHOLD = 0  # jobs=2: the pool whatever the size
r = validate(sys.argv[1], use_cache=False, jobs=int(sys.argv[2]))
assert r.errors == 0, r.errors
"""

LOAD_JOBS_CODE = """
import sys
import generator.repository as repository
repository.PARALLEL_THRESHOLD = 0  # jobs=2: the pool whatever the size
repository.load_repository(sys.argv[1], jobs=int(sys.argv[2]))
"""

SEARCH_REFRESH_CODE = """
import functools, json, sys, time
t0 = time.perf_counter()
import generator.search as search
from generator.repository import load_repository
from generator.search import SearchIndex
parts = {}
def timed(name, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            parts[name] = parts.get(name, 0.0) + time.perf_counter() - started
    return wrapper
for name in ("_entries", "_files_digest", "_matches", "_wipe"):
    if hasattr(search, name):
        setattr(search, name, timed(name, getattr(search, name)))
for name in ("_trusted_manifest", "_update", "_rebuild", "_save_manifest", "_open_on_disk"):
    if hasattr(SearchIndex, name):
        setattr(SearchIndex, name, timed(name, getattr(SearchIndex, name)))
repo = load_repository(sys.argv[1])
t1 = time.perf_counter()
index = SearchIndex(repo)
t2 = time.perf_counter()
hits = index.search("connection pool", limit=5)
t3 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "refresh_s": t2 - t1, "query_s": t3 - t2,
                  "refresh_parts_s": parts, "stats": str(index.stats), "hits": len(hits)}))
"""


def internal_build(root: str, site: str, export: str, timings_path: str) -> None:
    """A whole `incidentkb build`, with the plugin's events timed and its pages exported.

    Wraps every `on_*` event of the plugin and the functions its on_files calls,
    validation and the Pagefind run; after on_files, writes every page and
    asset of the build (hand-written and generated) with the effective
    configuration to EXPORT, for the plain mkdocs build to compare with.
    """
    import functools
    import resource

    import generator.building as building
    import generator.site.plugin as plugin_module
    import generator.site.search_index as search_index

    timings: dict[str, float] = {}
    calls: dict[str, int] = {}
    peak_after: dict[str, float] = {}  # the process's peak RSS (MB) when the phase ended

    def timed(name: str, func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
                calls[name] = calls.get(name, 0) + 1
                peak_after[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return wrapper

    cls = plugin_module.IncidentKBPlugin
    for attr in list(vars(cls)):
        if attr.startswith("on_") or attr in ("_similar", "_history", "_trends_pages",
                                               "_add_documents", "_add_indexes", "_set_nav"):
            setattr(cls, attr, timed(f"plugin.{attr}", vars(cls)[attr]))
    for name in ("load_repository", "build_context"):
        if hasattr(plugin_module, name):
            setattr(plugin_module, name, timed(f"plugin.{name}", getattr(plugin_module, name)))
    search_index.index_site = timed("pagefind", search_index.index_site)
    building.validate = timed("validate", building.validate)

    on_files = cls.on_files

    @functools.wraps(on_files)
    def exporting_on_files(self: Any, files: Any, *, config: Any) -> Any:
        files = on_files(self, files, config=config)
        started = time.perf_counter()
        _export(files, config, Path(export))
        timings["export (not part of the build)"] = time.perf_counter() - started
        return files

    cls.on_files = exporting_on_files
    started = time.perf_counter()
    building.build_site(root, site_dir=site)
    timings["total"] = time.perf_counter() - started
    Path(timings_path).write_text(json.dumps({"seconds": timings, "calls": calls,
                                              "peak_rss_mb_after": peak_after}))


def _export(files: Any, config: Any, export: Path) -> None:
    docs_dir = os.path.realpath(config.docs_dir)
    docs = export / "docs"
    pages = 0
    for f in files:
        own = f.generated_by is not None or (
            f.abs_src_path and os.path.realpath(f.abs_src_path).startswith(docs_dir + os.sep))
        if not own:
            continue  # theme files: the plain build gets them from the theme
        target = docs / f.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content_bytes)
        pages += f.is_documentation_page()
    extensions = []
    for name in config.markdown_extensions:
        settings = config.mdx_configs.get(name)
        extensions.append({name: settings} if settings else name)
    plain = {
        "site_name": config.site_name,
        "docs_dir": "docs",
        "use_directory_urls": config.use_directory_urls,
        "theme": {"name": "material", "features": list(config.theme.get("features") or [])},
        "plugins": [],  # no search: the incidentkb build replaces it with Pagefind
        "markdown_extensions": extensions,
        "extra_css": [str(x) for x in config.extra_css],
        "extra_javascript": [str(x) for x in config.extra_javascript],
        "nav": config.nav,
    }
    (export / "mkdocs.json").write_text(json.dumps(plain, default=str))
    (export / "pages.txt").write_text(str(pages))


def write_plain_config(export: Path) -> Path:
    import yaml

    plain = json.loads((export / "mkdocs.json").read_text())
    path = export / "mkdocs.yml"
    path.write_text(yaml.safe_dump(plain, sort_keys=False))
    return path


# --- site checks --------------------------------------------------------------------------


def nav_check(site: Path) -> dict[str, Any]:
    """Incident links outside the page content, and HTML sizes, of typical pages."""
    candidates = {"home": site / "index.html", "incidents table": site / "incidents" / "index.html"}
    incident_pages = sorted((site / "incidents").glob("INC-*/index.html"))
    if incident_pages:
        candidates["an incident"] = incident_pages[len(incident_pages) // 2]
    kb_pages = sorted((site / "kb").rglob("index.html"))
    if kb_pages:
        candidates["a kb article"] = kb_pages[-1]
    out: dict[str, Any] = {}
    for label, path in candidates.items():
        if not path.is_file():
            continue
        html = path.read_text(errors="replace")
        start, end = html.find("<article"), html.rfind("</article>")
        outside = html[:start] + html[end:] if start >= 0 and end >= 0 else html
        out[label] = {
            "path": str(path.relative_to(site)),
            "html_kb": round(len(html.encode()) / 1024, 1),
            "incident_links_outside_content": outside.count("INC-"),
            "nav_links": outside.count('class="md-nav__link'),
        }
    return out


# --- one size -----------------------------------------------------------------------------


def touch(root: Path, nth: int) -> str:
    """Change one incident's body (it stays valid); returns its path."""
    paths = sorted((root / "incidents").rglob("INC-*.md"))
    paths = [p for p in paths if not p.name.endswith("-postmortem.md")]
    path = paths[(nth * 7919) % len(paths)]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\nEdited by the benchmark (change {nth}): a follow-up note on the pool.\n")
    return str(path.relative_to(root))


def bench_size(n: int, skip: set[str], work: Path, keep: bool, log: Any) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"ikb-bench-{n}-", dir=work))
    root = tmp / "kb"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTKB_")}
    base_env["XDG_CACHE_HOME"] = str(tmp / "xdg")  # the cache's signing key
    base_env["PYTHONDONTWRITEBYTECODE"] = "1"

    def env(cache: str | None = None) -> dict[str, str]:
        e = dict(base_env)
        if cache:
            e["INCIDENTKB_CACHE_DIR"] = str(tmp / cache)
        return e

    steps: dict[str, Step] = {}
    checks: dict[str, Any] = {}

    def record(name: str, sample: Sample, **extra: Any) -> Step:
        step = steps.setdefault(name, Step(name))
        step.samples.append(sample)
        step.extra.update(extra)
        log(f"  {n:>6} {name:<34} {sample.wall:8.2f} s  cpu {sample.cpu:7.2f} s  "
            f"rss {sample.maxrss_mb:7.0f} MB")
        return step

    started = time.perf_counter()
    gen = run([PYTHON, str(HERE / "synth.py"), str(n), str(root)], env=env(),
              out=tmp / "synth.json")
    counts = json.loads((tmp / "synth.json").read_text())
    docs = counts["incidents"] + counts["postmortems"] + counts["articles"]
    log(f"size {n}: generated {docs} documents ({counts['bytes'] / MB:.0f} MB) "
        f"in {gen.wall:.1f} s")

    try:
        # floor and cold validation, twice, interleaved
        for _ in range(2):
            if "floor" not in skip:
                record(FLOOR, run(py(FLOOR_CODE, str(root)), env=env()))
            if "validate" not in skip:
                out = tmp / "validate.json"
                sample = run([INCIDENTKB, "validate", "--root", str(root), "--no-cache",
                              "--format", "json"], env=env(), out=out)
                result = json.loads(out.read_text())
                record("validate cold (--no-cache)", sample, errors=result["errors"],
                       warnings=result["warnings"], files=result["files"])
                if result["errors"]:
                    raise RuntimeError(f"the synthetic KB has {result['errors']} errors")
        if "jobs" not in skip:
            for jobs in (1, 2):
                record(f"validate cold, jobs={jobs} (API)", run(py(JOBS_CODE, str(root), str(jobs)),
                                                               env=env()))
            for jobs in (1, 2):
                record(f"load_repository, jobs={jobs} (API)",
                       run(py(LOAD_JOBS_CODE, str(root), str(jobs)), env=env()))
        if "warm" not in skip:
            cmd = [INCIDENTKB, "validate", "--root", str(root), "--format", "json"]
            record("validate, cache filled", run(cmd, env=env("cache-validate")))
            for i in range(2):
                changed = touch(root, i)
                record("validate warm (1 file changed)", run(cmd, env=env("cache-validate")),
                       changed=changed)
        if "similar" not in skip:
            cmd = [INCIDENTKB, "similar", "--all", "--json", "--root", str(root)]
            out = tmp / "similar.json"
            record("similar --all cold", run(cmd, env=env("cache-similar"), out=out))
            try:
                checks["similar_incidents"] = len(json.loads(out.read_text()))
            except ValueError:
                checks["similar_incidents"] = None
            touch(root, 10)
            record("similar --all, 1 changed", run(cmd, env=env("cache-similar"), out=out))
        if "search" not in skip:
            cmd = [INCIDENTKB, "search", "connection pool", "--json", "--root", str(root)]
            record("search cold (index build)", run(cmd, env=env("cache-search")))
            touch(root, 20)
            record("search, 1 changed (command)", run(cmd, env=env("cache-search")))
            touch(root, 21)
            out = tmp / "search-refresh.json"
            sample = run(py(SEARCH_REFRESH_CODE, str(root)), env=env("cache-search"), out=out)
            inner = json.loads(out.read_text().strip().splitlines()[-1])
            record("search: re-index 1 changed (in-process)",
                   Sample(inner["refresh_s"], sample.cpu, sample.maxrss_mb, sample.code),
                   **inner)
        if "report" not in skip:
            record("report --format json", run([INCIDENTKB, "report", "--format", "json",
                                                "--root", str(root)], env=env("cache-report")))
        site = tmp / "site"
        export = tmp / "plain"
        if "build" not in skip:
            timings = tmp / "build-timings.json"
            sample = run([PYTHON, __file__, "--internal-build", str(root), str(site), str(export),
                          str(timings)], env=env("cache-build"))
            inner = json.loads(timings.read_text())
            seconds = inner["seconds"]
            exported = seconds.get("export (not part of the build)", 0.0)
            build_wall = sample.wall - exported
            record("build (whole, cold cache)", Sample(build_wall, sample.cpu, sample.maxrss_mb,
                                                       sample.code), phases=seconds,
                   calls=inner["calls"], peak_rss_mb_after=inner.get("peak_rss_mb_after"))
            plugin = sum(v for k, v in seconds.items() if k.startswith("plugin.on_"))
            record("build: plugin events (generator)", Sample(plugin, 0.0, 0.0, 0))
            pagefind = seconds.get("pagefind", 0.0)
            record("build: pagefind", Sample(pagefind, 0.0, 0.0, 0))
            validation = seconds.get("validate", 0.0)
            mkdocs_own = max(0.0, seconds["total"] - plugin - validation)
            record("build: mkdocs itself (rest)", Sample(mkdocs_own, 0.0, 0.0, 0))
            checks["nav"] = nav_check(site)
            checks["site_mb"] = round(sum(p.stat().st_size for p in site.rglob("*")
                                          if p.is_file()) / MB, 1)
            mkdocs_index = site / "search" / "search_index.json"
            checks["mkdocs_search_index_mb"] = (round(mkdocs_index.stat().st_size / MB, 1)
                                                if mkdocs_index.exists() else 0)
            if "plain" not in skip and (export / "mkdocs.json").exists():
                config = write_plain_config(export)
                record("plain mkdocs build, same pages",
                       run([PYTHON, "-m", "mkdocs", "build", "-q", "-f", str(config),
                            "-d", str(tmp / "plain-site")], env=env(), cwd=export),
                       pages=int((export / "pages.txt").read_text()))
            if "browser" not in skip and (site / "pagefind").is_dir():
                out = tmp / "browser.json"
                run([PYTHON, str(HERE / "browser_search.py"), str(site), *QUERIES,
                     "--json", str(out)], env=env())
                checks["first_search"] = json.loads(out.read_text())
                fs = checks["first_search"]
                log(f"  {n:>6} first search: {fs.get('first_search_bytes', 0) / 1024:.0f} KB, "
                    f"{fs.get('first_search_ms')} ms ({fs.get('method')})")
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return {
        "n": n, "documents": docs, "counts": counts, "seconds_total": time.perf_counter() - started,
        "steps": {name: {"wall": s.wall, "cpu": s.cpu, "maxrss_mb": s.maxrss_mb,
                         "samples": [asdict(x) for x in s.samples], **s.extra}
                  for name, s in steps.items()},
        "checks": checks,
        "kept": str(tmp) if keep else None,
    }


# --- table and targets ----------------------------------------------------------------------


FLOOR = "floor: read + C-YAML frontmatter"


def exponent(t_small: float, t_large: float, n_small: int, n_large: int) -> float | None:
    if t_small <= 0 or t_large <= 0 or n_large == n_small:
        return None
    return math.log(t_large / t_small) / math.log(n_large / n_small)


def table(results: list[dict[str, Any]]) -> list[str]:
    sizes = [r["n"] for r in results]
    names: list[str] = []
    for r in results:
        names += [k for k in r["steps"] if k not in names]
    head = f"{'step':<40}" + "".join(f"{f'{n} s':>10}{'xfloor':>8}" for n in sizes)
    head += f"{'ms/doc':>9}{'exp':>7}"
    lines = [head, "-" * len(head)]
    for name in names:
        row = f"{name:<40}"
        walls = []
        for r in results:
            step = r["steps"].get(name)
            floor = r["steps"].get(FLOOR)
            if step is None:
                row += f"{'-':>10}{'':>8}"
                walls.append(None)
                continue
            ratio = step["wall"] / floor["wall"] if floor else None
            row += f"{step['wall']:>10.2f}{(f'{ratio:.2f}' if ratio else ''):>8}"
            walls.append(step["wall"])
        last = results[-1]
        per_doc = (walls[-1] * 1000 / last["documents"]) if walls[-1] else None
        exp = (exponent(walls[0], walls[-1], sizes[0], sizes[-1])
               if len(sizes) > 1 and walls[0] and walls[-1] else None)
        row += f"{(f'{per_doc:.2f}' if per_doc is not None else '-'):>9}"
        row += f"{(f'{exp:.2f}' if exp is not None else '-'):>7}"
        lines.append(row)
    return lines


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, checked at the largest size."""
    big = results[-1]
    small = results[0]
    st = big["steps"]
    checks = big["checks"]
    out: list[dict[str, Any]] = []

    def wall(name: str, r: dict[str, Any] = big) -> float | None:
        step = r["steps"].get(name)
        return step["wall"] if step else None

    def add(target: str, value: Any, ok: bool | None, detail: str = "") -> None:
        out.append({"target": target, "value": value, "ok": ok, "detail": detail})

    floor, cold = wall(FLOOR), wall("validate cold (--no-cache)")
    if floor and cold:
        add("validate cold <= 1.5x floor", f"{cold / floor:.2f}x", cold / floor <= 1.5,
            f"{cold:.2f} s vs floor {floor:.2f} s")
    warm = wall("validate warm (1 file changed)")
    if warm is not None:
        add("validate warm < 1 s", f"{warm:.2f} s", warm < 1.0)
    sim = wall("similar --all cold")
    if sim is not None:
        exp = (exponent(wall("similar --all cold", small) or 0, sim, small["n"], big["n"])
               if len(results) > 1 else None)
        add("similar --all <= 10 s, exponent ~1", f"{sim:.2f} s, exp {exp:.2f}" if exp else
            f"{sim:.2f} s", sim <= 10 and (exp is None or exp <= 1.25))
    reindex = wall("search: re-index 1 changed (in-process)")
    if reindex is not None:
        cmd = wall("search, 1 changed (command)")
        add("search: one changed incident re-indexed < 2 s", f"{reindex:.2f} s", reindex < 2,
            f"the whole `search` command after one change: {cmd:.2f} s" if cmd else "")
    build, plain = wall("build (whole, cold cache)"), wall("plain mkdocs build, same pages")
    if build and plain:
        exp = (exponent(wall("build (whole, cold cache)", small) or 0, build, small["n"],
                        big["n"]) if len(results) > 1 else None)
        pagefind = wall("build: pagefind") or 0.0
        add("build <= 1.5x plain mkdocs build", f"{build / plain:.2f}x", build / plain <= 1.5,
            f"{build:.1f} s vs {plain:.1f} s; without Pagefind, which the plain build lacks: "
            f"{(build - pagefind) / plain:.2f}x")
        if exp is not None:
            add("build linear (exponent <= 1.15)", f"{exp:.2f}", exp <= 1.15)
    nav = checks.get("nav")
    if nav:
        worst_links = max(v["incident_links_outside_content"] for k, v in nav.items()
                          if k != "incidents table")
        page = nav.get("an incident", {})
        add("no page embeds all incidents in its nav",
            f"{worst_links} incident links outside content; incident page "
            f"{page.get('html_kb')} KB", worst_links < 100 and page.get("html_kb", 0) < 300)
    fs = checks.get("first_search")
    if fs:
        size = fs.get("first_search_bytes", 0)
        add("first search downloads <= 1 MB", f"{size / 1024:.0f} KB", size <= MB,
            fs.get("method", ""))
        ms = fs.get("first_search_ms")
        if ms is not None:
            add("first search results < 300 ms", f"{ms:.0f} ms", ms < 300,
                f"typed after the focus preload: {fs.get('after_preload_ms')} ms; "
                f"a second query: {fs.get('second_search_ms')} ms")
    step = st.get("build (whole, cold cache)")
    if step:
        own = max((step.get("peak_rss_mb_after") or {}).values(), default=0)
        add("build peak memory < 2 GB", f"{step['maxrss_mb']:.0f} MB", step["maxrss_mb"] < 2048,
            f"largest process of the tree; the Python build process itself: {own:.0f} MB, "
            f"so the rest is a child (Pagefind)" if own and own < step["maxrss_mb"] else
            "largest process of the tree")
    return out


def jobs_advice(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    for what in ("validate cold", "load_repository"):
        for r in results:
            one = r["steps"].get(f"{what}, jobs=1 (API)")
            two = r["steps"].get(f"{what}, jobs=2 (API)")
            if one and two:
                lines.append(
                    f"  {what:<16}{r['n']:>6} incidents ({r['documents']} files): "
                    f"jobs=1 {one['wall']:.2f} s (cpu {one['cpu']:.2f}), "
                    f"jobs=2 {two['wall']:.2f} s (cpu {two['cpu']:.2f}): "
                    f"speed-up x{one['wall'] / two['wall']:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--internal-build":
        internal_build(*argv[1:5])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "results.json")
    parser.add_argument("--skip", default="", help=f"comma-separated: {','.join(ALL_STEPS)}")
    parser.add_argument("--keep", action="store_true", help="keep the generated roots and sites")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(ALL_STEPS)
    if unknown:
        parser.error(f"unknown steps to skip: {', '.join(sorted(unknown))}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    load_before = os.getloadavg()
    results = [bench_size(n, skip, args.work, args.keep, log) for n in sizes]
    lines = table(results)
    checked = targets(results)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "loadavg_before": load_before,
                    "loadavg_after": os.getloadavg()},
        "sizes": sizes, "skipped": sorted(skip), "results": results, "targets": checked,
        "table": lines, "seconds": time.perf_counter() - started,
    }
    args.out.write_text(json.dumps(report, indent=2, default=str))
    print("\n".join(lines))
    print(f"\nTargets at {sizes[-1]} incidents:")
    for t in checked:
        mark = "✓" if t["ok"] else ("✗" if t["ok"] is False else "?")
        detail = f"  ({t['detail']})" if t["detail"] else ""
        print(f"  {mark} {t['target']}: {t['value']}{detail}")
    advice = jobs_advice(results)
    if advice:
        print("\nProcess pool in validation (repository.PARALLEL_THRESHOLD):")
        print("\n".join(advice))
    nav = results[-1]["checks"].get("nav")
    if nav:
        print("\nPages (largest size):")
        for label, v in nav.items():
            print(f"  {label:<16} {v['html_kb']:>8} KB, {v['incident_links_outside_content']} "
                  f"incident links outside the content ({v['path']})")
    print(f"\nload average before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f}; "
          f"{report['seconds'] / 60:.1f} min in all; JSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
