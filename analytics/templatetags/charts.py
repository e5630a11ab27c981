"""`{% plotly_js %}`: loads plotly.js from our static files, and static/js/charts.js, which draws
the charts. Put it in the `head` block of pages that show charts made by
analytics.charts.figure_html, and only there:

    {% load charts %}
    {% block head %}{% plotly_js %}{% endblock %}

charts.js is deferred like htmx (base.html), so it runs after both and draws every chart.
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from analytics.charts import plotly_js_url

register = template.Library()


@register.simple_tag
def plotly_js():
    return format_html('<script src="{}" charset="utf-8"></script>\n<script src="{}" defer></script>',
                       plotly_js_url(), static("js/charts.js"))
