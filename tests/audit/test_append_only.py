"""The trail is append-only in PostgreSQL itself: not even raw SQL as the application's role,
inside the organization's own context, can rewrite or erase it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from tests.factories import AuditEventFactory
from vsm.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
RAW = [
    f"UPDATE {TABLE} SET action = 'rewritten'",
    f"UPDATE {TABLE} SET before = NULL, after = NULL WHERE id = %(id)s",
    f"DELETE FROM {TABLE}",
    f"DELETE FROM {TABLE} WHERE id = %(id)s",
]


@pytest.fixture
def event(org_a, org_b):
    AuditEventFactory(organization=org_b, action="b.created")
    return AuditEventFactory(organization=org_a, action="service.created", after={"name": "Payments"})


@pytest.mark.parametrize("sql", RAW)
def test_raw_sql_cannot_change_the_trail(org_a, in_org, event, sql):
    with in_org(org_a):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {"id": event.pk})
        stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.after) == ("service.created", {"name": "Payments"})


@pytest.mark.parametrize("write", [
    lambda qs: qs.update(action="rewritten"),
    lambda qs: qs.delete(),
])
def test_the_orm_cannot_change_the_trail_either(org_a, in_org, event, write):
    with in_org(org_a):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            write(AuditEvent.objects.filter(pk=event.pk))
        assert AuditEvent.objects.get(pk=event.pk).action == "service.created"


def test_an_event_cannot_be_saved_again(org_a, in_org, event):
    event.action = "rewritten"
    with in_org(org_a), pytest.raises(Exception, match="append-only"), transaction.atomic():
        event.save()
