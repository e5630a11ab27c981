"""Every operation of the published schema, called with generated input (schemathesis): none may
answer a server error, and every answer keeps to the schema: its status is one the operation
documents, and its body validates against the schema declared for that status.

In-process through the WSGI application, inside the test's transaction, against an organization
holding one row of every model (the isolation tests' canaries), with an owner's token. Each
operation is called with schema-valid input at generated path parameters (mostly rows that do
not exist) and at real ones (the canaries' samples, or the first row its collection lists, so
the views get past their lookups), and with invalid input at the real ones.

    SLUICE_FUZZ_EXAMPLES    examples per operation and run (default 3; `make fuzz` runs 40)
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from werkzeug.test import Client

from tests.tenancy.canaries import WALKER_SAMPLES, build_canaries
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role
from vsm.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SLUICE_FUZZ_EXAMPLES", "3"))
_TEMPLATE = re.compile(r"\{(\w+)\}")


def _fresh_token(org) -> str:
    """A new owner token for each operation: one may revoke tokens (DELETE tokens/{id}/), which
    must not silence every operation after it."""
    with tenant_context(org):
        _token, secret = api_token_create(name="fuzz", role=Role.OWNER, expires_at=None,
                                          actor=Actor.for_system("fuzz"))
    return secret


class RealRows:
    """Path parameters naming rows that exist: for each ``{name}`` of a path, the canaries'
    sample, else the first row the path before it lists (``id``, or ``slug`` for a parameter
    named like one)."""

    def __init__(self, org, rows: dict, client: Client, token: str):
        self.org, self.rows, self.client, self.token, self.seen = org, rows, client, token, {}

    def parameters(self, path: str) -> dict[str, str] | None:
        found = {"org_slug": self.org.slug}
        for match in _TEMPLATE.finditer(path):
            name = match.group(1)
            if name in found:
                continue
            if name in WALKER_SAMPLES:
                found[name] = WALKER_SAMPLES[name](self.rows)
                continue
            collection = _TEMPLATE.sub(lambda m: str(found.get(m.group(1), "")), path[:match.start()])
            value = self._first(collection, "slug" if name.endswith("slug") else "id")
            if value is None:
                return None
            found[name] = value
        return found

    def _first(self, collection: str, key: str):
        if (collection, key) not in self.seen:
            response = self.client.get(collection, headers={"Authorization": f"Bearer {self.token}"})
            body = response.json if response.status_code == 200 else None
            rows = body.get("results", []) if isinstance(body, dict) else body or []
            self.seen[collection, key] = next((row[key] for row in rows if isinstance(row, dict) and key in row), None)
        return self.seen[collection, key]


def _fuzz(operation, org, real: dict | None, mode: GenerationMode, problems: list[str], mismatches: dict, *,
          signed_in: bool = True):
    """Calls `operation`; a 5xx goes to `problems`, an answer off its schema to `mismatches`,
    once per operation, status and place in the schema however many examples break it. Not
    `signed_in`: once, without a token, which must answer 401."""
    fixed = real if real is not None else {"org_slug": org.slug}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)
    headers = {"Authorization": f"Bearer {_fresh_token(org)}"} if signed_in else {}

    # No shrinking: a failure is reported with the request that caused it, and time is short.
    @settings(max_examples=EXAMPLES if signed_in else 1, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            problems.append(f"{operation.label}: {response.status_code} for {case.as_curl_command()}")
            return
        if not signed_in and response.status_code != 401:
            problems.append(f"{operation.label}: {response.status_code} without a token")
        try:
            case.validate_response(response, checks=[status_code_conformance, response_schema_conformance])
        except (Failure, FailureGroup) as failed:
            for failure in getattr(failed, "exceptions", [failed]):
                where = "/".join(map(str, getattr(failure, "schema_path", []))) or failure.title
                detail = (getattr(failure, "message", "") or "").strip().splitlines()
                mismatches.setdefault((operation.label, response.status_code, where), " ".join(detail[:2])[:300])

    run()


@pytest.fixture
def in_process():
    """The WSGI application, called directly, must not close the test's connection at the end
    of each request (Django's test client keeps it open the same way, but reconnects the handler
    after each of its requests: so no test client is used while this fixture is active)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_every_answer_is_documented_and_no_server_error(in_process, org_a):
    org, rows = org_a, build_canaries(org_a)
    token = _fresh_token(org)
    # With a token, as code generators send it.
    schema = schemathesis.openapi.from_wsgi("/api/schema/", in_process, headers={"Authorization": f"Bearer {token}"})
    real_rows = RealRows(org, rows, Client(in_process), token)
    # Reads and writes first, deletes last, so a deleted row does not turn the rest into 404s.
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))
    problems: list[str] = []
    mismatches: dict[tuple[str, int, str], str] = {}
    for operation in operations:
        real = real_rows.parameters(operation.path) if "{" in operation.path.replace("{org_slug}", "") else None
        # Valid input at generated and at real paths; invalid input where it gets furthest.
        _fuzz(operation, org, None, GenerationMode.POSITIVE, problems, mismatches)
        if real is not None:
            _fuzz(operation, org, real, GenerationMode.POSITIVE, problems, mismatches)
        _fuzz(operation, org, real, GenerationMode.NEGATIVE, problems, mismatches)
        # And once without a token, at a path that routes (a generated slug may not).
        _fuzz(operation, org, real, GenerationMode.POSITIVE, problems, mismatches, signed_in=False)
    assert not problems, "\n".join(problems)
    assert not mismatches, f"{len(mismatches)} answers off the schema:\n" + "\n".join(
        f"{label} {status} at {where}: {detail}" for (label, status, where), detail in sorted(mismatches.items()))
