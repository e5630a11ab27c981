"""`sluice lease`: acquire, renew and release a real lease; refusals exit 1 with their reasons."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from environments.models import Lease
from tests.environments.factories import BookingFactory, OutageFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_lease_lifecycle_through_the_lease_file(estate, sluice, cli_env):
    acquired = sluice("lease", "acquire", "--environment", "payments-prod", "--service", "payments-api",
                      "--version", "2.4.0", "--ttl", "600")
    assert acquired.code == 0, acquired.err
    lease = Lease.objects.get()
    assert acquired.out == f"{lease.pk}\n"
    assert (lease.environment, lease.service_slug, lease.version) == (estate.prod, "payments-api", "2.4.0")
    lease_file = Path(cli_env["SLUICE_LEASE_FILE"])
    held = json.loads(lease_file.read_text())
    assert (held["environment"], held["id"]) == ("payments-prod", lease.pk)
    assert held["token"].startswith("sll_") and held["token"] not in acquired.out + acquired.err
    assert stat.S_IMODE(lease_file.stat().st_mode) == 0o600

    renewed = sluice("lease", "renew", "--ttl", "900")
    assert renewed.code == 0, renewed.err
    lease.refresh_from_db()
    assert lease.expires_at > lease.acquired_at + timedelta(seconds=600)
    assert renewed.out.startswith(f"lease {lease.pk} on payments-prod held until ")

    released = sluice("lease", "release")
    assert released.code == 0, released.err
    lease.refresh_from_db()
    assert lease.released_at is not None and not lease.is_valid()
    assert not lease_file.exists()


def test_renew_and_release_by_id_and_token_from_the_environment(estate, sluice, tmp_path):
    sluice("lease", "acquire", "--environment", "payments-prod", "--lease-file", str(tmp_path / "mine.json"))
    held = json.loads((tmp_path / "mine.json").read_text())
    by_id = ("--environment", "payments-prod", "--lease-id", str(held["id"]))
    assert sluice("lease", "release", *by_id, env={"SLUICE_LEASE_TOKEN": held["token"]}).code == 0
    assert Lease.objects.get().released_at is not None
    wrong = sluice("lease", "renew", *by_id, env={"SLUICE_LEASE_TOKEN": "sll_not-the-token"})
    assert wrong.code == 3 and "(HTTP 403" in wrong.err


def test_a_refused_lease_exits_1_with_the_reasons_and_writes_no_file(estate, sluice, cli_env, org_a):
    theirs = BookingFactory(organization=org_a, environment=estate.sit, start=timezone.now() - timedelta(hours=1),
                            hours=3)
    run = sluice("lease", "acquire", "--environment", "payments-sit", "--service", "payments-api")
    assert (run.code, run.out) == (1, "")
    assert "(HTTP 409, lease_denied)" in run.err.splitlines()[0]
    assert any(line.startswith("booked_by_other_team: ") for line in run.err.splitlines())
    retry_after = next(line for line in run.err.splitlines() if line.startswith("  retry_after: "))
    assert datetime.fromisoformat(retry_after.removeprefix("  retry_after: ")) == theirs.end
    assert not Lease.objects.exists() and not Path(cli_env["SLUICE_LEASE_FILE"]).exists()


def test_wait_holds_on_until_the_environment_is_free(estate, sluice, org_a):
    OutageFactory(organization=org_a, environment=estate.prod, start=timezone.now() - timedelta(minutes=5),
                  hours=5 / 60 + 2 / 3600)  # ends about two seconds from now
    run = sluice("lease", "acquire", "--environment", "payments-prod", "--wait", "30")
    assert run.code == 0, run.err
    assert "waiting " in run.err and Lease.objects.get().pk == int(run.out)


def test_github_output_gets_the_lease_and_the_token_is_masked(estate, sluice, tmp_path):
    outputs = tmp_path / "github_output"
    run = sluice("lease", "acquire", "--environment", "payments-prod", "--github-output",
                 env={"GITHUB_OUTPUT": str(outputs)})
    assert run.code == 0, run.err
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written["lease_id"] == str(Lease.objects.get().pk) and written["lease_environment"] == "payments-prod"
    assert run.out.splitlines() == [f"::add-mask::{written['lease_token']}", written["lease_id"]]


@pytest.mark.parametrize("action", ["renew", "release"])
def test_without_a_lease_renew_and_release_say_how_to_get_one(estate, sluice, action):
    run = sluice("lease", action)
    assert run.code == 3 and "run `sluice lease acquire` first" in run.err
