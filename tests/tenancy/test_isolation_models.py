"""Every model is tenant-scoped or allowlisted with a reason; RLS is on and forced for every
tenant table; the app role cannot bypass it; raw SQL outside a context sees nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, transaction

from tests.tenancy.canaries import CANARY_BUILDERS, build_canaries
from vsm.catalog.models import Service, Team
from vsm.tenancy.context import TenantContextMissing, TenantMismatch, cross_tenant, tenant_context
from vsm.tenancy.rls import tenant_models
from vsm.tenancy.scoping import TenantScopedModel

# Models that are not owned by one organization, and why.
ALLOWLIST = {
    "tenancy.organization": "the tenant itself",
    "accounts.user": "a person may belong to several organizations",
    "auth.permission": "Django's permission catalogue, global by design",
    "auth.group": "unused Django groups; roles live in Membership",
    "auth.group_permissions": "unused Django group-permission link",
    "accounts.user_groups": "Django's user-group link, unused",
    "accounts.user_user_permissions": "Django's user-permission link, unused",
    "contenttypes.contenttype": "Django's model registry, global",
    "sessions.session": "a browser session precedes any organization",
    "axes.accessattempt": "login throttling happens before an organization is known",
    "axes.accesslog": "login throttling happens before an organization is known",
    "axes.accessfailurelog": "login throttling happens before an organization is known",
    "axes.accessattemptexpiration": "login throttling happens before an organization is known",
}


def _all_models():
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.abstract and not model._meta.proxy:
            yield model


def test_every_model_is_tenant_scoped_or_allowlisted():
    offenders = [
        m._meta.label_lower for m in _all_models()
        if not issubclass(m, TenantScopedModel) and m._meta.label_lower not in ALLOWLIST
    ]
    assert offenders == [], f"not tenant-scoped and not allowlisted with a reason: {offenders}"


def test_every_tenant_model_has_a_canary():
    missing = {m._meta.label_lower for m in tenant_models()} - set(CANARY_BUILDERS)
    assert missing == set(), f"add canary builders for {sorted(missing)} in tests/tenancy/canaries.py"


@pytest.mark.django_db
def test_rls_is_enabled_and_forced_on_every_tenant_table():
    tables = [m._meta.db_table for m in tenant_models()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(%s)", [tables])
        state = {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()}
    assert set(state) == set(tables)
    assert all(state[t] == (True, True) for t in tables), state


@pytest.mark.django_db
def test_the_app_role_is_neither_superuser_nor_bypassrls():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


@pytest.mark.django_db
def test_raw_sql_outside_a_context_sees_no_rows(org_a, org_b):
    build_canaries(org_b)
    with connection.cursor() as cursor:
        for model in tenant_models():
            cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')
            assert cursor.fetchone()[0] == 0, model._meta.label_lower


@pytest.mark.django_db
def test_raw_sql_in_a_context_sees_only_that_org(org_a, org_b):
    rows_b = build_canaries(org_b)
    build_canaries(org_a)
    with tenant_context(org_a), connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT organization_id FROM {Service._meta.db_table}")
        assert cursor.fetchall() == [(org_a.pk,)]
        # Inserting a row of another organization is refused by the policy's WITH CHECK.
        with pytest.raises(Exception, match="row-level security"), transaction.atomic():
            cursor.execute(
                f"INSERT INTO {Team._meta.db_table} (organization_id, name, slug, description, created_at) "
                "VALUES (%s, 'x', 'x', '', now())", [org_b.pk])
    assert rows_b


@pytest.mark.django_db
def test_managers_fail_closed_outside_a_context(org_a):
    queryset = Service.objects.all()  # building is fine (import-time querysets) ...
    with pytest.raises(TenantContextMissing):
        list(queryset)  # ... running is not
    with pytest.raises(TenantContextMissing):
        Service.cross_tenant_objects.count()
    with cross_tenant(reason="test"):
        assert Service.cross_tenant_objects.count() == 0


@pytest.mark.django_db
def test_saving_into_another_org_is_refused(org_a, org_b):
    rows_b = build_canaries(org_b)
    service = rows_b["catalog.service"]
    with tenant_context(org_a), pytest.raises(TenantMismatch):
        service.save()


def test_cross_tenant_needs_a_reason():
    with pytest.raises(ValueError), cross_tenant(reason=" "):
        pass
