"""`sluice check` against the real deployment check: the decision becomes the exit code."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from releases import services
from releases.models import DeploymentCheck
from tests.releases.factories import FreezeWindowFactory
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)

ASK = ("check", "--service", "payments-api", "--environment", "payments-prod", "--version", "2.4.0")


def test_nothing_in_the_way_exits_0_and_the_check_is_recorded_for_the_token(estate, sluice):
    run = sluice(*ASK)
    assert (run.code, run.err) == (0, "")
    check = DeploymentCheck.objects.get()
    assert run.out.splitlines() == [f"allow: payments-api 2.4.0 to payments-prod (check {check.pk})"]
    assert (check.environment_slug, check.checked_by_label) == ("payments-prod", "token:ci")


def test_a_freeze_denies_with_exit_1_and_a_line_per_reason(estate, sluice, org_a):
    window = FreezeWindowFactory(organization=org_a, name="Go-live freeze", reason="Marketing launch")
    run = sluice(*ASK)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith("deny: payments-api 2.4.0 to payments-prod")
    assert lines[1].startswith("freeze_active: ") and "Marketing launch" in lines[1]
    assert lines[1].endswith(")") and "(until " in lines[1]
    assert datetime.fromisoformat(lines[2].removeprefix("retry after: ")) == window.ends_at


def test_a_release_without_a_phase_for_the_environment_warns_with_exit_2(estate, sluice, member_factory):
    manager = Actor(role=Role.RELEASE_MANAGER, user=member_factory(Role.RELEASE_MANAGER))
    release = services.release_create(actor=manager, name="Docs", version="1.0",
                                      value_stream=estate.service.value_stream)
    run = sluice(*ASK, "--release", str(release.pk))
    assert run.code == 2
    assert run.out.splitlines()[0].startswith("warn: ")
    assert run.out.splitlines()[1].startswith("not_in_release_plan: ")


def test_json_prints_the_whole_answer(estate, sluice, org_a):
    FreezeWindowFactory(organization=org_a)
    run = sluice(*ASK, "--json")
    answer = json.loads(run.out)
    assert (run.code, answer["decision"], answer["service"]) == (1, "deny", "payments-api")
    assert [r["code"] for r in answer["reasons"]] == ["freeze_active"] and answer["retry_after"]


def test_an_unknown_service_is_refused_with_exit_3_naming_the_field(estate, sluice):
    run = sluice("check", "--service", "nope", "--environment", "payments-prod", "--version", "1")
    assert run.code == 3
    first, *fields = run.err.splitlines()
    assert first == "sluice: No service 'nope' in the catalog. (HTTP 400, invalid)"
    assert fields == ["  service: No service 'nope' in the catalog."]
    assert not DeploymentCheck.objects.exists()
