"""Django's PostgreSQL backend with the tenant context's settings applied to every transaction
(vsm.tenancy.transaction_settings). Every alias in DATABASES uses it: the primary and the replicas."""

from __future__ import annotations

from django.db.backends.postgresql import base, operations

from vsm.tenancy.transaction_settings import apply_tenant_settings, without_settings


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        query = super().last_executed_query(cursor, sql, params)
        return None if query is None else without_settings(query)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(apply_tenant_settings)
