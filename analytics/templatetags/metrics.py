"""How metric numbers are written on the analytics pages.

    {% load metrics %}
    {{ block.median_hours|hours }}      "45 min", "3.5 h", "2.1 d" from 48 hours on
    {{ block.rate|percent }}            "12.5 %"
    {{ block.per_day|per_day }}         "2.3 / day", "4.0 / week", "1.5 / month"
    {{ value|metric:"per_day" }}        by unit: per_day, hours, rate
    {{ value|cell }}                    any drill-down value
    {{ "time_window"|words }}           "time window" (a builtin: vsm/words.py)

A missing number (no data in the window) is written "–".
"""

from datetime import datetime
from functools import wraps

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from vsm.moments import moment_text

register = template.Library()

NO_DATA = "–"


def _number(write):
    """A filter of a number that may be missing: None or "" becomes NO_DATA."""
    @wraps(write)
    def filter_(value) -> str:
        return NO_DATA if value is None or value == "" else write(float(value))
    return register.filter(filter_)


@_number
def hours(value: float) -> str:
    if value >= 48:
        return f"{value / 24:.1f} d"
    return f"{value:.1f} h" if value >= 1 else f"{value * 60:.0f} min"


@_number
def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


@_number
def per_day(value: float) -> str:
    """A rate per day, written per week or per month when it is below one a day or a week."""
    if value >= 1:
        return f"{value:.1f} / day"
    if value * 7 >= 1:
        return f"{value * 7:.1f} / week"
    return f"{value * 30:.1f} / month"


@register.filter
def metric(value, unit: str) -> str:
    return {"hours": hours, "rate": percent, "per_day": per_day}[unit](value)


@register.filter
def change(value) -> str:
    """A relative change as "+12 %" or "−8 %"; "new" when there was nothing to compare with."""
    if value is None:
        return "new"
    return f"{'+' if value > 0 else '−' if value < 0 else '±'}{abs(float(value)) * 100:.0f} %"


@register.filter
def cell(value) -> str:
    """A drill-down value of any type for a table cell: times in the viewer's zone, hours with
    two decimals, lists joined, yes/no."""
    if value is None or value == [] or value == "":
        return NO_DATA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return moment_text(value, "Y-m-d H:i")
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _breakdown_cell(cell: dict, days: int) -> SafeString:
    unit, key, value = cell["metric"].unit, cell["metric"].key, cell["value"]
    parts = [format_html('<a href="{}" data-testid="cell-{}" data-value="{}">{}</a>', cell["drill"], key,
                         "" if value is None else value, metric(value, unit))]
    block = cell["block"]
    if key == "change_failure_rate" and block.get("deployments"):
        parts.append(format_html('<span class="muted">({} of {})</span>', block["failed_deployments"],
                                 block["deployments"]))
    if cell["level"]:
        parts.append(format_html('<span class="badge {}">{}</span>', cell["level"], cell["level"]))
    if goal := cell.get("goal"):
        met = cell["met"]
        parts.append(format_html(
            '<span class="badge {}" data-testid="goal-{}" title="goal: {} {}">{}</span>',
            "ok" if met else "bad" if met is False else "", key, goal.get_comparison_display(),
            metric(goal.target, unit), "no data" if met is None else "goal met" if met else "goal missed"))
    if trend := cell["trend"]:
        good = trend["good"]
        parts.append(format_html(
            '<span class="trend {}" title="previous {} days: {}">{} {}</span>',
            "steady" if good is None else "good" if good else "bad", days, metric(trend["previous"], unit),
            {"up": "▲", "down": "▼"}.get(trend["direction"], "="), change(trend["change"])))
    return format_html("<td>{}</td>", format_html_join("\n", "{}", ((part,) for part in parts)))


@register.simple_tag
def breakdown_cells(row: dict, days: int) -> SafeString:
    """The five cells of a breakdown row (analytics.dora.breakdown.table), written here rather
    than with nested template tags: 200 rows of five cells took most of the page's time as tags
    (bench/README.md, analytics pages)."""
    return format_html_join("", "{}", ((_breakdown_cell(cell, days),) for cell in row["cells"]))
