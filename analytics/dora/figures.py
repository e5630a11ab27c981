"""The DORA pages' charts, drawn from dora_report's series and the service selectors' rows.
Each function returns the HTML fragment analytics.charts makes, or None when there is nothing
to draw (the template then explains what is missing). Figures are the plain dicts plotly's objects
would give (analytics.charts.figure_html): building the objects validated every value, 0.1–0.2 s
for a service's year of deployments on its timeline."""

from __future__ import annotations

from django.utils.safestring import SafeString

from analytics import charts
from analytics.dora.tiles import Metric

C = charts.COLORS

OUTCOMES = {  # timeline marker per deployment outcome (analytics.dora.selectors.deployment_outcome)
    "succeeded": ("Succeeded", C["ok"], "circle"),
    "hotfix": ("Hotfix", C["warn"], "diamond"),
    "rollback": ("Rollback deployment", C["warn"], "triangle-down"),
    "incident": ("Caused an incident", C["bad"], "circle-open"),
    "rolled_back": ("Rolled back", C["bad"], "triangle-down-open"),
    "failed": ("Failed (never live)", C["bad"], "x"),
    "other": ("In progress or cancelled", C["muted"], "circle-open"),
}


def _series_value(entry: dict, metric: Metric):
    block = entry[metric.key]
    if metric.key == "deployment_frequency":
        return block.get("deployments")  # a count per period reads better than a per-day rate
    value = block.get(metric.headline)
    return None if value is None else (value * 100 if metric.unit == "rate" else value)


def series_figure(series: list[dict], metric: Metric) -> SafeString | None:
    """One metric over the periods of the window: deployments as bars, the others as lines
    (a gap where a period has no data)."""
    if not series:
        return None
    periods = [entry["period_start"] for entry in series]
    values = [_series_value(entry, metric) for entry in series]
    if all(value in (None, 0) for value in values):
        return None
    if metric.key == "deployment_frequency":
        trace = {"hovertemplate": "%{x}: %{y} deployments<extra></extra>", "marker": {"color": C["brand"]},
                 "name": "deployments", "x": periods, "y": values, "type": "bar"}
        axis = "deployments"
    else:
        unit = "%" if metric.unit == "rate" else " h"
        trace = {"connectgaps": False, "hovertemplate": f"%{{x}}: %{{y:.1f}}{unit}<extra></extra>",
                 "line": {"color": C["brand"]}, "mode": "lines+markers", "x": periods, "y": values, "type": "scatter"}
        axis = "%" if metric.unit == "rate" else "hours (median)"
    figure = {"data": [trace], "layout": {"yaxis": {"title": {"text": axis}}, "showlegend": False}}
    return charts.figure_html(figure, label=f"{metric.label} per period", height=220)


def correlation_figure(series: list[dict]) -> SafeString | None:
    """Speed against stability, one dot per period: deployments (x), change failure rate (y),
    and the median recovery time as the dot's colour and size."""
    points = [entry for entry in series if entry["deployment_frequency"].get("deployments")]
    if len(points) < 2:
        return None
    recovery = [entry["failed_deployment_recovery_time"].get("median_hours") for entry in points]
    figure = {"data": [{
        "type": "scatter", "mode": "markers",
        "x": [entry["deployment_frequency"]["deployments"] for entry in points],
        "y": [(entry["change_failure_rate"].get("rate") or 0) * 100 for entry in points],
        "text": [entry["period_start"] for entry in points],
        "customdata": [r if r is not None else "none" for r in recovery],
        "marker": {"size": [12 + min(r or 0, 168) / 6 for r in recovery],
                   "color": [r or 0 for r in recovery], "colorscale": [[0, C["ok"]], [0.5, C["warn"]], [1, C["bad"]]],
                   "cmin": 0, "cmax": 168, "showscale": True, "colorbar": {"title": {"text": "recovery h"}},
                   "line": {"width": 1, "color": C["ink"]}},
        "hovertemplate": ("period from %{text}<br>%{x} deployments<br>%{y:.1f}% failed"
                          "<br>median recovery: %{customdata} h<extra></extra>"),
    }], "layout": {"xaxis": {"title": {"text": "deployments in the period"}},
                   "yaxis": {"title": {"text": "change failure rate (%)"}}}}
    return charts.figure_html(figure, label="Deployments against change failure rate and recovery time, per period")


def timeline_figure(rows: list[dict]) -> SafeString | None:
    """A service's deployments over time, one row per environment, marked by outcome."""
    if not rows:
        return None
    traces = []
    for outcome, (label, color, symbol) in OUTCOMES.items():
        hits = [row for row in rows if row["outcome"] == outcome]
        if hits:
            traces.append({
                "type": "scatter", "mode": "markers", "name": label,
                # The encoder's own text for a datetime, without its per-value dispatch (2,000 points).
                "x": [row["at"].isoformat() for row in hits], "y": [row["environment"] for row in hits],
                "marker": {"color": color, "symbol": symbol, "size": 10, "line": {"width": 1.5, "color": color}},
                "text": [row["version"] or row["commit_sha"][:12] for row in hits],
                "hovertemplate": f"%{{x}}<br>%{{y}} %{{text}}<br>{label}<extra></extra>"})
    environments = len({row["environment"] for row in rows})
    figure = {"data": traces, "layout": {"yaxis": {"type": "category", "rangemode": "normal"}, "showlegend": True}}
    return charts.figure_html(figure, label="Deployments over time by environment, failures and rollbacks marked",
                              height=160 + 40 * environments)


def lead_time_figure(buckets: list[dict]) -> SafeString | None:
    """How many changes took how long from commit to production, bars coloured by level."""
    if not any(bucket["changes"] for bucket in buckets):
        return None
    figure = {"data": [{
        "type": "bar", "x": [bucket["label"] for bucket in buckets], "y": [bucket["changes"] for bucket in buckets],
        "marker": {"color": [charts.LEVEL_COLORS[bucket["level"]] for bucket in buckets]},
        "customdata": [bucket["level"] for bucket in buckets],
        "hovertemplate": "%{x}: %{y} changes (%{customdata})<extra></extra>"}],
        "layout": {"xaxis": {"title": {"text": "lead time (commit to production)"}},
                   "yaxis": {"title": {"text": "changes"}}, "showlegend": False}}
    return charts.figure_html(figure, label="Distribution of change lead times", height=260)
