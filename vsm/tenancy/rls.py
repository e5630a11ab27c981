"""PostgreSQL row-level security for every tenant table: the backstop behind the managers.

Applied after every migrate (idempotently) to every concrete TenantScopedModel, so a new model
cannot be forgotten. FORCE makes the policies bind the table owner too, which is the role the
application connects as.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connections

from vsm.tenancy.context import CROSS_TENANT_SETTING, ORG_SETTING
from vsm.tenancy.scoping import TenantScopedModel

_SAME_ORG = f"organization_id = NULLIF(current_setting('{ORG_SETTING}', true), '')::bigint"
_CROSS = f"current_setting('{CROSS_TENANT_SETTING}', true) = 'on'"

_REFUSE_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION sluice_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def tenant_models() -> list[type[TenantScopedModel]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantScopedModel) and not model._meta.proxy and model._meta.managed
    ]


def _statements(model: type[TenantScopedModel]) -> list[str]:
    table = model._meta.db_table
    quoted = f'"{table}"'
    statements = [
        f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY",
    ]
    for name in ("tenant_isolation", "tenant_read", "tenant_insert"):
        statements.append(f"DROP POLICY IF EXISTS {name} ON {quoted}")
    if getattr(model, "append_only", False):
        # Reads and inserts only; the trigger turns any UPDATE or DELETE into an error.
        statements += [
            f"CREATE POLICY tenant_read ON {quoted} FOR SELECT USING ({_SAME_ORG} OR {_CROSS})",
            f"CREATE POLICY tenant_insert ON {quoted} FOR INSERT WITH CHECK ({_SAME_ORG})",
            f"DROP TRIGGER IF EXISTS append_only ON {quoted}",
            f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {quoted} "
            "FOR EACH STATEMENT EXECUTE FUNCTION sluice_refuse_change()",
        ]
    else:
        statements.append(
            f"CREATE POLICY tenant_isolation ON {quoted} USING ({_SAME_ORG} OR {_CROSS}) "
            f"WITH CHECK ({_SAME_ORG})"
        )
    return statements


def ensure_row_level_security(using: str = "default") -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(_REFUSE_CHANGE_FUNCTION)
        for model in tenant_models():
            for statement in _statements(model):
                cursor.execute(statement)
