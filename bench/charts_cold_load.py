"""Cold first load of a chart page in Chromium: the time from navigation until every chart of a
dashboard-like page is drawn, with plotly's basic bundle (what the pages load) against the full
bundle inside the Python package (the baseline), alternating in the same run.

    .venv/bin/python bench/charts_cold_load.py [--runs 5] [--weeks 52]

The page holds the organization dashboard's charts (five metric series and the correlation
chart over `--weeks` weekly periods, drawn by analytics.dora.figures from a synthetic series)
and is served over local HTTP. Each load runs in a fresh browser context: no cache, so the
bundle is downloaded, parsed and compiled every time, as on a first visit. Chromium is Debian's.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")

import django

django.setup()

from playwright.sync_api import sync_playwright  # noqa: E402

from analytics import charts  # noqa: E402
from analytics.dora import figures  # noqa: E402
from analytics.dora.tiles import METRICS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# Draws like static/js/charts.js, then notes when the last chart is on screen.
DRAW = """
Promise.all([...document.querySelectorAll('[data-plotly]')].map(function (el) {
  var figure = JSON.parse(el.dataset.plotly);
  return Plotly.newPlot(el, figure.data, figure.layout, JSON.parse(el.dataset.plotlyConfig || '{}'));
})).then(function () { window.drawnAt = performance.now(); });
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _series(weeks: int) -> list[dict]:
    start = date(2026, 1, 5)
    series = []
    for n in range(weeks):
        deployments = 20 + n % 7
        series.append({
            "period_start": (start + timedelta(weeks=n)).isoformat(), "days": 7,
            "deployment_frequency": {"deployments": deployments, "per_day": deployments / 7, "level": "elite"},
            "change_lead_time": {"median_hours": 10 + n % 5, "level": "elite"},
            "change_failure_rate": {"rate": (n % 4) / 20, "failed_deployments": n % 4, "deployments": deployments,
                                    "level": "high"},
            "failed_deployment_recovery_time": {"median_hours": 1 + n % 3, "level": "high"},
            "deployment_rework_rate": {"rate": (n % 3) / 25, "deployments": deployments},
        })
    return series


def _page(weeks: int, bundle: str) -> str:
    series = _series(weeks)
    parts = [str(figures.series_figure(series, metric)) for metric in METRICS]
    parts.append(str(figures.correlation_figure(series)))
    return (f'<!doctype html><html><head><meta charset="utf-8"><script src="{bundle}"></script></head>'
            f'<body>{"".join(parts)}<script src="draw.js"></script></body></html>')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    if not charts.BASIC_BUNDLE.is_file():
        sys.exit("plotly's basic bundle is not installed: run make install")
    folder = Path(tempfile.mkdtemp(prefix="sluice-charts-"))
    bundles = {"basic bundle (the pages)": charts.BASIC_BUNDLE, "full bundle (baseline)": charts.FULL_BUNDLE}
    for label, path in bundles.items():
        name = f"{label.split()[0]}.js"
        shutil.copy(path, folder / name)
        (folder / f"{label.split()[0]}.html").write_text(_page(args.weeks, name))
    (folder / "draw.js").write_text(DRAW)
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    times: dict[str, list[float]] = {label: [] for label in bundles}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.runs):
            for label in bundles:  # alternating, so both see the same machine
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"{base}/{label.split()[0]}.html")
                page.wait_for_function("window.drawnAt !== undefined", timeout=60_000)
                times[label].append(page.evaluate("window.drawnAt"))
                context.close()
        browser.close()
    server.shutdown()
    shutil.rmtree(folder)
    print(f"cold load of 6 charts over {args.weeks} weeks, {args.runs} runs each, alternating")
    baseline = statistics.median(times["full bundle (baseline)"])
    for label, values in times.items():
        median = statistics.median(values)
        print(f"  {label:<26} median {median:7.0f} ms  (min {min(values):.0f}, max {max(values):.0f})"
              f"  ratio to baseline {median / baseline:.2f}")


if __name__ == "__main__":
    main()
