"""Changing a gate's name, owner and context: the service, the API (PATCH) and the gate page."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from gates import services
from gates.models import Gate, Status
from vsm.audit.models import AuditEvent
from vsm.errors import InvalidInput, PermissionRefused
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def gate(org_a, org_b, in_a, manager):
    return services.gate_create(actor=manager, name="Go-live", context={"release_version": "1.0"}, criteria=[
        {"title": "Smoke tests", "type": "automated", "rule": "ci_result_reported",
         "params": {"name": "smoke", "subject_from_context": "release_version"}}])


def test_the_owner_and_name_change_and_are_audited(gate, manager, member_factory):
    new_owner = member_factory(Role.RELEASE_MANAGER, email="rm2@acme.test")
    services.gate_update(actor=manager, gate=gate, name="Go-live 1.0", owner=new_owner)
    gate.refresh_from_db()
    assert (gate.name, gate.owner) == ("Go-live 1.0", new_owner)
    event = AuditEvent.objects.get(action="gate.updated")
    assert (event.before["name"], event.after["owner_id"]) == ("Go-live", new_owner.pk)


def test_a_new_context_decides_the_gate_again(gate, manager):
    services.ci_result_report(actor=manager, name="smoke", subject="2.0", passed=True)
    assert Gate.objects.get(pk=gate.pk).status == Status.PENDING
    services.gate_update(actor=manager, gate=gate, context={"release_version": "2.0"})
    assert Gate.objects.get(pk=gate.pk).status == Status.MET


def test_nothing_changed_writes_nothing(gate, manager):
    services.gate_update(actor=manager, gate=gate, name="Go-live")
    assert not AuditEvent.objects.filter(action="gate.updated").exists()


@pytest.mark.parametrize(("change", "field"), [({"name": " "}, "name"), ({"context": ["x"]}, "context")])
def test_bad_fields_are_named(gate, manager, change, field):
    with pytest.raises(InvalidInput) as refused:
        services.gate_update(actor=manager, gate=gate, **change)
    assert field in refused.value.fields


def test_an_owner_outside_the_organization_is_refused(gate, manager, member_factory, org_b):
    outsider = member_factory(Role.RELEASE_MANAGER, org=org_b, email="b@other.test")
    with pytest.raises(InvalidInput) as refused:
        services.gate_update(actor=manager, gate=gate, owner=outsider)
    assert "owner" in refused.value.fields


def test_only_release_managers_may_change_a_gate(gate, actor_of):
    with pytest.raises(PermissionRefused):
        services.gate_update(actor=actor_of(Role.APPROVER), gate=gate, name="Mine")


def test_the_api_patches_a_gate(gate, member_factory, org_a):
    client = APIClient()
    client.force_login(member_factory(Role.RELEASE_MANAGER, email="rm3@acme.test"))
    url = f"/api/v1/orgs/{org_a.slug}/gates/{gate.pk}/"
    response = client.patch(url, {"owner": "rm3@acme.test", "name": "Renamed"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    assert Gate.objects.get(pk=gate.pk).owner.email == "rm3@acme.test"
    refused = client.patch(url, {"context": "not an object"}, format="json")
    assert refused.status_code == 400 and "context" in refused.json()["error"]["fields"]


def test_the_gate_page_edits_the_gate_and_names_bad_fields(gate, member_factory, client, org_a):
    client.force_login(member_factory(Role.RELEASE_MANAGER, email="rm4@acme.test"))
    page = f"/o/{org_a.slug}/gates/{gate.pk}/"
    assert 'data-testid="gate-edit"' in client.get(page).content.decode()
    bad = client.post(f"{page}edit/", {"name": "Go-live", "owner": "", "context": "[1]"})
    assert bad.status_code == 400 and "The context is a JSON object" in bad.content.decode()
    nul = client.post(f"{page}edit/", {"name": "Go-live", "owner": "", "context": '{"release_version": "1\\u0000"}'})
    assert nul.status_code == 400 and "NUL character (\\u0000) (at release_version)" in nul.content.decode()
    done = client.post(f"{page}edit/", {"name": "Go-live 2", "owner": "rm4@acme.test",
                                        "context": '{"release_version": "1.0"}'})
    assert done.status_code == 302 and Gate.objects.get(pk=gate.pk).name == "Go-live 2"


def test_the_edit_form_is_only_for_release_managers(gate, member_factory, client, org_a):
    client.force_login(member_factory(Role.APPROVER, email="ap@acme.test"))
    page = f"/o/{org_a.slug}/gates/{gate.pk}/"
    assert 'data-testid="gate-edit"' not in client.get(page).content.decode()
    assert client.post(f"{page}edit/", {"name": "Mine"}).status_code == 403
