from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, settings):
    settings.REDIS_URL = None
    body = client.get("/healthz").json()
    counts = body.pop("redis_fail_open")  # per process, so other tests' outages may show
    assert body == {"status": "ok", "database": "ok", "broker": "in-process (no REDIS_URL: tasks run eagerly)"}
    assert all(isinstance(n, int) for n in counts.values())


@pytest.mark.django_db
def test_healthz_is_degraded_not_down_without_the_broker(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"


@pytest.mark.django_db
@pytest.mark.redis
def test_healthz_with_a_real_broker(client, settings):
    settings.REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert client.get("/healthz").json()["broker"] == "ok"


@pytest.mark.django_db
def test_unknown_api_paths_answer_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_home_redirects_a_single_org_member_to_it(client_a, org_a):
    response = client_a.get("/")
    assert response.status_code == 302 and response["Location"] == f"/o/{org_a.slug}/"


@pytest.mark.django_db
def test_home_lists_organizations_when_there_are_several(client_a, org_a, owner_a):
    from tests.factories import MembershipFactory, OrganizationFactory

    other = OrganizationFactory(name="Second Org", slug="second")
    MembershipFactory(organization=other, user=owner_a)
    body = client_a.get("/").content.decode()
    assert "Second Org" in body and org_a.name in body


def _production_check(env_overrides: dict) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' fixture; production never has it.
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "vsm.settings.production", **env_overrides})
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          capture_output=True, text=True, env=env, timeout=120)


def test_production_refuses_to_start_without_a_secret_key():
    result = _production_check({"DATABASE_URL": "postgresql://x@127.0.0.1/x"})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    # Served over TLS (SITE_URL https), production turns on every HTTPS-only setting by itself.
    result = _production_check({
        "SITE_URL": "https://sluice.example.com",
        "SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH",
        "DATABASE_URL": "postgresql://sluice@127.0.0.1:5432/sluice",
        "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LTAwMDAwMDAwMDAwMDA=",
    })
    assert result.returncode == 0, result.stderr
