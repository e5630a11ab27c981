"""A client generated from the OpenAPI schema works for what docs/ci.md has CI jobs do: ask
whether a deployment may go ahead, hold and release a lease, record the deployment and report a
result. openapi-python-client builds it from /api/schema/ as a code generator would; a field the
schema declares wrongly, or a status it omits, breaks the generated models here."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def generated(live_server, tmp_path, monkeypatch):
    schema = tmp_path / "schema.yaml"
    schema.write_text(httpx.get(f"{live_server.url}/api/schema/", timeout=30).text)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"post_hooks": [], "project_name_override": "sluice_generated",
                                      "package_name_override": "sluice_generated"}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run([str(generator), "generate", "--path", str(schema), "--config", str(config), "--meta", "none",
                           "--output-path", str(tmp_path / "sluice_generated")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Unable to" not in done.stdout + done.stderr, done.stdout + done.stderr  # nothing left out
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module
    for name in [name for name in sys.modules if name.startswith("sluice_generated")]:
        del sys.modules[name]


def test_the_ci_calls_of_docs_ci_md_through_a_generated_client(generated, live_server, estate, org_a, token_factory):
    client_module = generated("sluice_generated.client")
    check_create = generated("sluice_generated.api.deployment_checks.deployment_checks_create")
    lease_acquire = generated("sluice_generated.api.environments.environment_leases_acquire")
    lease_release = generated("sluice_generated.api.environments.environment_leases_release")
    deployments_create = generated("sluice_generated.api.deployments.deployments_create")
    result_report = generated("sluice_generated.api.ci_results.ci_result_report")
    models = generated("sluice_generated.models")
    client = client_module.AuthenticatedClient(base_url=live_server.url, token=token_factory(org_a),
                                               raise_on_unexpected_status=True)
    org = org_a.slug

    check = check_create.sync_detailed(org, client=client, body=models.DeploymentCheckInputRequest(
        service="payments-api", environment="payments-prod", version="2.4.0"))
    assert check.status_code == 200 and isinstance(check.parsed, models.DeploymentCheck)
    assert check.parsed.decision.value == "allow"

    lease = lease_acquire.sync_detailed(org, "payments-prod", client=client,
                                        body=models.LeaseRequestRequest(service="payments-api", version="2.4.0"))
    assert lease.status_code == 201 and isinstance(lease.parsed, models.LeaseGranted), lease.content

    deployment = models.DeploymentInputRequest(service="payments-api", environment="payments-prod", version="2.4.0",
                                               status=models.DeploymentStatusEnum("succeeded"))
    recorded = deployments_create.sync_detailed(org, client=client, idempotency_key="run-77", body=deployment)
    assert recorded.status_code == 201 and isinstance(recorded.parsed, models.DeploymentDetail), recorded.content
    again = deployments_create.sync_detailed(org, client=client, idempotency_key="run-77", body=deployment)
    assert (again.status_code, again.parsed.id) == (200, recorded.parsed.id)

    reported = result_report.sync_detailed(org, client=client, body=models.CIResultInputRequest(
        name="integration", subject="2.4.0", passed=True))
    assert reported.status_code == 201 and isinstance(reported.parsed, models.CIResult), reported.content

    released = lease_release.sync_detailed(org, "payments-prod", lease.parsed.id, client=client,
                                           body=models.LeaseTokenRequest(token=lease.parsed.token))
    assert released.status_code == 200 and isinstance(released.parsed, models.Lease), released.content

    refused = check_create.sync_detailed(org, client=client, body=models.DeploymentCheckInputRequest(
        service="payments-api", environment="no-such-place", version="2.4.0"))
    assert refused.status_code in (400, 404) and isinstance(refused.parsed, models.Error)
