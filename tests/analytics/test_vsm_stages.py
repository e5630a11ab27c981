"""Defining the stages of a value stream map: the services (validation naming fields, audit,
administrators only) and the pages (list, add, edit, delete with confirmation)."""

from __future__ import annotations

import pytest

from analytics.models import ValueStreamStage
from analytics.streammap.selectors import value_stream_map_stages
from analytics.streammap.services import (
    value_stream_stage_create,
    value_stream_stage_delete,
    value_stream_stage_update,
    value_stream_stages_copy_defaults,
)
from tests.analytics.factories import ValueStreamStageFactory
from tests.factories import ValueStreamFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

PAGE = "/o/acme/analytics/value-stream-map/stages/"


@pytest.fixture
def admin(owner_a):
    return Actor(role=Role.ADMIN, user=owner_a)


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "", "start_event": "pr_opened", "end_event": "pr_merged"}, "name"),
    ({"name": "x" * 81, "start_event": "pr_opened", "end_event": "pr_merged"}, "name"),
    ({"name": "Review", "start_event": "coffee", "end_event": "pr_merged"}, "start_event"),
    ({"name": "Review", "start_event": "pr_merged", "end_event": "pr_opened"}, "end_event"),
    ({"name": "Review", "start_event": "pr_merged", "end_event": "pr_merged"}, "end_event"),
])
def test_validation_names_the_field(org_a, admin, fields, field):
    with tenant_context(org_a), pytest.raises(InvalidInput) as refused:
        value_stream_stage_create(actor=admin, value_stream=None, **fields)
    assert field in refused.value.fields


@pytest.mark.parametrize("role", [Role.RELEASE_MANAGER, Role.ENGINEER, Role.VIEWER])
def test_only_administrators_define_stages(org_a, owner_a, role):
    with tenant_context(org_a), pytest.raises(PermissionRefused):
        value_stream_stage_create(actor=Actor(role=role, user=owner_a), value_stream=None, name="Review",
                                  start_event="pr_opened", end_event="pr_merged")


def test_create_update_delete_are_audited_and_inheritance_follows(org_a, org_b, admin):
    with tenant_context(org_b):
        ValueStreamStageFactory(organization=org_b, name="CANARY-B stage")
    with tenant_context(org_a):
        stream = ValueStreamFactory(organization=org_a, slug="payments")
        assert value_stream_map_stages(value_stream_id=stream.pk)[1] == "built_in"
        default = value_stream_stage_create(actor=admin, value_stream=None, name="Start to done",
                                            start_event="work_started", end_event="work_done")
        assert value_stream_map_stages(value_stream_id=stream.pk)[1] == "organization"
        own = value_stream_stage_create(actor=admin, value_stream=stream, name="Review", start_event="pr_opened",
                                        end_event="pr_first_review")
        second = value_stream_stage_create(actor=admin, value_stream=stream, name="Merge",
                                           start_event="pr_first_review", end_event="pr_merged")
        assert (own.position, second.position) == (1, 2)
        stages, origin = value_stream_map_stages(value_stream_id=stream.pk)
        assert origin == "value_stream" and [s.name for s in stages] == ["Review", "Merge"]
        value_stream_stage_update(actor=admin, stage=own, name="Waiting for review", start_event="pr_opened",
                                  end_event="pr_first_review", position=3)
        assert [s.name for s in value_stream_map_stages(value_stream_id=stream.pk)[0]] == ["Merge",
                                                                                          "Waiting for review"]
        value_stream_stage_delete(actor=admin, stage=own)
        value_stream_stage_delete(actor=admin, stage=second)
        assert value_stream_map_stages(value_stream_id=stream.pk)[0][0].id == default.pk
        actions = list(AuditEvent.objects.filter(object_type="analytics.valuestreamstage")
                       .order_by("id").values_list("action", flat=True))
    assert actions == ["valuestreamstage.created"] * 3 + ["valuestreamstage.updated"] + ["valuestreamstage.deleted"] * 2


def test_copy_defaults_once(org_a, admin):
    with tenant_context(org_a):
        stages = value_stream_stages_copy_defaults(actor=admin, value_stream=None)
        assert [s.position for s in stages] == [1, 2, 3, 4, 5]
        with pytest.raises(Conflict):
            value_stream_stages_copy_defaults(actor=admin, value_stream=None)


def test_pages_add_edit_and_delete_after_confirmation(client_a, org_a):
    with tenant_context(org_a):
        ValueStreamFactory(organization=org_a, slug="payments", name="Payments")
    assert client_a.get(f"{PAGE}?value_stream=payments").status_code == 200
    response = client_a.post(f"{PAGE}?value_stream=payments",
                             {"name": "Review", "start_event": "pr_merged", "end_event": "pr_opened"})
    assert response.status_code == 400 and "must come after" in response.content.decode()
    response = client_a.post(f"{PAGE}?value_stream=payments",
                             {"name": "Review", "start_event": "pr_opened", "end_event": "pr_merged"})
    assert response.status_code == 302 and response["Location"].endswith("?value_stream=payments")
    with tenant_context(org_a):
        stage = ValueStreamStage.objects.get()
    assert "Review" in client_a.get(f"{PAGE}?value_stream=payments").content.decode()
    response = client_a.post(f"{PAGE}{stage.pk}/", {"name": "Code review", "start_event": "pr_opened",
                                                    "end_event": "pr_first_review", "position": "2"})
    assert response.status_code == 302
    confirm = client_a.get(f"{PAGE}{stage.pk}/delete/")
    assert confirm.status_code == 200 and 'data-testid="confirm-delete"' in confirm.content.decode()
    with tenant_context(org_a):
        assert ValueStreamStage.objects.get().name == "Code review"
    assert client_a.post(f"{PAGE}{stage.pk}/delete/").status_code == 302
    with tenant_context(org_a):
        assert not ValueStreamStage.objects.exists()


def test_the_stage_pages_are_for_administrators(client, org_a, member_factory):
    client.force_login(member_factory(Role.RELEASE_MANAGER))
    assert client.get(PAGE).status_code == 403
    stage = {"name": "Review", "start_event": "pr_opened", "end_event": "pr_merged"}
    assert client.post(PAGE, stage).status_code == 403


def test_a_value_stream_no_slug_can_name_is_not_found(client_a, org_a):
    # A NUL character reaches no query (PostgreSQL would refuse it): no such value stream.
    assert client_a.get(f"{PAGE}?value_stream=a%00b").status_code == 404
