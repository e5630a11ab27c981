"""The gates API as release managers, approvers and CI jobs use it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from gates.models import CIResult, Criterion, Gate, SignOff, Status
from tests.gates.factories import (
    AutomatedCriterionFactory,
    CIResultFactory,
    CriterionFactory,
    GateFactory,
    SignOffFactory,
    WaiverFactory,
)
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme"
MANUAL = {"title": "CAB approval", "type": "manual", "signer_role": "approver"}


def error(response) -> dict:
    return response.json()["error"]


def field_names(response) -> set[str]:
    """The fields an error names, list positions written [i]. DRF reports nested list errors
    keyed by position, which the shared error shape currently renders as `.i`."""
    return {re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", name) for name in error(response)["fields"]}


def future(days: int = 2) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


# --- gates -------------------------------------------------------------------------------------

def test_a_release_manager_creates_a_gate_with_criteria(org_a, org_b, api_as, member_factory):
    owner = member_factory(Role.RELEASE_MANAGER, email="rm@acme.test")
    response = api_as(Role.RELEASE_MANAGER).post(f"{API}/gates/", {
        "name": "Go-live", "owner": owner.email, "context": {"release_version": "2.4.0"},
        "criteria": [{**MANUAL, "required_sign_offs": 2},
                     {"title": "Integration tests", "type": "automated", "rule": "ci_result_reported",
                      "params": {"name": "integration", "subject_from_context": "release_version"}}],
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["kind"], body["owner"], body["status"]) == ("Go-live", "custom", "rm@acme.test",
                                                                             "pending")
    assert [(c["title"], c["state"], c["required_sign_offs"]) for c in body["criteria"]] == [
        ("CAB approval", "pending", 2), ("Integration tests", "pending", 1)]
    assert body["criteria"][1]["latest_evaluation"]["values"]["subject"] == "2.4.0"


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.APPROVER, Role.VIEWER])
def test_creating_a_gate_needs_manage_releases(org_a, org_b, api_as, role):
    response = api_as(role).post(f"{API}/gates/", {"name": "Go-live"}, format="json")
    assert response.status_code == 403
    with tenant_context(org_a):
        assert not Gate.objects.filter(name="Go-live").exists()


def test_the_gate_list_filters_by_status_and_stays_within_its_queries(
        org_a, org_b, api_a, member_factory, django_assert_max_num_queries):
    for index in range(12):
        gate = GateFactory(organization=org_a, status=Status.MET if index % 3 == 0 else Status.PENDING,
                           owner=member_factory(Role.RELEASE_MANAGER))
        CriterionFactory.create_batch(2, organization=org_a, gate=gate, state=gate.status)
    GateFactory(organization=org_b, status=Status.MET, name="CANARY-B gate")
    with django_assert_max_num_queries(7):
        response = api_a.get(f"{API}/gates/?status=met")
    body = response.json()
    assert body["count"] == 4 and {g["status"] for g in body["results"]} == {"met"}
    assert {(g["criteria_count"], g["met_count"]) for g in body["results"]} == {(2, 2)}
    assert "CANARY-B" not in response.content.decode()
    assert api_a.get(f"{API}/gates/?status=pending&kind=custom").json()["count"] == 8


def test_a_gate_shows_its_criteria_sign_offs_waivers_and_evidence(org_a, gate, criterion, api_a):
    automated = AutomatedCriterionFactory(organization=org_a, gate=gate, title="Tests")
    SignOffFactory(organization=org_a, criterion=criterion, user_label="ann@acme.test", comment="ok")
    WaiverFactory(organization=org_a, criterion=automated, reason="Flaky suite, fix in 2.4.1")
    WaiverFactory(organization=org_a, criterion=automated, reason="old", granted_at=timezone.now() - timedelta(days=3),
                  expires_at=timezone.now() - timedelta(days=1))
    assert api_a.post(f"{API}/gates/{gate.pk}/evaluate/").status_code == 200

    body = api_a.get(f"{API}/gates/{gate.pk}/").json()

    by_title = {c["title"]: c for c in body["criteria"]}
    assert body["status"] == "pending"
    assert by_title["CAB approval"]["state"] == "met"
    assert by_title["CAB approval"]["sign_offs"][0] | {"id": 0, "signed_at": ""} == {
        "id": 0, "criterion": criterion.pk, "by": "ann@acme.test", "role": "approver", "decision": "approve",
        "comment": "ok", "signed_at": ""}
    tests = by_title["Tests"]
    assert tests["state"] == "waived"
    assert [(w["reason"], w["active"]) for w in tests["waivers"]] == [("Flaky suite, fix in 2.4.1", True),
                                                                       ("old", False)]
    assert tests["latest_evaluation"]["outcome"] == "waived"
    assert tests["latest_evaluation"]["rule"] == "ci_result_reported"
    assert tests["latest_evaluation"]["evaluated_by"] == "token:ci"


@pytest.mark.parametrize("method, path", [
    ("get", "gates/{g}/"), ("post", "gates/{g}/evaluate/"), ("get", "criteria/{c}/"), ("patch", "criteria/{c}/"),
    ("delete", "criteria/{c}/"), ("post", "criteria/{c}/sign-offs/"), ("post", "criteria/{c}/waivers/"),
    ("get", "waivers/{w}/"), ("delete", "waivers/{w}/"), ("get", "ci-results/{r}/"),
])
def test_another_organizations_rows_answer_404(org_a, org_b, api_owner_a, method, path):
    criterion_b = CriterionFactory(organization=org_b)
    waiver_b = WaiverFactory(organization=org_b, criterion=criterion_b)
    result_b = CIResultFactory(organization=org_b)
    url = f"{API}/" + path.format(g=criterion_b.gate_id, c=criterion_b.pk, w=waiver_b.pk, r=result_b.pk)
    assert getattr(api_owner_a, method)(url, {"decision": "approve"}, format="json").status_code == 404


# --- criteria ----------------------------------------------------------------------------------

def test_criteria_are_added_changed_and_removed(org_a, gate, api_owner_a):
    created = api_owner_a.post(f"{API}/criteria/", {"gate": gate.pk, **MANUAL}, format="json")
    assert created.status_code == 201 and created.json()["order"] == 1
    url = f"{API}/criteria/{created.json()['id']}/"
    changed = api_owner_a.patch(url, {"required_sign_offs": 3, "title": "CAB (3)"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["required_sign_offs"]) == ("CAB (3)", 3)
    assert api_owner_a.get(url).json()["summary"] == "0 of 3 approvals by the Approver role."
    assert api_owner_a.delete(url).status_code == 204
    with tenant_context(org_a):
        assert not Criterion.objects.exists()


# --- sign-offs and waivers ---------------------------------------------------------------------

def test_an_approver_signs_off_and_gets_the_gate_back(org_a, gate, criterion, api_as):
    response = api_as(Role.APPROVER, email="ann@acme.test").post(
        f"{API}/criteria/{criterion.pk}/sign-offs/", {"decision": "approve", "comment": "Rollback tested"},
        format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["sign_off"]["by"] == "ann@acme.test" and body["sign_off"]["comment"] == "Rollback tested"
    assert body["gate"]["status"] == "met" and body["gate"]["criteria"][0]["state"] == "met"


@pytest.mark.parametrize("who, status, code", [
    ("engineer", 403, "permission_denied"),
    ("token", 403, "permission_denied"),
    ("owner_of_gate", 403, "permission_denied"),
    ("twice", 409, "conflict"),
])
def test_sign_off_refusals(org_a, gate, criterion, api_as, api_owner_a, who, status, code):
    client = {"engineer": lambda: api_as(Role.ENGINEER), "token": lambda: api_owner_a,
              "owner_of_gate": lambda: api_as(Role.APPROVER), "twice": lambda: api_as(Role.APPROVER)}[who]()
    if who == "owner_of_gate":
        gate.owner = client.user
        with tenant_context(org_a):
            gate.save()
    url = f"{API}/criteria/{criterion.pk}/sign-offs/"
    if who == "twice":
        criterion.required_sign_offs = 2
        with tenant_context(org_a):
            criterion.save()
        assert client.post(url, {"decision": "approve"}, format="json").status_code == 201
    response = client.post(url, {"decision": "approve"}, format="json")
    assert response.status_code == status and error(response)["code"] == code
    with tenant_context(org_a):
        assert SignOff.objects.count() == (1 if who == "twice" else 0)


def test_an_automated_criterion_refuses_a_sign_off_with_400(org_a, gate, api_as):
    automated = AutomatedCriterionFactory(organization=org_a, gate=gate, title="Tests passed")
    response = api_as(Role.OWNER).post(f"{API}/criteria/{automated.pk}/sign-offs/", {"decision": "approve"},
                                       format="json")
    assert response.status_code == 400
    assert "automated" in error(response)["message"] and list(error(response)["fields"]) == ["criterion"]


def test_a_waiver_is_granted_and_revoked(org_a, gate, criterion, api_as):
    manager = api_as(Role.RELEASE_MANAGER)
    response = manager.post(f"{API}/criteria/{criterion.pk}/waivers/",
                            {"reason": "CAB meets Monday", "expires_at": future()}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["waiver"]["active"] is True and body["gate"]["criteria"][0]["state"] == "waived"
    assert body["gate"]["status"] == "pending"
    revoked = manager.delete(f"{API}/waivers/{body['waiver']['id']}/")
    assert revoked.status_code == 200 and revoked.json()["waiver"]["active"] is False
    assert revoked.json()["gate"]["criteria"][0]["state"] == "pending"
    assert api_as(Role.APPROVER).post(f"{API}/criteria/{criterion.pk}/waivers/",
                                      {"reason": "x", "expires_at": future()}, format="json").status_code == 403


# --- CI results --------------------------------------------------------------------------------

def test_ci_reports_a_result_idempotently(org_a, org_b, api_a):
    body = {"name": "integration", "subject": "2.4.0", "passed": True, "summary": "412 passed",
            "evidence_url": "https://ci.test/8812", "external_id": "pipeline-8812"}
    first = api_a.post(f"{API}/ci-results/", body, format="json")
    replay = api_a.post(f"{API}/ci-results/", body, format="json")
    assert (first.status_code, replay.status_code) == (201, 200)
    assert first.json() == replay.json() and first.json()["reported_by"] == "token:ci"
    keyed = [api_a.post(f"{API}/ci-results/", {**body, "external_id": ""}, format="json",
                        HTTP_IDEMPOTENCY_KEY="pipeline-8813") for _ in range(2)]
    assert [r.status_code for r in keyed] == [201, 200] and keyed[1].json()["external_id"] == "pipeline-8813"
    with tenant_context(org_a):
        assert CIResult.objects.count() == 2


def test_ci_result_list_filters_and_stays_within_its_queries(org_a, org_b, api_a, django_assert_max_num_queries):
    for index in range(10):
        CIResultFactory(organization=org_a, name="integration" if index % 2 else "unit", subject=f"2.{index % 3}")
    CIResultFactory(organization=org_b, name="integration", summary="CANARY-B")
    with django_assert_max_num_queries(7):
        response = api_a.get(f"{API}/ci-results/?name=integration")
    assert response.json()["count"] == 5 and "CANARY-B" not in response.content.decode()
    assert api_a.get(f"{API}/ci-results/?name=integration&subject=2.1").json()["count"] == 2


def test_reporting_re_evaluates_the_gates_that_read_the_result(org_a, gate, api_a, django_capture_on_commit_callbacks):
    automated = AutomatedCriterionFactory(organization=org_a, gate=gate, params={
        "name": "integration", "subject_from_context": "release_version"})
    with django_capture_on_commit_callbacks(execute=True):
        api_a.post(f"{API}/ci-results/", {"name": "integration", "subject": "2.4.0", "passed": True}, format="json")
    body = api_a.get(f"{API}/criteria/{automated.pk}/").json()
    assert body["state"] == "met" and body["latest_evaluation"]["trigger"] == "ci_result"


# --- rules and the policy ----------------------------------------------------------------------

def test_the_rules_are_listed_with_their_params_schema(org_a, api_a):
    rules = {rule["key"]: rule for rule in api_a.get(f"{API}/rules/").json()}
    assert {"ci_result_reported", "criteria_of_gate_met"} <= set(rules)
    assert rules["ci_result_reported"]["params_schema"]["properties"]["name"]["type"] == "string"


def test_the_gate_policy_is_read_by_members_and_changed_by_admins(org_a, org_b, api_a, api_owner_a):
    assert api_a.get(f"{API}/gate-policy/").json()["allow_owner_sign_off"] is False
    assert api_a.patch(f"{API}/gate-policy/", {"allow_owner_sign_off": True}, format="json").status_code == 403
    changed = api_owner_a.patch(f"{API}/gate-policy/", {"allow_owner_sign_off": True, "waiver_roles": ["approver"]},
                                format="json")
    assert changed.status_code == 200
    assert changed.json()["allow_owner_sign_off"] is True and changed.json()["waiver_roles"] == ["approver"]


# --- bad input, endpoint by endpoint -----------------------------------------------------------

BAD_INPUT = [
    ("get", "gates/?status=sideways", None, "status"),
    ("get", "gates/?kind=sideways", None, "kind"),
    ("post", "gates/", {}, "name"),
    ("post", "gates/", {"name": "x", "kind": "sideways"}, "kind"),
    ("post", "gates/", {"name": "x", "owner": "nobody@acme.test"}, "owner"),
    ("post", "gates/", {"name": "x", "context": "release"}, "context"),
    ("post", "gates/", {"name": "x", "criteria": [{"type": "manual"}]}, "criteria[0].title"),
    ("post", "gates/", {"name": "x", "criteria": [{**MANUAL, "signer_role": ""}]}, "criteria[0].signer_role"),
    ("post", "gates/", {"name": "x", "criteria": [{"title": "t", "type": "automated", "rule": "nope"}]},
     "criteria[0].rule"),
    ("post", "gates/", {"name": "x", "criteria": [{"title": "t", "type": "automated", "rule": "ci_result_reported",
                                                   "params": {"subject": "1"}}]}, "criteria[0].params"),
    ("post", "criteria/", {**MANUAL}, "gate"),
    ("post", "criteria/", {"gate": "{gate_b}", **MANUAL}, "gate"),
    ("post", "criteria/", {"gate": "{gate}", **MANUAL, "required_sign_offs": 0}, "required_sign_offs"),
    ("post", "criteria/", {"gate": "{gate}", **MANUAL, "type": "sometimes"}, "type"),
    ("post", "criteria/", {"gate": "{gate}", **MANUAL, "rule": "ci_result_reported"}, "rule"),
    ("patch", "criteria/{criterion}/", {"title": ""}, "title"),
    ("patch", "criteria/{criterion}/", {"type": "automated"}, "type"),
    ("patch", "criteria/{criterion}/", {"signer_role": "pope"}, "signer_role"),
    ("post", "criteria/{criterion}/sign-offs/", {}, "decision"),
    ("post", "criteria/{criterion}/sign-offs/", {"decision": "maybe"}, "decision"),
    ("post", "criteria/{criterion}/waivers/", {"expires_at": "{future}"}, "reason"),
    ("post", "criteria/{criterion}/waivers/", {"reason": "r"}, "expires_at"),
    ("post", "criteria/{criterion}/waivers/", {"reason": "r", "expires_at": "tomorrow"}, "expires_at"),
    ("post", "criteria/{criterion}/waivers/", {"reason": "r", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ("post", "ci-results/", {"subject": "1", "passed": True}, "name"),
    ("post", "ci-results/", {"name": "t", "passed": True}, "subject"),
    ("post", "ci-results/", {"name": "t", "subject": "1"}, "passed"),
    ("post", "ci-results/", {"name": "t", "subject": "1", "passed": "perhaps"}, "passed"),
    ("post", "ci-results/", {"name": "t", "subject": "1", "passed": True, "evidence_url": "ftp:/x"}, "evidence_url"),
    ("get", "ci-results/?name=" + "x" * 201, None, "name"),
    ("patch", "gate-policy/", {"allow_owner_sign_off": "perhaps"}, "allow_owner_sign_off"),
    ("patch", "gate-policy/", {"waiver_roles": ["pope"]}, "waiver_roles"),
]


@pytest.mark.parametrize("method, path, body, field", BAD_INPUT, ids=[f"{m} {p} {f}" for m, p, _, f in BAD_INPUT])
def test_bad_input_answers_400_naming_the_field(org_a, org_b, gate, criterion, api_as, method, path, body, field):
    client = api_as(Role.OWNER)
    names = {"gate": gate.pk, "gate_b": GateFactory(organization=org_b).pk, "criterion": criterion.pk,
             "future": future()}
    if body is not None:
        body = {k: (v.format(**names) if isinstance(v, str) and v.startswith("{") else v) for k, v in body.items()}
    response = getattr(client, method)(f"{API}/{path.format(**names)}", body, format="json")
    assert response.status_code == 400, response.content
    assert any(name == field or name.startswith(f"{field}[") for name in field_names(response)), error(response)


def test_a_mismatched_idempotency_key_names_external_id(org_a, api_a):
    response = api_a.post(f"{API}/ci-results/", {"name": "t", "subject": "1", "passed": True, "external_id": "a"},
                          format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert response.status_code == 400 and list(error(response)["fields"]) == ["external_id"]


def test_an_external_id_reused_for_another_subject_is_a_409_naming_it(org_a, api_a):
    api_a.post(f"{API}/ci-results/", {"name": "t", "subject": "1", "passed": True, "external_id": "a"}, format="json")
    response = api_a.post(f"{API}/ci-results/", {"name": "t", "subject": "2", "passed": True, "external_id": "a"},
                          format="json")
    assert response.status_code == 409 and list(error(response)["fields"]) == ["external_id"]


def test_the_schema_documents_the_gates_api_with_ci_examples(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ("gates/", "gates/{id}/", "gates/{id}/evaluate/", "criteria/", "criteria/{id}/",
                 "criteria/{criterion_id}/sign-offs/", "criteria/{criterion_id}/waivers/", "waivers/{id}/",
                 "ci-results/", "ci-results/{id}/", "rules/", "gate-policy/"):
        assert f"/api/v1/orgs/{{org_slug}}/{path}" in paths, path
    report = paths["/api/v1/orgs/{org_slug}/ci-results/"]["post"]
    examples = report["requestBody"]["content"]["application/json"]["examples"]
    assert any(example["value"].get("external_id") for example in examples.values())
    assert {"200", "201"} <= set(report["responses"])
