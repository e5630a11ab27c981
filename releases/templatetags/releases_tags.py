"""`{% freeze_banner %}`: the freezes in force, as a banner, on any page of an organization.

    {% load releases_tags %}
    {% freeze_banner %}                          every freeze in force anywhere in the organization
    {% freeze_banner environment=env %}          those that stop deployments into `env`
    {% freeze_banner value_stream=stream %}      those of the organization and of `stream`
    {% freeze_banner release=release %}          those on any environment of the release's phases

It reads the current tenant context (pages render inside it) and shows nothing outside one.
"""

from __future__ import annotations

from django import template

from releases.selectors import freeze_active, freeze_active_anywhere_in
from vsm.tenancy.context import current_org_id

register = template.Library()


@register.inclusion_tag("releases/_freeze_banner.html", takes_context=True)
def freeze_banner(context, environment=None, value_stream=None, release=None):
    if current_org_id() is None:
        return {"freezes": []}
    if release is not None:
        environments = [p.environment for p in release.phases.all() if p.environment_id]
        running = freeze_active_anywhere_in(environments=environments, value_stream=release.value_stream_id)
    else:
        running = freeze_active(environment=environment, value_stream=value_stream)
    return {"freezes": running, "org": context.get("org")}
