"""The isolation walker: every URL pattern of an organization, every method, as a member of
org A pointing at org B's rows (and at org B itself). Nothing of B may show, nothing of B may
change. A URL kwarg or a viewset the walker cannot fill in fails the test: add a sample."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.tenancy.canaries import CANARY, WALKER_SAMPLES, build_canaries
from vsm.tenancy.context import cross_tenant
from vsm.tenancy.rls import tenant_models

ORG_PREFIXES = ("o/<slug:org_slug>/", "api/v1/orgs/<slug:org_slug>/")
METHODS = ("get", "post", "put", "patch", "delete")
KWARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def org_routes():
    routes = []
    for route, pattern in _walk(get_resolver()):
        route = route.lstrip("^")
        if route.startswith(ORG_PREFIXES) and "(?P<format>" not in route and ".(?P" not in route:
            routes.append((route, pattern))
    return routes


def _model_label_of(pattern) -> str | None:
    view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
    queryset = getattr(view_class, "queryset", None)
    return queryset.model._meta.label_lower if queryset is not None else None


def _public_with_secret(pattern) -> bool:
    """Views reached without signing in because a secret in the URL is the credential (calendar
    feeds): an anonymous visitor with a wrong secret gets 404, never a login page."""
    view_class = getattr(pattern.callback, "view_class", None)
    return getattr(view_class, "public_with_secret", False)


def fill(route: str, pattern, org_slug: str, rows: dict) -> str:
    def replace(match):
        name = match.group("name")
        if name == "org_slug":
            return org_slug
        if name in ("pk", "slug", "id"):
            label = _model_label_of(pattern)
            assert label in rows, (
                f"walker: {route} names {name} but its view declares no queryset of a canary model")
            return str(getattr(rows[label], "pk" if name in ("pk", "id") else "slug"))
        sample = WALKER_SAMPLES.get(name)
        assert sample is not None, f"walker: no sample for URL kwarg '{name}' in {route}; add one to WALKER_SAMPLES"
        return str(sample(rows))
    path = KWARG.sub(replace, route)
    return "/" + path.replace("^", "").replace("$", "").replace("\\Z", "")


def _snapshot_b(org_b):
    with cross_tenant(reason="isolation walker: compare org B before and after"):
        return {
            model._meta.label_lower: sorted(
                map(repr, model.cross_tenant_objects.filter(organization=org_b).values()))
            for model in tenant_models()
        }


@pytest.fixture
def world(org_a, org_b, owner_a, member_factory):
    rows = build_canaries(org_b)
    return rows


def _client_for(route, client_a, owner_a):
    if route.startswith("api/"):
        api = APIClient()
        api.force_login(owner_a)
        return api
    return client_a


def test_there_are_routes_to_walk():
    routes = [route for route, _ in org_routes()]
    assert any(r.startswith("o/") for r in routes) and any(r.startswith("api/") for r in routes)


@pytest.mark.django_db
def test_org_b_ids_answer_404_and_never_leak(world, org_a, org_b, client_a, owner_a):
    before = _snapshot_b(org_b)
    checked = 0
    for route, pattern in org_routes():
        has_ids = len(KWARG.findall(route)) > 1
        path = fill(route, pattern, org_a.slug, world)
        client = _client_for(route, client_a, owner_a)
        for method in METHODS:
            extra = {"format": "json"} if route.startswith("api/") else {}
            response = getattr(client, method)(path, data={}, **extra)
            body = response.content.decode(errors="replace")
            assert CANARY not in body, f"{method.upper()} {path} leaked org B's data"
            assert response.status_code < 500, f"{method.upper()} {path} answered {response.status_code}"
            if has_ids:
                assert response.status_code in (404, 405), (
                    f"{method.upper()} {path} (org B's id) answered {response.status_code}, expected 404/405")
            checked += 1
    assert checked > 0
    assert _snapshot_b(org_b) == before, "org B's rows changed"


@pytest.mark.django_db
def test_org_b_itself_answers_404_to_a_member_of_a(world, org_a, org_b, client_a, owner_a):
    before = _snapshot_b(org_b)
    for route, pattern in org_routes():
        path = fill(route, pattern, org_b.slug, world)
        client = _client_for(route, client_a, owner_a)
        for method in METHODS:
            response = getattr(client, method)(path, data={})
            assert response.status_code == 404, f"{method.upper()} {path} answered {response.status_code}"
            assert CANARY not in response.content.decode(errors="replace")
    assert _snapshot_b(org_b) == before


@pytest.mark.django_db
def test_anonymous_visitors_get_login_or_401(world, org_b, client):
    for route, pattern in org_routes():
        path = fill(route, pattern, org_b.slug, world)
        if route.startswith("api/"):
            response = APIClient().get(path)
            assert response.status_code in (401, 403, 404), f"GET {path} answered {response.status_code}"
        elif _public_with_secret(pattern):
            response = client.get(path)
            assert response.status_code == 404, path
        else:
            response = client.get(path)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
        assert CANARY not in response.content.decode(errors="replace")


@pytest.mark.django_db
def test_org_b_token_is_refused_by_org_a(world, org_a, org_b, token_factory):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_factory(org_b)}")
    for route, pattern in org_routes():
        if route.startswith("api/"):
            path = fill(route, pattern, org_a.slug, world)
            response = api.get(path)
            assert response.status_code == 401, f"GET {path} with org B's token answered {response.status_code}"
