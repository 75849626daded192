"""The site's trends section: `trends/index.md`, its SVG charts and CSV downloads.

Everything is generated in memory at build time (the plugin adds the pages);
links are relative to `trends/index.md`, so they work with or without
directory URLs.
"""

from __future__ import annotations

import datetime as dt

from ..charts import Chart, build_charts
from ..report_format import format_csv, format_json, format_markdown
from ..repository import Repository
from ..trends import build_report
from . import GeneratedPage

TRENDS_DIR = "trends"


def _downloads() -> str:
    return (
        "## Downloads\n\n"
        "The whole report as one tidy table: [report.csv](report.csv) "
        "(columns section, period, dimension, key, metric, statistic, value, n, small_sample), "
        "and as [report.json](report.json).\n"
    )


def trends_pages(repo: Repository, today: dt.date) -> list[GeneratedPage]:
    """The trends page (markdown), one SVG and one CSV per chart, and the full report."""
    report = build_report(repo, since=None, until=None, today=today, by="severity")
    charts = build_charts(report)
    by_section: dict[str, list[Chart]] = {}
    for chart in charts:
        by_section.setdefault(chart.section, []).append(chart)
    markdown = format_markdown(report, by_section) + "\n" + _downloads()
    pages = [GeneratedPage(f"{TRENDS_DIR}/index.md", markdown)]
    for chart in charts:
        pages.append(GeneratedPage(f"{TRENDS_DIR}/{chart.slug}.svg", chart.svg()))
        pages.append(GeneratedPage(f"{TRENDS_DIR}/{chart.slug}.csv", chart.csv))
    pages.append(GeneratedPage(f"{TRENDS_DIR}/report.csv", format_csv(report)))
    pages.append(GeneratedPage(f"{TRENDS_DIR}/report.json", format_json(report)))
    return pages
