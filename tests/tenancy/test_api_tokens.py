"""/api/v1/orgs/<org>/tokens/: the secret is in the creation's answer and nowhere else."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import ApiTokenFactory
from vsm.audit.models import AuditEvent
from vsm.tenancy.models import ApiToken
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def url(org, path: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/tokens/{path}"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def whoami(client, org):
    return client.get(f"/api/v1/orgs/{org.slug}/whoami/")


@pytest.fixture
def created(api_owner_a, org_a, org_b):
    response = api_owner_a.post(url(org_a), {"name": "deploy job", "role": "engineer"}, format="json")
    assert response.status_code == 201, response.json()
    return response


def test_the_secret_is_shown_once_and_works(created, org_a):
    body = created.json()
    assert created["Cache-Control"] == "no-store"
    assert body["token"].startswith("slc_") and body["token"].startswith(body["prefix"])
    assert (body["name"], body["role"], body["is_active"], body["revoked_at"]) == ("deploy job", "engineer", True, None)
    assert whoami(bearer(body["token"]), org_a).json()["principal"] == "token:deploy job"


def test_the_secret_is_never_listed_nor_audited(created, api_owner_a, org_a, in_org):
    secret = created.json()["token"]
    with in_org(org_a):
        digest = ApiToken.objects.get(name="deploy job").digest
        trail = json.dumps(list(AuditEvent.objects.values("before", "after", "message", "object_repr")))
        [event] = AuditEvent.objects.filter(action="api_token.created", object_repr__startswith="deploy job")
    listed = api_owner_a.get(url(org_a)).content.decode()
    one = api_owner_a.get(url(org_a, f"{created.json()['id']}/")).content.decode()
    for text in (listed, one, trail):
        assert secret not in text and digest not in text
    assert "token" not in json.loads(one) and "digest" not in json.loads(one)
    assert event.after["name"] == "deploy job" and "digest" not in event.after


@pytest.mark.parametrize("revoke", [
    lambda client, org, pk: client.delete(url(org, f"{pk}/")),
    lambda client, org, pk: client.post(url(org, f"{pk}/revoke/")),
], ids=["delete", "post-revoke"])
def test_a_revoked_token_gets_401(created, api_owner_a, org_a, in_org, revoke):
    token = created.json()
    response = revoke(api_owner_a, org_a, token["id"])
    assert response.status_code in (200, 204)
    answer = whoami(bearer(token["token"]), org_a)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "authentication_failed"
    listed = {t["id"]: t for t in api_owner_a.get(url(org_a)).json()["results"]}
    assert listed[token["id"]]["is_active"] is False and listed[token["id"]]["revoked_at"]
    with in_org(org_a):
        event = AuditEvent.objects.get(action="api_token.revoked")
    assert event.before["revoked_at"] is None and event.after["revoked_at"] is not None


def test_revoking_twice_is_harmless(created, api_owner_a, org_a):
    pk = created.json()["id"]
    assert api_owner_a.post(url(org_a, f"{pk}/revoke/")).status_code == 200
    assert api_owner_a.post(url(org_a, f"{pk}/revoke/")).status_code == 200


def test_an_expired_token_gets_401(created, org_a, in_org):
    with in_org(org_a):
        ApiToken.objects.filter(name="deploy job").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert whoami(bearer(created.json()["token"]), org_a).status_code == 401


@pytest.mark.parametrize("mangle", [
    lambda s: s + "x", lambda s: s[:-1], lambda s: "slc_" + "A" * 43, lambda s: s.replace("slc_", "xyz_"),
], ids=["longer", "shorter", "made-up", "wrong-prefix"])
def test_a_wrong_token_gets_401(created, org_a, mangle):
    assert whoami(bearer(mangle(created.json()["token"])), org_a).status_code == 401


def test_a_token_of_org_b_gets_401_in_org_a(org_a, org_b, token_factory):
    assert whoami(bearer(token_factory(org_b)), org_a).status_code == 401


@pytest.mark.parametrize("payload, field", [
    pytest.param({}, "name", id="missing-name"),
    pytest.param({"name": "   "}, "name", id="blank-name"),
    pytest.param({"name": "x" * 101}, "name", id="huge-name"),
    pytest.param({"name": {"n": 1}}, "name", id="name-object"),
    pytest.param({"name": "ci", "role": "emperor"}, "role", id="unknown-role"),
    pytest.param({"name": "ci", "expires_at": "next week"}, "expires_at", id="bad-date"),
    pytest.param({"name": "ci", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at", id="past-expiry"),
    pytest.param({"name": "ci", "expires_at": 12}, "expires_at", id="expiry-number"),
])
def test_bad_token_input_gets_400_naming_the_field(api_owner_a, org_a, org_b, in_org, payload, field):
    response = api_owner_a.post(url(org_a), payload, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    with in_org(org_a):
        assert ApiToken.objects.count() == 1  # the fixture's own


def test_malformed_json_gets_400(api_owner_a, org_a, org_b):
    assert api_owner_a.post(url(org_a), "[{", content_type="application/json").status_code == 400


def test_an_admin_cannot_mint_an_owner_token(token_factory, org_a, org_b):
    response = bearer(token_factory(org_a, role=Role.ADMIN, name="admin")).post(
        url(org_a), {"name": "sneaky", "role": "owner"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.RELEASE_MANAGER, Role.VIEWER])
def test_other_roles_cannot_manage_tokens(token_factory, created, org_a, role):
    client = bearer(token_factory(org_a, role=role, name=f"{role}-token"))
    pk = created.json()["id"]
    statuses = [client.get(url(org_a)).status_code,
                client.post(url(org_a), {"name": "x"}, format="json").status_code,
                client.delete(url(org_a, f"{pk}/")).status_code,
                client.post(url(org_a, f"{pk}/revoke/")).status_code]
    assert statuses == [403] * 4


def test_org_b_tokens_are_not_found(api_owner_a, org_a, org_b):
    canary = ApiTokenFactory(organization=org_b, name="CANARY-B token")
    for method, path in (("get", ""), ("delete", ""), ("post", "revoke/")):
        response = getattr(api_owner_a, method)(url(org_a, f"{canary.pk}/{path}"))
        assert response.status_code == 404 and "CANARY-B" not in response.content.decode()


# org, context set, token, token last use, count, page (creators joined), context reset
@pytest.mark.parametrize("tokens", [3, 30])
def test_the_list_query_budget_does_not_grow(api_owner_a, org_a, org_b, owner_a, django_assert_max_num_queries,
                                             tokens):
    ApiTokenFactory.create_batch(tokens, organization=org_a, created_by=owner_a)
    with django_assert_max_num_queries(7):
        response = api_owner_a.get(url(org_a))
    assert response.json()["count"] == tokens + 1
