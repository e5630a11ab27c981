"""What is deployed where: the matrix, the compare of two environments, the change-control page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import matrix
from integrations.models import ChangeControlledEnvironment
from tests.environments.factories import EnvironmentFactory
from tests.factories import MembershipFactory, ServiceFactory, UserFactory, ValueStreamFactory
from tests.integrations.factories import ChangeControlledEnvironmentFactory, DeploymentFactory, PipelineRunFactory
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def grid(org_a, org_b):
    """Org A: payments-api and ledger in Payments, identity in no stream; staging and production.
    Org B deploys a canary version of a same-named service to same-named environments."""
    with tenant_context(org_b):
        DeploymentFactory(organization=org_b, service=ServiceFactory(organization=org_b, slug="payments-api"),
                          environment=EnvironmentFactory(organization=org_b, slug="prod"), version="CANARY-B-9")
    with tenant_context(org_a):
        payments = ValueStreamFactory(organization=org_a, slug="payments", name="Payments")
        api = ServiceFactory(organization=org_a, slug="payments-api", name="Payments API", value_stream=payments)
        ledger = ServiceFactory(organization=org_a, slug="ledger", name="Ledger", value_stream=payments)
        identity = ServiceFactory(organization=org_a, slug="identity", name="Identity")
        staging = EnvironmentFactory(organization=org_a, slug="staging", name="Staging", tier="staging")
        prod = EnvironmentFactory(organization=org_a, slug="prod", name="Production", tier="production",
                                  is_production=True)
        now = timezone.now()
        run = PipelineRunFactory(organization=org_a, service=api, pipeline="deploy", run_number=81,
                                 url="https://ci.test/deploy/81")
        deploy = {"organization": org_a}
        DeploymentFactory(**deploy, service=api, environment=prod, version="2.3.0", finished_at=now - 48 * HOUR)
        DeploymentFactory(**deploy, service=api, environment=prod, version="2.4.0", finished_at=now - 2 * HOUR,
                          pipeline_run=run)
        DeploymentFactory(**deploy, service=api, environment=prod, version="2.5.0", status="failed",
                          finished_at=now - HOUR)
        DeploymentFactory(**deploy, service=api, environment=staging, version="2.5.0", finished_at=now - 3 * HOUR)
        DeploymentFactory(**deploy, service=ledger, environment=prod, version="7.1", finished_at=now - 5 * HOUR)
        DeploymentFactory(**deploy, service=ledger, environment=staging, version="7.1", finished_at=now - 6 * HOUR)
        DeploymentFactory(**deploy, service=identity, environment=staging, version="1.0", finished_at=now - HOUR)
        # A source named an environment Sluice does not know: not in the grid.
        DeploymentFactory(**deploy, service=identity, environment=None, environment_name="qa-7", version="0.9")
        yield {"api": api, "ledger": ledger, "identity": identity, "staging": staging, "prod": prod,
               "payments": payments, "run": run}


def versions(grid_result) -> dict[str, dict[str, str | None]]:
    return {service.slug: {env.slug: (cell.version if cell else None)
                           for env, cell in zip(grid_result.environments, cells, strict=True)}
            for service, cells in grid_result.rows}


def test_the_matrix_shows_the_latest_succeeded_deployment_of_each_pair(grid):
    services = list(matrix.deployed_services())
    assert [s.slug for s in services] == ["identity", "ledger", "payments-api"]
    result = matrix.environment_version_matrix(services=services)
    assert [env.slug for env in result.environments] == ["staging", "prod"]  # by tier, production last
    assert versions(result) == {
        "identity": {"staging": "1.0", "prod": None},
        "ledger": {"staging": "7.1", "prod": "7.1"},
        "payments-api": {"staging": "2.5.0", "prod": "2.4.0"},  # the failed 2.5.0 never reached production
    }


def test_a_rollback_shows_the_version_rolled_back_to(grid):
    DeploymentFactory(organization=grid["api"].organization, service=grid["api"], environment=grid["prod"],
                      version="2.3.0", kind="rollback", finished_at=timezone.now())
    result = matrix.environment_version_matrix(services=[grid["api"]])
    assert versions(result)["payments-api"]["prod"] == "2.3.0"


def test_the_matrix_filters_by_value_stream(grid):
    services = list(matrix.deployed_services(value_stream=grid["payments"]))
    assert [s.slug for s in services] == ["ledger", "payments-api"]


def test_the_compare_highlights_services_whose_versions_differ(grid):
    rows = matrix.environment_compare(left=grid["staging"], right=grid["prod"])
    assert [(r.service.slug, r.left and r.left.version, r.right and r.right.version, r.differs) for r in rows] == [
        ("identity", "1.0", None, True), ("ledger", "7.1", "7.1", False), ("payments-api", "2.5.0", "2.4.0", True)]


def test_the_matrix_page_names_version_since_and_pipeline(grid, client_a):
    response = client_a.get("/o/acme/delivery/matrix/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "2.4.0" in body and "https://ci.test/deploy/81" in body and "deploy #81" in body and "since" in body
    assert "CANARY-B" not in body
    filtered = client_a.get("/o/acme/delivery/matrix/?value_stream=payments").content.decode()
    assert "<strong>Payments API</strong>" in filtered and "<strong>Identity</strong>" not in filtered
    unknown = client_a.get("/o/acme/delivery/matrix/?value_stream=nope")
    assert unknown.status_code == 400 and 'role="alert"' in unknown.content.decode()


def test_the_matrix_page_explains_an_empty_organization(org_a, client_a):
    body = client_a.get("/o/acme/delivery/matrix/").content.decode()
    assert "No deployments" in body and "POST /api/v1/orgs/acme/deployments/" in body


@pytest.mark.parametrize(("query", "status", "shown"), [
    ("?left=staging&right=prod", 200, ["Identity", "Ledger", "Payments API"]),
    ("?left=staging&right=prod&differences=1", 200, ["Identity", "Payments API"]),
    ("?left=staging&right=prod&value_stream=payments&differences=1", 200, ["Payments API"]),
    ("?left=staging&right=staging", 400, []),
    ("?left=staging&right=nowhere", 400, []),
    ("", 200, []),
])
def test_the_compare_page(grid, client_a, query, status, shown):
    response = client_a.get(f"/o/acme/delivery/compare/{query}")
    body = response.content.decode()
    assert response.status_code == status
    for name in ["Identity", "Ledger", "Payments API"]:
        assert (f"<strong>{name}</strong>" in body) == (name in shown)
    assert "CANARY-B" not in body
    if shown:
        assert body.count('class="differs"') == len([n for n in shown if n != "Ledger"])


def _add_service_deployed_everywhere(org, index, environments):
    service = ServiceFactory(organization=org, slug=f"svc-{index}", name=f"Service {index}")
    run = PipelineRunFactory(organization=org, service=service)
    for env in environments:
        DeploymentFactory(organization=org, service=service, environment=env, pipeline_run=run)


@pytest.mark.parametrize("path", ["/o/acme/delivery/matrix/", "/o/acme/delivery/compare/?left=staging&right=prod"])
def test_the_pages_query_count_does_not_grow_with_rows(grid, client_a, django_assert_max_num_queries, path):
    org = grid["api"].organization
    client_a.get(path)  # warm the session and the membership caches
    with django_assert_max_num_queries(16) as few:
        assert client_a.get(path).status_code == 200
    for index in range(15):
        _add_service_deployed_everywhere(org, index, [grid["staging"], grid["prod"]])
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client_a.get(path).content.decode()
    assert "Service 14" in body


def test_environment_managers_mark_change_control_on_the_page(grid, client_a, org_a):
    with tenant_context(org_a):
        engineer = UserFactory(email="dev@acme.test")
        MembershipFactory(organization=org_a, user=engineer, role=Role.ENGINEER)
    response = client_a.post("/o/acme/delivery/change-control/", {"environment": "prod", "required": "on"})
    assert response.status_code == 302
    assert ChangeControlledEnvironment.objects.get().environment == grid["prod"]
    body = client_a.get("/o/acme/delivery/change-control/").content.decode()
    assert "Stop requiring" in body and "data-confirm=" in body  # asked by static/js/sluice.js
    assert client_a.post("/o/acme/delivery/change-control/", {"environment": "nowhere"}).status_code == 400
    client_a.force_login(engineer)
    assert client_a.get("/o/acme/delivery/change-control/").status_code == 200
    assert client_a.post("/o/acme/delivery/change-control/", {"environment": "prod"}).status_code == 403
    assert ChangeControlledEnvironment.objects.exists()


def test_the_change_control_page_costs_the_same_queries_for_many_environments(grid, client_a, org_a,
                                                                                django_assert_max_num_queries):
    client_a.get("/o/acme/delivery/change-control/")  # warm the session and the membership caches
    with django_assert_max_num_queries(12) as few:
        assert client_a.get("/o/acme/delivery/change-control/").status_code == 200
    with tenant_context(org_a):
        for index in range(15):
            ChangeControlledEnvironmentFactory(organization=org_a, environment=EnvironmentFactory(
                organization=org_a, slug=f"env-{index}", name=f"Env {index}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client_a.get("/o/acme/delivery/change-control/").content.decode()
    assert body.count(">Stop requiring</button>") == 15
