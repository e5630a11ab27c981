"""The CLI against the real server: pytest-django's live_server, real tokens, real PostgreSQL.

Org A holds a payments service with a production environment (no booking needed) and a SIT
environment (bookings required); org B has look-alikes with the same slugs, which the CLI,
speaking as org A, must never reach.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from environments.models import Environment, Tier
from sluice_cli.main import main
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory, TeamFactory, ValueStreamFactory
from vsm.catalog.models import Service
from vsm.tenancy.context import tenant_context


@dataclass
class Estate:
    service: Service
    prod: Environment
    sit: Environment


@dataclass
class Run:
    code: int
    out: str
    err: str


def _estate(org, label: str = "") -> Estate:
    stream = ValueStreamFactory(organization=org, slug="payments", name=f"{label}Payments")
    team = TeamFactory(organization=org, slug="payments-core", name=f"{label}Payments Core")
    service = ServiceFactory(organization=org, slug="payments-api", value_stream=stream, team=team)
    prod = EnvironmentFactory(organization=org, slug="payments-prod", name=f"{label}Payments Production",
                              tier=Tier.PRODUCTION, is_production=True, is_bookable=False, requires_booking=False,
                              value_stream=stream)
    sit = EnvironmentFactory(organization=org, slug="payments-sit", name=f"{label}Payments SIT",
                             tier=Tier.INTEGRATION, value_stream=stream)
    return Estate(service, prod, sit)


@pytest.fixture
def estate(org_a, org_b, in_a) -> Estate:
    with tenant_context(org_b):
        _estate(org_b, "CANARY-B ")
    return _estate(org_a)


@pytest.fixture
def cli_env(live_server, org_a, token_factory, tmp_path) -> dict[str, str]:
    """What a CI job of org A exports, and nothing from the machine running the tests."""
    return {"SLUICE_URL": live_server.url, "SLUICE_ORG": org_a.slug, "SLUICE_TOKEN": token_factory(org_a),
            "SLUICE_TIMEOUT": "20", "SLUICE_LEASE_FILE": str(tmp_path / "lease.json")}


def _runner(base_env: dict[str, str]):
    def run(*argv: str, env: dict[str, str | None] | None = None) -> Run:
        environ = {key: value for key, value in {**base_env, **(env or {})}.items() if value is not None}
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), environ=environ, out=out, err=err)
        result = Run(code, out.getvalue(), err.getvalue())
        assert base_env["SLUICE_TOKEN"] not in result.out + result.err, "the CLI printed the API token"
        return result
    return run


@pytest.fixture
def sluice(cli_env):
    """`sluice("check", "--service", ...)` runs the command in-process against the live server;
    `env=` adds or replaces variables (None removes one)."""
    return _runner(cli_env)


@pytest.fixture
def sluice_offline():
    """The command configured for a server that is never reached: for what fails before a request."""
    return _runner({"SLUICE_URL": "http://127.0.0.1:9", "SLUICE_ORG": "acme", "SLUICE_TOKEN": "svt_offline",
                    "SLUICE_RETRIES": "0"})
