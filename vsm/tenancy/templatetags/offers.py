"""`membership|may:"app:url_name"`: whether a control posting to that page is offered. It asks the
page's own rule (OrgPageMixin.missing_permission), so a template never restates who may do what."""

from __future__ import annotations

from functools import cache

from django import template
from django.urls import URLPattern, URLResolver, get_resolver

from vsm.tenancy.pages import refusal_reason

register = template.Library()


def _views(patterns, namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _views(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", getattr(entry.callback, "view_class", None)


@cache
def _page_views() -> dict:
    return dict(_views(get_resolver().url_patterns))


def page_view(url_name: str):
    """The view class routed under `url_name` (namespaced, as for {% url %})."""
    found = _page_views()
    if url_name not in found:
        raise template.TemplateSyntaxError(f"no page named {url_name!r}")
    return found[url_name]


@register.filter
def may_open(membership, url_name: str) -> bool:
    """Whether `membership` may open (GET) the page named `url_name`: links to it are offered."""
    return membership is not None and page_view(url_name).missing_permission(membership, "GET") is None


@register.filter
def why_not(membership, url_name: str) -> str:
    """Why `membership` may not post to the page named `url_name` ("" when it may)."""
    missing = page_view(url_name).missing_permission(membership, "POST")
    return refusal_reason(missing, membership) if missing is not None else ""


@register.filter
def may(membership, url_name: str) -> bool:
    """Whether `membership` may post to the page named `url_name`."""
    view = page_view(url_name)
    return membership is not None and view.missing_permission(membership, "POST") is None
