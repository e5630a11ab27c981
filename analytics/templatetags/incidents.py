"""Open incidents on any page, including pages of apps that come before analytics (the
organization's home):

    {% load incidents %}
    {% open_incidents %}                 the organization's, read here
    {% open_incidents incidents %}       rows a view has read for its scope
    {{ incident.severity|severity }}     "Sev 1"
"""

from django import template

from analytics.dora.incidents import open_incident_list, severity_words

register = template.Library()


@register.inclusion_tag("analytics/_open_incidents.html", takes_context=True)
def open_incidents(context, incidents=None):
    if incidents is None:
        incidents = open_incident_list()
    request = context.get("request")
    return {"incidents": incidents, "organization": getattr(request, "organization", None)}


@register.filter
def severity(value) -> str:
    return severity_words(value)
