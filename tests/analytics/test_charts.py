"""analytics.charts: figures become HTML fragments without plotly.js; plotly.js comes from our
static files (plotly's basic bundle from npm, else the Python package's full copy), hashed,
compressed and cached for good in production, and only pages that ask for it load it."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client, override_settings

from analytics import charts

PACKAGE_JS = charts.BASIC_BUNDLE
HEADER = re.compile(rb"\* plotly\.js (\(basic - minified\) )?v(\d+\.\d+\.\d+)")


def test_the_basic_bundle_is_installed_at_the_python_packages_version():
    """make install puts it there; a plotly upgrade without assets/package.json following it
    would draw figures written for one plotly.js with another."""
    basic = HEADER.search(charts.BASIC_BUNDLE.read_bytes()[:400])
    full = HEADER.search((Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()[:400])
    assert basic and basic.group(1), "assets/node_modules lacks plotly's basic bundle: run make install"
    assert basic.group(2) == full.group(2)
    assert charts.plotly_bundle() == charts.BASIC_BUNDLE


def test_every_trace_the_charts_draw_is_in_the_basic_bundle():
    # The basic bundle holds bar, scatter and pie; a chart of another type would draw nothing.
    # Charts are plotly objects (go.Bar(...)) or the plain dicts they give ("type": "bar").
    used = set()
    for path in Path(charts.__file__).parent.rglob("*.py"):
        text = path.read_text()
        used |= {name.lower() for name in re.findall(r"go\.([A-Z]\w*)\(", text)}
        used |= set(re.findall(r'"type": "(\w+)"', text)) - {"category", "linear", "log", "date"}  # axis types
    assert used - {"figure", "layout"} == {"bar", "scatter", "pie"}


def test_without_the_basic_bundle_the_full_copy_serves(monkeypatch):
    monkeypatch.setattr(charts, "BASIC_BUNDLE", Path("/nonexistent/plotly-basic.min.js"))
    assert charts.PlotlyJsFinder().find(charts.PLOTLY_JS) == str(charts.FULL_BUNDLE)


def _figure() -> go.Figure:
    return go.Figure(go.Bar(x=["2025-01-06", "2025-01-13"], y=[3, 5]))


def test_figure_html_is_a_fragment_without_the_library():
    html = charts.figure_html(_figure(), label="Deployments per week")

    assert html.startswith('<div class="chart" role="figure" aria-label="Deployments per week">')
    # Drawn by static/js/charts.js from the figure's JSON: no inline script (the CSP runs none).
    assert 'data-plotly="' in html and "&quot;y&quot;:[3,5]" in html
    assert "<html" not in html and "<script" not in html
    # The library itself (megabytes) never travels inside a page.
    assert len(html) < 10_000
    assert "cdn.plot.ly" not in html and "https://" not in html


def test_figure_html_uses_the_house_template_not_plotlys_default():
    html = charts.figure_html(_figure(), label="x", height=222)

    assert charts.COLORS["brand"] in html
    assert "#636efa" not in html  # plotly's default first colour
    assert "&quot;height&quot;:222" in html


def test_figure_html_escapes_the_label():
    html = charts.figure_html(_figure(), label='<b>"quoted"</b>')

    assert 'aria-label="&lt;b&gt;&quot;quoted&quot;&lt;/b&gt;"' in html


def test_plotly_js_tag_loads_the_library_from_our_static_files():
    html = Template("{% load charts %}{% plotly_js %}").render(Context())

    assert html == ('<script src="/static/vendor/plotly.min.js" charset="utf-8"></script>\n'
                    '<script src="/static/js/charts.js" defer></script>')


@pytest.mark.parametrize("find_all", [False, True])
def test_the_finder_publishes_the_basic_bundle(find_all):
    found = finders.find(charts.PLOTLY_JS, find_all=find_all)

    assert (found[0] if find_all else found) == str(PACKAGE_JS)
    assert finders.find("vendor/other.js") is None


def test_the_static_url_serves_plotly_js(client):
    response = client.get("/static/vendor/plotly.min.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = b"".join(response.streaming_content)
    assert body == PACKAGE_JS.read_bytes()


def test_production_serves_it_hashed_compressed_and_immutable(tmp_path, settings):
    """collectstatic with the production storage, then whitenoise as production runs it
    (no finders): a content-hashed name, a gzip copy, a far-future immutable cache header."""
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)

    url = charts.plotly_js_url()
    assert re.fullmatch(r"/static/vendor/plotly\.min\.[0-9a-f]{12}\.js", url)
    assert (tmp_path / url.removeprefix("/static/")).with_suffix(".js.gz").exists()

    with override_settings(DEBUG=False):
        response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert gzip.decompress(body) == PACKAGE_JS.read_bytes()
    assert len(body) < PACKAGE_JS.stat().st_size / 2
