"""Charts on Sluice's pages: plotly figures rendered on the server into HTML fragments, with
plotly.js served from our own static files. Nothing is fetched from anywhere at run time.

How a page uses it::

    # view
    from analytics import charts
    figure = go.Figure(go.Bar(x=weeks, y=counts, marker_color=charts.COLORS["brand"]))
    context["deploys_chart"] = charts.figure_html(figure, label="Deployments per week")

    {# template #}
    {% load charts %}
    {% block head %}{% plotly_js %}{% endblock %}
    ...
    {{ deploys_chart }}

plotly.js is plotly's "basic" bundle (bar, scatter and pie: every trace our charts draw; 1.2 MB
where the full one is 4.8 MB, so a cold page parses a quarter of it), installed from npm by
``make install`` into assets/node_modules at the version of the plotly.js inside the Python plotly
package (tests/analytics/test_charts.py keeps the two in step). Without it (an install that
skipped npm) the full copy inside the Python package serves instead: the same charts, slower to
load. The finder below publishes the one found as the static file ``vendor/plotly.min.js``, so it
goes through the same pipeline as our own static files: ``collectstatic`` copies, content-hashes
and compresses it (gzip and brotli) and whitenoise serves the hashed name with a year-long
immutable cache header. Browsers download it once per upgrade, and only on pages that load it
with ``{% plotly_js %}``. No copy lives in the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

PLOTLY_JS = "vendor/plotly.min.js"
BASIC_BUNDLE = Path(settings.BASE_DIR) / "assets" / "node_modules" / "plotly.js-basic-dist-min" / "plotly-basic.min.js"
FULL_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def plotly_bundle() -> Path:
    """The plotly.js file the pages load: the basic bundle when installed, else the full one."""
    return BASIC_BUNDLE if BASIC_BUNDLE.is_file() else FULL_BUNDLE

# The stylesheet's palette (static/css/sluice.css), so charts and badges speak the same colours.
COLORS = {
    "brand": "#1f5fae",
    "brand_soft": "#9dbde6",
    "ok": "#146c3f",
    "warn": "#a05a00",
    "bad": "#b42318",
    "muted": "#5f6b7a",
    "line": "#e1e5ea",
    "ink": "#1d2430",
}
LEVEL_COLORS = {"elite": COLORS["ok"], "high": COLORS["brand"], "medium": COLORS["warn"], "low": COLORS["bad"]}

# A small template of our own instead of plotly's default, which would embed ~7 kB of styling
# for trace types we never draw into every chart.
_TEMPLATE = go.layout.Template(layout=go.Layout(
    font={"family": 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', "size": 12,
          "color": COLORS["ink"]},
    paper_bgcolor="rgba(0,0,0,0)",
    plot_bgcolor="rgba(0,0,0,0)",
    colorway=[COLORS["brand"], COLORS["ok"], COLORS["warn"], COLORS["bad"], COLORS["muted"]],
    # automargin: the margins grow to fit the tick labels (a stage named "Waiting for QA" on a
    # category axis), so no label is cut at the chart's edge.
    xaxis={"gridcolor": COLORS["line"], "linecolor": COLORS["line"], "zeroline": False, "automargin": True},
    yaxis={"gridcolor": COLORS["line"], "linecolor": COLORS["line"], "zeroline": False, "rangemode": "tozero",
           "automargin": True},
    hoverlabel={"font": {"size": 12}},
    legend={"orientation": "h", "y": -0.2},
))
_TEMPLATE_DICT = _TEMPLATE.to_plotly_json()
_CONFIG_JSON = json.dumps({"displaylogo": False, "responsive": True,
                           "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"]})


def figure_html(figure: go.Figure | dict, *, label: str, height: int = 300) -> SafeString:
    """The figure as an HTML fragment: a ``<div>`` holding the figure as JSON in ``data-plotly``,
    drawn by static/js/charts.js. No inline script (the Content-Security-Policy runs none) and
    no plotly.js: the page loads both once with ``{% plotly_js %}``.

    A chart drawn on every dashboard may pass the figure as the plain dict plotly would make of
    it (``{"data": [...], "layout": {...}}``): building plotly's objects validates every value.

    ``label`` describes the chart for screen readers (the wrapper gets ``role="figure"`` and
    ``aria-label``; not "img", since plotly puts buttons inside it); pages still show the numbers
    in text or a table next to it. The fragment also works when htmx swaps it into a page that
    has already loaded plotly.js.
    """
    # The template and sizes go into the figure's plain dict: through update_layout plotly
    # validates the whole template again on every chart (a quarter of a dashboard's time).
    plain = figure if isinstance(figure, dict) else figure.to_dict()
    plain["layout"] = {**plain["layout"], "template": _TEMPLATE_DICT, "height": height,
                       "margin": {"l": 8, "r": 16, "t": 16, "b": 8}}
    return format_html(
        '<div class="chart" role="figure" aria-label="{}">'
        '<div class="plotly-graph-div" style="height: {}px; width: 100%"'
        ' data-plotly="{}" data-plotly-config="{}"></div></div>',
        label, height, pio.to_json(plain, validate=False), _CONFIG_JSON)


def plotly_js_url() -> str:
    """Where the page loads plotly.js from: our static files (hashed name in production)."""
    return static(PLOTLY_JS)


class _BundleStorage(FileSystemStorage):
    """The bundle's folder, where the bundle answers to the published name whatever its own."""

    def __init__(self, source: Path, name: str):
        super().__init__(location=str(source.parent))
        self.source, self.published = source, name

    def path(self, name):
        return str(self.source) if name == self.published else super().path(name)


class PlotlyJsFinder(BaseFinder):
    """Publishes plotly_bundle() as the static file ``vendor/plotly.min.js`` (listed in
    STATICFILES_FINDERS), for ``collectstatic``, for whitenoise and for ``runserver``."""

    folder, name = PLOTLY_JS.rsplit("/", 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = plotly_bundle()
        self.storage = _BundleStorage(self.source, self.name)
        self.storage.prefix = self.folder  # collectstatic and whitenoise put listed files under it

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path != PLOTLY_JS:
            return []  # like Django's own finders: a list, even when one match is asked for
        found = str(self.source)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield self.name, self.storage
