"""The gate rules integrations registers, evaluated through real gates: met, unmet and no data for
each, with the evidence the decision keeps. Organization B holds look-alike records (the same
version, the same numbers) that must never count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gates import services as gates
from gates.models import Evaluation, Status
from gates.rules import registry
from integrations import rules
from tests.factories import ServiceFactory
from tests.integrations.factories import (
    ChangeRequestFactory,
    PipelineJobFactory,
    PipelineRunFactory,
    WorkItemFactory,
)
from tests.releases.factories import ReleaseFactory, ReleaseServiceFactory
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

VERSION = "2.4.0"
MANAGER = Actor(role=Role.RELEASE_MANAGER, system="tests")


@pytest.fixture
def release(org_a, org_b):
    """Org A's release 2.4.0 holding payments-api at the release's version; org B has a release
    with the same version and every record that would meet each rule."""
    with tenant_context(org_b):
        other = ReleaseFactory(organization=org_b, version=VERSION)
        service_b = ServiceFactory(organization=org_b, slug="payments-api")
        ReleaseServiceFactory(organization=org_b, release=other, service=service_b)
        run_b = PipelineRunFactory(organization=org_b, service=service_b, version=VERSION, tests_passed=10,
                                   tests_failed=0, pipeline="security-scan")
        PipelineJobFactory(organization=org_b, run=run_b, name="security scan")
        ChangeRequestFactory(organization=org_b, release=other, number="CHG0000001", approval="approved")
    with tenant_context(org_a):
        found = ReleaseFactory(organization=org_a, name="Payments", version=VERSION)
        ReleaseServiceFactory(organization=org_a, release=found,
                              service=ServiceFactory(organization=org_a, slug="payments-api"))
        yield found


def decide(release, rule: str, params: dict) -> tuple[str, Evaluation]:
    gate = gates.gate_create(actor=MANAGER, name="Go", context={"release_id": release.pk}, criteria=[
        {"title": "Rule", "type": "automated", "rule": rule, "params": params}])
    return gate.criteria.get().state, Evaluation.objects.filter(gate=gate).first()


def service_of(release):
    return release.service_links.get(service__slug="payments-api").service


@pytest.mark.parametrize("key", [rules.PIPELINE_TESTS_PASSED, rules.NO_OPEN_DEFECTS, rules.CHANGE_REQUEST_APPROVED,
                                 rules.SECURITY_SCAN_PASSED])
def test_every_rule_is_registered_and_refuses_unknown_params(key):
    rule = registry.get(key)
    assert rule is not None and rule.params_schema["additionalProperties"] is False


def test_a_gate_without_a_release_in_its_context_is_an_error_not_a_crash(release):
    gate = gates.gate_create(actor=MANAGER, name="Go", context={}, criteria=[
        {"title": "Rule", "type": "automated", "rule": rules.NO_OPEN_DEFECTS, "params": {"max_severity": 2}}])
    evaluation = Evaluation.objects.filter(gate=gate).first()
    assert (evaluation.outcome, evaluation.values["error"]) == ("error", "rule_error")
    assert "release_id" in evaluation.summary


# --- pipeline tests passed ------------------------------------------------------------------

@pytest.mark.parametrize(("passed", "failed", "status", "expected"), [
    (99, 1, "succeeded", Status.MET),
    (95, 5, "succeeded", Status.FAILED),  # 95% < 98%
    (100, 0, "failed", Status.FAILED),
])
def test_pipeline_tests_passed_reads_the_latest_run_of_the_version(release, passed, failed, status, expected):
    service = service_of(release)
    # An older failing run of the same version does not count: the latest decides.
    PipelineRunFactory(organization=release.organization, service=service, version=VERSION, status="failed",
                       tests_passed=1, tests_failed=50, finished_at=timezone.now() - timedelta(days=1))
    run = PipelineRunFactory(organization=release.organization, service=service, version=VERSION, status=status,
                             tests_passed=passed, tests_failed=failed, url="https://ci.test/runs/7")
    state, evidence = decide(release, rules.PIPELINE_TESTS_PASSED, {"min_pass_percent": 98})
    assert state == expected
    assert [(r["id"], r["url"], r["pass_percent"]) for r in evidence.values["runs"]] == [
        (run.pk, "https://ci.test/runs/7", round(100 * passed / (passed + failed), 2))]
    assert evidence.values["release_id"] == release.pk and evidence.values["versions"] == [VERSION]


def test_pipeline_tests_passed_matches_a_services_commit_and_the_named_pipeline(release):
    link = release.service_links.get()
    link.version = "abc123"
    link.save()
    PipelineRunFactory(organization=release.organization, service=link.service, commit_sha="abc123", version="",
                       pipeline="deploy", tests_passed=0, tests_failed=3, status="failed")
    PipelineRunFactory(organization=release.organization, service=link.service, commit_sha="abc123", version="",
                       pipeline="build", tests_passed=40, tests_failed=0,
                       finished_at=timezone.now() - timedelta(hours=1))
    assert decide(release, rules.PIPELINE_TESTS_PASSED, {"min_pass_percent": 100, "pipeline": "build"})[0] == (
        Status.MET)
    assert decide(release, rules.PIPELINE_TESTS_PASSED, {"min_pass_percent": 100})[0] == Status.FAILED


@pytest.mark.parametrize(("runs", "summary"), [
    ([], "No pipeline run"),
    ([{"status": "in_progress", "tests_passed": 10, "tests_failed": 0}], "No pipeline run"),
    ([{"status": "succeeded", "tests_passed": None, "tests_failed": None}], "no test results"),
    ([{"status": "succeeded", "tests_passed": 5, "tests_failed": 0, "version": "2.3.9"}], "No pipeline run"),
])
def test_pipeline_tests_passed_waits_without_a_finished_tested_run(release, runs, summary):
    for fields in runs:
        PipelineRunFactory(organization=release.organization, service=service_of(release),
                           **{"version": VERSION, **fields})
    state, evidence = decide(release, rules.PIPELINE_TESTS_PASSED, {"min_pass_percent": 90})
    assert state == Status.PENDING and summary in evidence.summary


def test_pipeline_tests_passed_waits_for_every_service_in_scope(release):
    other = ServiceFactory(organization=release.organization, slug="ledger")
    ReleaseServiceFactory(organization=release.organization, release=release, service=other, version="7.1")
    PipelineRunFactory(organization=release.organization, service=service_of(release), version=VERSION,
                       tests_passed=3, tests_failed=0)
    state, evidence = decide(release, rules.PIPELINE_TESTS_PASSED, {"min_pass_percent": 90})
    assert (state, evidence.values["missing"]) == (Status.PENDING, ["ledger"])
    PipelineRunFactory(organization=release.organization, service=other, version="7.1", tests_passed=3,
                       tests_failed=0)
    assert decide(release, rules.PIPELINE_TESTS_PASSED, {"min_pass_percent": 90})[0] == Status.MET


# --- no open defects ------------------------------------------------------------------------

def defect(release, **fields):
    return WorkItemFactory(organization=release.organization, **{
        "flow_type": "defect", "severity": 2, "status_category": "in_progress", "status_raw": "In Progress",
        "fix_versions": [VERSION], **fields})


def test_an_open_severe_defect_fixed_in_the_release_fails_the_rule(release):
    found = defect(release, key="PAY-7", url="https://jira.test/browse/PAY-7")
    state, evidence = decide(release, rules.NO_OPEN_DEFECTS, {"max_severity": 2})
    assert state == Status.FAILED and "PAY-7" in evidence.summary
    assert evidence.values["defects"] == [{"id": found.pk, "key": "PAY-7", "title": found.title, "severity": 2,
                                           "status": "In Progress", "url": "https://jira.test/browse/PAY-7"}]


@pytest.mark.parametrize("fields", [
    {"severity": 3},  # less severe than asked
    {"status_category": "done"},
    {"flow_type": "feature"},
    {"fix_versions": ["2.5.0"]},
    {"severity": None},
])
def test_defects_that_do_not_count_leave_the_rule_met(release, fields):
    defect(release, **fields)
    state, evidence = decide(release, rules.NO_OPEN_DEFECTS, {"max_severity": 2})
    assert (state, evidence.values["defects"]) == (Status.MET, [])


def test_no_defects_at_all_is_met(release):
    state, evidence = decide(release, rules.NO_OPEN_DEFECTS, {"max_severity": 1})
    assert state == Status.MET and "No open defect of severity 1" in evidence.summary


# --- change request approved ----------------------------------------------------------------

@pytest.mark.parametrize(("approval", "state", "expected"), [
    ("approved", "scheduled", Status.MET),
    ("approved", "cancelled", Status.PENDING),
    ("requested", "authorize", Status.PENDING),
    ("rejected", "closed", Status.FAILED),
])
def test_the_change_request_of_the_release_decides(release, approval, state, expected):
    change = ChangeRequestFactory(organization=release.organization, release=release, approval=approval,
                                  state=state, url="https://snow.test/chg")
    outcome, evidence = decide(release, rules.CHANGE_REQUEST_APPROVED, {})
    assert outcome == expected
    assert [(c["id"], c["number"], c["url"]) for c in evidence.values["change_requests"]] == [
        (change.pk, change.number, "https://snow.test/chg")]


def test_a_change_named_by_number_counts_without_a_link_to_the_release(release):
    ChangeRequestFactory(organization=release.organization, number="CHG0000042", approval="approved")
    assert decide(release, rules.CHANGE_REQUEST_APPROVED, {})[0] == Status.PENDING
    assert decide(release, rules.CHANGE_REQUEST_APPROVED, {"number": "CHG0000042"})[0] == Status.MET


def test_no_change_request_is_pending(release):
    state, evidence = decide(release, rules.CHANGE_REQUEST_APPROVED, {})
    assert state == Status.PENDING and evidence.values["change_requests"] == []


# --- security scan --------------------------------------------------------------------------

@pytest.mark.parametrize(("job", "expected"), [
    ({"name": "SAST Security scan", "status": "succeeded"}, Status.MET),
    ({"name": "scan", "stage": "security", "status": "succeeded"}, Status.MET),
    ({"name": "Security scan", "status": "failed"}, Status.FAILED),
    ({"name": "unit tests", "status": "succeeded"}, Status.PENDING),
    ({"name": "Security scan", "status": "in_progress"}, Status.PENDING),
])
def test_a_security_job_of_the_release_decides(release, job, expected):
    run = PipelineRunFactory(organization=release.organization, service=service_of(release), version=VERSION,
                             url="https://ci.test/runs/1")
    PipelineJobFactory(organization=release.organization, run=run, finished_at=timezone.now(), **job)
    state, evidence = decide(release, rules.SECURITY_SCAN_PASSED, {})
    assert state == expected
    scans = evidence.values["scans"]
    assert all(scan["run_id"] == run.pk and scan["url"] == "https://ci.test/runs/1" for scan in scans)


def test_a_security_pipeline_counts_and_the_latest_scan_wins(release):
    service = service_of(release)
    PipelineRunFactory(organization=release.organization, service=service, version=VERSION, pipeline="dependency-audit",
                       status="failed", finished_at=timezone.now() - timedelta(hours=2))
    passed = PipelineRunFactory(organization=release.organization, service=service, version=VERSION,
                                pipeline="dependency-audit", status="succeeded")
    state, evidence = decide(release, rules.SECURITY_SCAN_PASSED, {"pattern": "*AUDIT*"})
    assert state == Status.MET
    assert [(s["kind"], s["id"]) for s in evidence.values["scans"]][0] == ("pipeline_run", passed.pk)


def test_no_scan_of_the_version_is_pending(release):
    PipelineRunFactory(organization=release.organization, service=service_of(release), version="1.0.0",
                       pipeline="security")
    state, evidence = decide(release, rules.SECURITY_SCAN_PASSED, {})
    assert (state, evidence.values["scans"]) == (Status.PENDING, [])
