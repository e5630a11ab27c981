"""`sluice record-deployment`: the body the CLI sends (defaults from the CI run) and, against the
real server, "started" then "finished" landing on one deployment record."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from integrations.models import Deployment
from sluice_cli.main import main
from tests.sluice_cli.stub_server import Answer, StubServer

DEPLOY = ("record-deployment", "--service", "payments-api", "--environment", "payments-prod", "--version", "2.4.0")
GITHUB = {"GITHUB_RUN_ID": "123", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_REPOSITORY": "acme/payments",
          "GITHUB_SERVER_URL": "https://github.com", "GITHUB_SHA": "abc123"}
SHA = "9f3c2b7e1d4a5f60718293a4b5c6d7e8f9012345"
GITLAB_SHA = "def4567"
GITLAB = {"CI_JOB_ID": "77", "CI_JOB_URL": "https://gitlab.acme.test/payments/-/jobs/77", "CI_COMMIT_SHA": GITLAB_SHA}
JENKINS = {"BUILD_TAG": "jenkins-payments-deploy-42", "BUILD_URL": "https://jenkins.acme.test/job/payments-deploy/42/",
           "GIT_COMMIT": "0a1b2c"}


def send(argv, env: dict[str, str], answers: list[Answer]):
    """Run against a scripted server; returns the exit code, stderr and the bodies it received."""
    with StubServer() as stub:
        stub.answers = answers
        err = io.StringIO()
        code = main(list(argv), environ={"SLUICE_URL": stub.url, "SLUICE_ORG": "acme", "SLUICE_TOKEN": "t", **env},
                    out=io.StringIO(), err=err)
    return code, err.getvalue(), stub.seen


@pytest.mark.parametrize(("env", "external_id", "url", "sha"), [
    (GITHUB, "github:123:2:payments-api:payments-prod", "https://github.com/acme/payments/actions/runs/123/attempts/2",
     "abc123"),
    (GITLAB, "gitlab:77:payments-api:payments-prod", GITLAB["CI_JOB_URL"], GITLAB_SHA),
    (JENKINS, "jenkins-payments-deploy-42:payments-api:payments-prod", JENKINS["BUILD_URL"], "0a1b2c"),
])
def test_the_ci_run_supplies_the_external_id_url_and_commit(env, external_id, url, sha):
    code, _, seen = send([*DEPLOY, "--status", "in_progress", "--started-at", "now", "--commit", "c1",
                          "--commit", "c2"], env, [Answer(201, {"id": 5, "status": "in_progress"})])
    assert code == 0
    (request,) = seen
    body = dict(request.body)
    started = datetime.fromisoformat(body.pop("started_at"))
    assert abs(started - timezone.now()) < timedelta(seconds=5) and started.utcoffset() == timedelta(0)
    assert (request.path, body) == ("/api/v1/orgs/acme/deployments/", {
        "service": "payments-api", "environment": "payments-prod", "version": "2.4.0", "status": "in_progress",
        "external_id": external_id, "url": url, "commit_sha": sha, "commits": [{"sha": "c1"}, {"sha": "c2"}]})


def test_flags_win_over_the_ci_run_and_status_defaults_to_succeeded():
    code, _, seen = send([*DEPLOY, "--external-id", "deploy-9", "--url", "https://ci.acme.test/9", "--commit-sha",
                          "fff", "--kind", "rollback", "--rollback-of", "deploy-8", "--release", "2025.03",
                          "--finished-at", "2025-03-04T18:05:00+01:00"], GITHUB, [Answer(200, {"id": 5})])
    assert code == 0
    assert seen[0].body == {"service": "payments-api", "environment": "payments-prod", "version": "2.4.0",
                            "status": "succeeded", "external_id": "deploy-9", "url": "https://ci.acme.test/9",
                            "commit_sha": "fff", "kind": "rollback", "rollback_of": "deploy-8", "release": "2025.03",
                            "finished_at": "2025-03-04T18:05:00+01:00"}


def test_outside_ci_without_an_external_id_it_warns_and_does_not_repeat_a_doubtful_request():
    code, err, seen = send(DEPLOY, {}, [Answer(502, "<html>bad gateway</html>")])
    assert (code, len(seen)) == (4, 1)
    assert "external_id" not in seen[0].body
    assert "a later call cannot update this deployment" in err


@pytest.mark.django_db(transaction=True)
def test_started_then_finished_updates_one_deployment(estate, sluice):
    started = sluice(*DEPLOY, "--status", "in_progress", "--started-at", "now", env=GITLAB)
    assert started.code == 0, started.err
    finished = sluice(*DEPLOY, "--finished-at", "now", "--commit", SHA, env=GITLAB)
    assert finished.code == 0, finished.err
    deployment = Deployment.objects.get()
    assert (deployment.service, deployment.environment, deployment.version, deployment.status) == (
        estate.service, estate.prod, "2.4.0", "succeeded")
    assert (deployment.external_id, deployment.commit_sha) == ("gitlab:77:payments-api:payments-prod", GITLAB_SHA)
    assert list(deployment.commits.values_list("sha", flat=True)) == [SHA]
    assert deployment.started_at is not None and deployment.finished_at >= deployment.started_at
    assert finished.out.startswith(f"deployment {deployment.pk} succeeded: payments-api 2.4.0 to payments-prod")
