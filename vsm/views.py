"""Project-level views: the landing redirect, the health check and error pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from vsm.api.errors import json_not_found, json_server_error
from vsm.failopen import fail_open_counts
from vsm.tenancy.selectors import organizations_of


@login_required
def home(request):
    orgs = organizations_of(user=request.user)
    if len(orgs) == 1:
        return redirect("tenancy:org_home", org_slug=orgs[0].slug)
    return render(request, "tenancy/choose_organization.html", {"organizations": orgs})


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # report, never raise: this is what a load balancer polls
        return False, type(exc).__name__


def _check_broker() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "in-process (no REDIS_URL: tasks run eagerly)"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


@never_cache
def healthz(request):
    db_ok, db_status = _check_database()
    broker_ok, broker_status = _check_broker()
    # The database is the source of truth: without the broker Sluice is degraded, not down.
    status = "ok" if db_ok and broker_ok else ("degraded" if db_ok else "down")
    return JsonResponse(
        {"status": status, "database": db_status, "broker": broker_status,
         # Requests this process answered without Redis, by component (vsm/failopen.py).
         "redis_fail_open": fail_open_counts()},
        status=200 if db_ok else 503,
    )


# Machines call these paths (the API, webhook senders): their errors are JSON, never a page.
JSON_PATHS = ("/api/", "/hooks/")


def not_found(request, exception=None):
    if request.path.startswith(JSON_PATHS):
        return json_not_found(request, exception)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith(JSON_PATHS):
        return json_server_error(request)
    return render(request, "500.html", status=500)
