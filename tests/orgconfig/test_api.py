"""The configuration file over the API: export, plan, apply, prune, drift and invalid files."""

from __future__ import annotations

from pathlib import Path

import pytest

from environments.models import Environment
from integrations.models import Deployment
from orgconfig.models import ChangeSet, ManagedObject
from releases.models import FreezeWindow
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.integrations.factories import DeploymentFactory
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

SAMPLE = (Path(__file__).parent / "sample.yaml").read_bytes()
YAML = "application/yaml"


def url(org, path: str) -> str:
    return f"/api/v1/orgs/{org.slug}/config/{path}"


@pytest.fixture
def people(org_a):
    for email in ("lead@acme.test", "dev@acme.test"):
        MembershipFactory(organization=org_a, user=UserFactory(email=email), role=Role.ENGINEER)


def post(api, org, path: str, body: bytes):
    return api.generic("POST", url(org, path), body, content_type=YAML)


def apply(api, org, body: bytes = SAMPLE, query: str = ""):
    response = post(api, org, f"apply/{query}", body)
    assert response.status_code == 200, response.content
    return response.json()


def export(api, org) -> bytes:
    response = api.get(url(org, "export/"))
    assert response.status_code == 200
    assert response["Content-Type"] == YAML
    return response.content


def test_apply_then_plan_is_empty_and_export_is_stable(api_owner_a, org_a, people, in_org):
    applied = apply(api_owner_a, org_a)
    assert applied["change_set"] is not None
    assert {(c["action"], c["kind"], c["key"]) for c in applied["changes"]} >= {
        ("create", "services", "payments-api"), ("create", "freeze_windows", "Year-end freeze"),
        ("create", "value_stream_maps", "payments"), ("create", "delivery_settings", "delivery_settings")}
    assert post(api_owner_a, org_a, "plan/", SAMPLE).json() == {"changes": []}
    first = export(api_owner_a, org_a)
    assert export(api_owner_a, org_a) == first
    # What was applied is what is stored.
    with in_org(org_a):
        service = Service.objects.get(slug="payments-api")
        assert (service.team.slug, service.value_stream.slug) == ("core", "payments")
        assert Environment.objects.get(slug="payments-sit").group.slug == "sit-stack"
        assert ManagedObject.objects.filter(section="services").count() == 2
        change_set = ChangeSet.objects.get()
        assert AuditEvent.objects.filter(request_id=change_set.request_id, action="service.created").count() == 2
    # Applying the same file again changes nothing and records nothing.
    again = apply(api_owner_a, org_a)
    assert again == {"changes": [], "change_set": None}


def test_export_applied_to_an_empty_organization_exports_the_same_bytes(api_owner_a, org_a, people, token_client):
    apply(api_owner_a, org_a)
    exported = export(api_owner_a, org_a)
    empty = OrganizationFactory(slug="empty")
    for email in ("lead@acme.test", "dev@acme.test"):
        MembershipFactory(organization=empty, user=UserFactory._meta.model.objects.get(email=email))
    api = token_client(empty, role=Role.OWNER)
    apply(api, empty, exported)
    assert export(api, empty) == exported
    assert post(api, empty, "plan/", exported).json() == {"changes": []}


def test_plan_names_each_change_and_writes_nothing(api_owner_a, org_a, people, in_org):
    apply(api_owner_a, org_a)
    edited = SAMPLE.replace(b"name: Ledger", b"name: General ledger").replace(b"capacity: 2\n- slug",
                                                                               b"capacity: 3\n- slug")
    changes = post(api_owner_a, org_a, "plan/", edited).json()["changes"]
    assert changes == [
        {"action": "update", "kind": "services", "key": "ledger",
         "fields": {"name": {"from": "Ledger", "to": "General ledger"}}},
        {"action": "update", "kind": "environments", "key": "payments-sit",
         "fields": {"capacity": {"from": 2, "to": 3}}},
    ]
    with in_org(org_a):
        assert Service.objects.get(slug="ledger").name == "Ledger"


def test_objects_not_in_the_file_stay_unless_pruned(api_owner_a, org_a, people, in_org):
    apply(api_owner_a, org_a)
    smaller = SAMPLE.replace(b"- slug: ledger\n  name: Ledger\n  value_stream: payments\n", b"")
    assert post(api_owner_a, org_a, "plan/", smaller).json() == {"changes": []}
    assert post(api_owner_a, org_a, "plan/?prune=true", smaller).json()["changes"] == [
        {"action": "delete", "kind": "services", "key": "ledger", "fields": {}}]
    apply(api_owner_a, org_a, smaller, "?prune=true&source=3f2a9c1")
    with in_org(org_a):
        assert not Service.objects.filter(slug="ledger").exists()
        assert ChangeSet.objects.first().source == "3f2a9c1"


def test_a_prune_that_would_break_references_is_refused_and_changes_nothing(api_owner_a, org_a, people, in_org):
    apply(api_owner_a, org_a)
    with in_org(org_a):
        DeploymentFactory(organization=org_a, service=Service.objects.get(slug="ledger"),
                          environment=Environment.objects.get(slug="payments-prod"))
    smaller = SAMPLE.replace(b"- slug: ledger\n  name: Ledger\n  value_stream: payments\n", b"").replace(
        b"name: Payments API", b"name: Payments")
    response = post(api_owner_a, org_a, "apply/?prune=true", smaller)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["details"]["kind"] == "services" and error["details"]["key"] == "ledger"
    assert "referenced by 1 deployment" in error["message"]
    with in_org(org_a):
        assert Service.objects.get(slug="payments-api").name == "Payments API"  # the whole apply rolled back
        assert Deployment.objects.count() == 1


def test_a_manual_change_to_a_managed_object_shows_as_drift(api_owner_a, org_a, people, in_org):
    apply(api_owner_a, org_a)
    with in_org(org_a):
        FreezeWindow.objects.filter(name="Year-end freeze").update(reason="changed on the page")
    changes = post(api_owner_a, org_a, "plan/", SAMPLE).json()["changes"]
    assert changes == [{"action": "update", "kind": "freeze_windows", "key": "Year-end freeze", "drift": True,
                        "fields": {"reason": {"from": "changed on the page", "to": "Peak trading"}}}]
    apply(api_owner_a, org_a)
    with in_org(org_a):
        assert FreezeWindow.objects.get(name="Year-end freeze").reason == "Peak trading"


@pytest.mark.parametrize(("edit", "line", "field", "words"), [
    ((b"  team: core\n- slug: ledger", b"  team: nobody\n- slug: ledger"), 20, "services[0].team",
     "No team 'nobody'"),
    ((b"tier: integration\n  value_stream", b"tier: moon\n  value_stream"), 30, "environments[0].tier",
     "'moon' is not one of"),
    ((b"  capacity: 2\n- slug", b"  capacity: many\n- slug"), 34, "environments[0].capacity", "not of type"),
    ((b"      signer_role: approver", b"      signer_role: approver\n      rule: nope"), 59,
     "release_templates[0].phases[0].exit_criteria[0].rule", "no rule"),
    ((b"name: Ledger", b"name: Ledger\n  colour: red"), 21, "services[1]", "'colour' was unexpected"),
    ((b"  - email: dev@acme.test", b"  - email: stranger@acme.test"), 11, "teams[0].members",
     "stranger@acme.test"),
    ((b"'2026-12-20T00:00:00+01:00'", b"'2026-12-20T00:00:00'"), 66, "freeze_windows[0].starts_at",
     "UTC offset"),
    ((b"- slug: lending", b"- slug: payments"), 6, "value_streams[1].slug", "given twice"),
])
def test_an_invalid_file_names_line_and_field_and_changes_nothing(api_owner_a, org_a, people, in_org, edit, line,
                                                                    field, words):
    body = SAMPLE.replace(*edit)
    assert body != SAMPLE
    for path in ("plan/", "apply/"):
        response = post(api_owner_a, org_a, path, body)
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] == "invalid"
        problem = error["details"]["errors"][0]
        assert (problem["line"], problem["field"]) == (line, field), error
        assert words in problem["message"]
        assert field in error["fields"]
        assert f"line {line}:" in error["message"]
    with in_org(org_a):
        assert not Service.objects.exists() and not ChangeSet.objects.exists()


@pytest.mark.parametrize(("body", "words"), [
    (b"version: 1\nservices: [\n", "Not valid YAML"),
    (b"", "empty"),
    (b"version: 2\n", "version"),
    (b"- a\n- b\n", "not of type 'object'"),
    (b"version: 1\nvalue_streams:\n- &a {slug: x, name: X}\n- *a\n", "aliases"),
    (b"\xff\xfe", "UTF-8"),
    (b"[" * 2000, "Nested"),
])
def test_a_body_that_is_no_file_answers_400(api_owner_a, org_a, body, words):
    response = post(api_owner_a, org_a, "plan/", body)
    assert response.status_code == 400, response.content
    assert words in response.json()["error"]["message"]


def test_plan_and_apply_need_the_organization_managed(api_a, org_a):
    assert post(api_a, org_a, "plan/", SAMPLE).status_code == 403
    assert post(api_a, org_a, "apply/", SAMPLE).status_code == 403
    assert api_a.get(url(org_a, "export/")).status_code == 200
    assert api_a.get(url(org_a, "schema/")).json()["properties"]["version"] == {"const": 1}


def test_the_schema_in_the_repository_is_the_generated_one():
    import json

    from orgconfig.spec import json_schema
    kept = Path(__file__).resolve().parents[2] / "docs" / "config-schema.v1.json"
    assert json.loads(kept.read_text()) == json_schema(), "run: manage.py config_schema > docs/config-schema.v1.json"


def test_prune_removes_an_environment_through_its_service(api_owner_a, org_a, people, in_org):
    apply(api_owner_a, org_a)
    start = SAMPLE.index(b"- slug: payments-sit")
    smaller = SAMPLE[:start] + SAMPLE[SAMPLE.index(b"- slug: payments-prod"):]
    assert post(api_owner_a, org_a, "plan/?prune=true", smaller).json()["changes"] == [
        {"action": "delete", "kind": "environments", "key": "payments-sit", "fields": {}}]
    apply(api_owner_a, org_a, smaller, "?prune=true")
    with in_org(org_a):
        assert not Environment.objects.filter(slug="payments-sit").exists()
        assert AuditEvent.objects.filter(action="environment.deleted").count() == 1
