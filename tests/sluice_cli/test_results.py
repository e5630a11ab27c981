"""`sluice report-result`: a CI result reaches the automated criterion that waits for it."""

from __future__ import annotations

import pytest

from gates.models import CIResult, Criterion
from tests.gates.factories import AutomatedCriterionFactory, CriterionFactory, GateFactory
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE = "https://ci.acme.test/pipelines/8812"


@pytest.fixture
def criterion(org_a, org_b, in_a):
    with tenant_context(org_b):
        AutomatedCriterionFactory(organization=org_b, title="CANARY-B tests",
                                  params={"name": "integration-tests", "subject": "2.4.0"})
    gate = GateFactory(organization=org_a, name="Go-live", context={"release_version": "2.4.0"})
    CriterionFactory(organization=org_a, gate=gate, title="Business sign-off")
    return AutomatedCriterionFactory(organization=org_a, gate=gate, title="Integration tests passed",
                                     params={"name": "integration-tests", "subject_from_context": "release_version"})


def state(criterion) -> str:
    fresh = Criterion.objects.get(pk=criterion.pk)
    return fresh.display_state(None)


@pytest.mark.parametrize("target", [("--criterion", "{criterion}"), ("--gate", "{gate}"),
                                    ("--name", "integration-tests", "--subject", "2.4.0")])
def test_a_passed_result_meets_the_criterion(criterion, sluice, target):
    argv = [part.format(criterion=criterion.pk, gate=criterion.gate_id) for part in target]
    run = sluice("report-result", *argv, "--status", "passed", "--summary", "412 passed", "--evidence-url", EVIDENCE)
    assert run.code == 0, run.err
    result = CIResult.objects.get()
    assert (result.name, result.subject, result.passed, result.evidence_url) == (
        "integration-tests", "2.4.0", True, EVIDENCE)
    assert run.out == f"result {result.pk}: integration-tests passed for 2.4.0\n"
    assert state(criterion) == "met"


def test_a_failed_result_from_the_same_run_updates_the_one_result_and_fails_the_criterion(criterion, sluice):
    github = {"GITHUB_RUN_ID": "9001", "GITHUB_RUN_ATTEMPT": "1"}
    assert sluice("report-result", "--criterion", str(criterion.pk), "--status", "passed", env=github).code == 0
    run = sluice("report-result", "--criterion", str(criterion.pk), "--status", "failed", env=github)
    assert run.code == 0, run.err
    result = CIResult.objects.get()
    assert (result.passed, result.external_id) == (False, "github:9001:1:integration-tests:2.4.0")
    assert state(criterion) == "failed"
    assert f"criterion {criterion.pk} 'Integration tests passed': failed" in run.err


def test_a_manual_criterion_is_refused_before_anything_is_sent(criterion, sluice):
    manual = Criterion.objects.get(title="Business sign-off")
    run = sluice("report-result", "--criterion", str(manual.pk), "--status", "passed")
    assert run.code == 3 and "does not read CI results" in run.err
    assert not CIResult.objects.exists()


def test_another_organizations_criterion_is_not_found(criterion, sluice, org_b):
    with tenant_context(org_b):
        theirs = Criterion.objects.get()
    run = sluice("report-result", "--criterion", str(theirs.pk), "--status", "passed")
    assert run.code == 3 and "(HTTP 404" in run.err
    assert not CIResult.objects.exists()
    with tenant_context(org_b):
        assert not CIResult.objects.exists()


def test_a_bad_evidence_url_is_refused_naming_the_field(criterion, sluice):
    run = sluice("report-result", "--criterion", str(criterion.pk), "--status", "passed", "--evidence-url", "nope")
    assert run.code == 3
    assert any(line.startswith("  evidence_url: ") for line in run.err.splitlines())
