"""`{% plotly_js %}`: loads plotly.js from our static files. Put it in the `head` block of pages
that show charts made by analytics.charts.figure_html, and only there:

    {% load charts %}
    {% block head %}{% plotly_js %}{% endblock %}

A plain (blocking) script in the head, so `Plotly` exists when each chart's inline script runs.
"""

from django import template
from django.utils.html import format_html

from analytics.charts import plotly_js_url

register = template.Library()


@register.simple_tag
def plotly_js():
    return format_html('<script src="{}" charset="utf-8"></script>', plotly_js_url())
