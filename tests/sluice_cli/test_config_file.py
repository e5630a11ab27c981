"""`sluice config export|plan|apply` against the live server, with the exit codes a CI job reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgconfig.models import ChangeSet
from tests.factories import MembershipFactory, UserFactory
from tests.integrations.factories import DeploymentFactory, ProductionEnvironmentFactory
from vsm.catalog.models import Service
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = (Path(__file__).resolve().parents[1] / "orgconfig" / "sample.yaml").read_bytes()


@pytest.fixture
def owner(org_a, org_b, in_a, token_factory, tmp_path):
    for email in ("lead@acme.test", "dev@acme.test"):
        MembershipFactory(organization=org_a, user=UserFactory(email=email), role=Role.ENGINEER)
    (tmp_path / "sluice.yaml").write_bytes(SAMPLE)
    return {"SLUICE_TOKEN": token_factory(org_a, role=Role.OWNER, name="config")}


def test_plan_apply_plan_export(sluice, owner, tmp_path):
    file = str(tmp_path / "sluice.yaml")
    plan = sluice("config", "plan", "-f", file, env=owner)
    assert plan.code == 2, plan.err
    assert "+ services payments-api" in plan.out and "change(s) pending" in plan.out
    assert not Service.objects.exists()

    applied = sluice("config", "apply", "-f", file, "--source", "3f2a9c1", env=owner)
    assert applied.code == 0, applied.err
    assert ChangeSet.objects.get().source == "3f2a9c1"

    again = sluice("config", "plan", "-f", file, env=owner)
    assert (again.code, again.out.strip()) == (0, "No changes.")

    exported = sluice("config", "export", "-o", str(tmp_path / "export.yaml"), env=owner)
    assert exported.code == 0, exported.err
    shown = sluice("config", "export", env=owner)
    assert shown.out.encode() == (tmp_path / "export.yaml").read_bytes()
    assert "payments-api" in shown.out


def test_an_invalid_file_exits_1_naming_its_line(sluice, owner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(SAMPLE.replace(b"  team: core\n- slug: ledger", b"  team: nobody\n- slug: ledger"))
    for action in ("plan", "apply"):
        run = sluice("config", action, "-f", str(bad), env=owner)
        assert run.code == 1
        assert f"{bad}:20: services[0].team: No team 'nobody'" in run.err
    assert not Service.objects.exists()


def test_a_prune_that_breaks_references_exits_1(sluice, owner, tmp_path, org_a):
    file = tmp_path / "sluice.yaml"
    assert sluice("config", "apply", "-f", str(file), env=owner).code == 0
    DeploymentFactory(organization=org_a, service=Service.objects.get(slug="ledger"),
                      environment=ProductionEnvironmentFactory(organization=org_a))
    file.write_bytes(SAMPLE.replace(b"- slug: ledger\n  name: Ledger\n  value_stream: payments\n", b""))
    assert sluice("config", "plan", "-f", str(file), env=owner).code == 0  # without --prune nothing differs
    run = sluice("config", "apply", "-f", str(file), "--prune", env=owner)
    assert run.code == 1
    assert "referenced by 1 deployment" in run.err
    assert Service.objects.filter(slug="ledger").exists()


def test_a_role_that_may_not_apply_exits_3(sluice, owner, tmp_path):
    run = sluice("config", "apply", "-f", str(tmp_path / "sluice.yaml"))  # the engineer's token
    assert run.code == 3 and "HTTP 403" in run.err


def test_a_missing_file_is_a_usage_error(sluice, owner, tmp_path):
    run = sluice("config", "plan", "-f", str(tmp_path / "nowhere.yaml"), env=owner)
    assert run.code == 3 and "cannot read" in run.err
