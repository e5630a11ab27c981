"""The schema fits a PostgreSQL distributed by organization (Citus and the like; docs/scaling.md):
every tenant table carries `organization_id`, and every unique constraint and unique index on one
includes it, so each can be enforced within one organization's shard. Read from the database
catalogue, so a unique index made by a migration of any app counts, not only the models' Meta.

The unique indexes listed in LACKING_THE_ORGANIZATION predate this test: each needs a migration in
its app that adds organization_id to it (docs/scaling.md); the list may only shrink. The digests
of API tokens, invitations and leases stay global on purpose: they are looked up before the
organization is known, and a distributed database keeps them in a lookup table of their own.

Primary keys are the other exception the docs discuss: `id` comes from one sequence, unique without
the organization; a distributed table would make the key (organization_id, id)."""

from __future__ import annotations

import pytest
from django.db import connection

from vsm.tenancy.rls import tenant_models

pytestmark = pytest.mark.django_db


LACKING_THE_ORGANIZATION = {
    # looked up before the organization is known
    "tenancy_apitoken_digest_key", "tenancy_invitation_digest_key", "environments_lease_token_digest_key",
    # unique per parent row, which belongs to one organization: add organization_id to each
    "analytics_workitemflow_work_item_id_key", "teammember_unique", "signoff_once_per_person",
    "integrations_changecontrolledenvironment_environment_id_key", "changerequestservice_unique",
    "deploymentcommit_unique", "transition_unique_external", "chatdelivery_unique",
    "deploymentactivity_unique_order", "freezewindowenv_unique", "phase_one_active_per_release",
    "phase_unique_order", "releasedependency_unique", "releaseservice_unique", "slotbooking_once_per_slot",
    "templatephase_unique_order",
}


def _tenant_tables() -> list[str]:
    return sorted({model._meta.db_table for model in tenant_models()})


def test_every_tenant_table_carries_the_organization():
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%s) AND NOT EXISTS (
                              SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                              AND a.attname = 'organization_id' AND NOT a.attisdropped)""", [_tenant_tables()])
        assert cursor.fetchall() == []
    assert len(_tenant_tables()) > 40  # the list is the models', not empty by mistake


def test_every_unique_index_of_a_tenant_table_includes_the_organization():
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indisunique AND NOT x.indisprimary AND t.relname = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid
                              AND a.attname = 'organization_id' AND a.attnum = ANY(x.indkey))
            ORDER BY 1""", [_tenant_tables()])
        lacking = dict(cursor.fetchall())
    new = {name: definition for name, definition in lacking.items() if name not in LACKING_THE_ORGANIZATION}
    assert new == {}, "a unique constraint of a tenant table must include organization"
    fixed = LACKING_THE_ORGANIZATION - set(lacking)
    assert fixed == set(), "fixed: take these out of LACKING_THE_ORGANIZATION"


def test_the_check_sees_unique_indexes_at_all():
    with connection.cursor() as cursor:
        cursor.execute("""SELECT count(*) FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
                          WHERE x.indisunique AND NOT x.indisprimary AND t.relname = ANY(%s)""", [_tenant_tables()])
        assert cursor.fetchone()[0] > 10
