"""GitHub webhooks into normalized records. Expected values are read off the fixture files."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json

import pytest

from integrations.connectors import github
from integrations.connectors.base import PayloadError, SignatureError
from integrations.connectors.http import Credentials
from integrations.normalized import (
    DeploymentKind,
    DeploymentStatus,
    DeploymentStrategy,
    NormalizedCommit,
    NormalizedDeployment,
    NormalizedPipelineJob,
    NormalizedPipelineRun,
    NormalizedPullRequest,
    PullRequestState,
    RunStatus,
    Source,
)
from tests.integrations.support import Reply, assert_fixture_records, fixture_bytes, load_fixture, utc

GH = Source.GITHUB
HELLO = "Codertocat/Hello-World"
DEPLOY_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
RUN_SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"
PR_HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"

_PR = dict(source=GH, external_id="279147437", service=HELLO, number=2,
           title="Update the README with new information.", author="Codertocat", source_branch="changes",
           target_branch="master", head_sha=PR_HEAD, opened_at=utc(2019, 5, 15, 15, 20, 33),
           url="https://github.com/Codertocat/Hello-World/pull/2")
_RUN = dict(source=GH, external_id="289782451", pipeline="test", status=RunStatus.SUCCEEDED, status_raw="success",
            service="octo-org/octo-repo", run_number=163, branch="master", commit_sha=RUN_SHA,
            trigger="repository_dispatch", started_at=utc(2020, 10, 5, 16, 33, 49),
            finished_at=utc(2020, 10, 5, 16, 33, 49), url="https://github.com/octo-org/octo-repo/actions/runs/289782451")
_JOB = dict(source=GH, external_id="289782451", name="linters", stage="CodeQL", service=HELLO,
            pipeline_run_external_id="2202229078", commit_sha=RUN_SHA, branch="main",
            started_at=utc(2021, 8, 5, 10, 34, 58), finished_at=utc(2021, 8, 5, 10, 38, 16),
            url="https://github.com/octo-org/octo-repo/runs/1291536064")

# fixture file -> (X-GitHub-Event, the records it must become)
EXPECTED = {
    "github/deployment.created.json": ("deployment", [NormalizedDeployment(
        source=GH, external_id="145988746", service=HELLO, environment="production",
        status=DeploymentStatus.IN_PROGRESS, status_raw="pending", version="master", commit_sha=DEPLOY_SHA,
        started_at=utc(2019, 5, 15, 15, 20, 53), triggered_by="Codertocat")]),
    "github/deployment.created.actions-gh-pages.json": ("deployment", [NormalizedDeployment(
        source=GH, external_id="145988746", service=HELLO, environment="github-pages",
        status=DeploymentStatus.IN_PROGRESS, status_raw="pending", version="gh-pages", commit_sha=DEPLOY_SHA,
        started_at=utc(2022, 1, 3, 1, 28, 30), pipeline_run_external_id="289782451",
        triggered_by="github-pages[bot]")]),
    "github/deployment_status.created.success.json": ("deployment_status", [NormalizedDeployment(
        source=GH, external_id="145988746", service=HELLO, environment="production",
        status=DeploymentStatus.SUCCEEDED, status_raw="success", version="master", commit_sha=DEPLOY_SHA,
        started_at=utc(2019, 5, 15, 15, 20, 53), finished_at=utc(2019, 5, 15, 15, 20, 55),
        triggered_by="Codertocat")]),
    "github/deployment_status.created.in_progress.json": ("deployment_status", [NormalizedDeployment(
        source=GH, external_id="145988746", service=HELLO, environment="github-pages",
        status=DeploymentStatus.IN_PROGRESS, status_raw="in_progress", version="master", commit_sha=DEPLOY_SHA,
        started_at=utc(2022, 1, 3, 1, 28, 30), pipeline_run_external_id="289782451",
        triggered_by="github-pages[bot]",
        url="https://github.com/CorsixTH/CorsixTH/runs/4687056418?check_suite_focus=true")]),
    "github/workflow_run.completed.success.json": ("workflow_run", [NormalizedPipelineRun(**_RUN)]),
    "github/workflow_run.completed.with-pull-requests.json": ("workflow_run", [
        NormalizedPipelineRun(**_RUN, pull_request_numbers=(2,))]),
    "github/workflow_job.completed.success.json": ("workflow_job", [
        NormalizedPipelineJob(**_JOB, status=RunStatus.SUCCEEDED, status_raw="success")]),
    "github/workflow_job.completed.failure.json": ("workflow_job", [
        NormalizedPipelineJob(**_JOB, status=RunStatus.FAILED, status_raw="failure")]),
    "github/push.branch.json": ("push", [NormalizedCommit(
        source=GH, external_id=f"{HELLO}@199eddf46df50de8d02e99bf1c5fdb4101338224", service=HELLO,
        sha="199eddf46df50de8d02e99bf1c5fdb4101338224", message="Update README", author="Codertocat",
        author_email="21031067+Codertocat@users.noreply.github.com",
        committed_at=utc(2018, 6, 15, 20, 1, 51),  # 13:01:51-07:00
        url="https://github.com/Codertocat/Hello-World/compare/199eddf46df50de8d02e99bf1c5fdb4101338224")]),
    "github/push.new-branch.json": ("push", [NormalizedCommit(
        source=GH, external_id=f"{HELLO}@6113728f27ae82c7b1a177c8d03f9e96e0adf246", service=HELLO,
        sha="6113728f27ae82c7b1a177c8d03f9e96e0adf246", message="Initial commit", author="Codertocat",
        author_email="21031067+Codertocat@users.noreply.github.com", committed_at=utc(2019, 5, 15, 15, 19, 25),
        url="https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246")]),
    "github/pull_request.opened.json": ("pull_request", [NormalizedPullRequest(
        **_PR, state=PullRequestState.OPEN, updated_at=utc(2019, 5, 15, 15, 20, 33))]),
    # Closed, not merged: merge_commit_sha is set in the payload (a test merge) and must not be kept.
    "github/pull_request.closed.not-merged.json": ("pull_request", [NormalizedPullRequest(
        **_PR, state=PullRequestState.CLOSED, updated_at=utc(2019, 5, 15, 15, 21, 18),
        closed_at=utc(2019, 5, 15, 15, 21, 18))]),
    "github/check_run.completed.json": ("check_run", [NormalizedPipelineJob(
        source=GH, external_id="128620228", name="Octocoders-linter", status=RunStatus.SUCCEEDED,
        status_raw="success", service=HELLO, commit_sha=PR_HEAD, branch="changes",
        started_at=utc(2019, 5, 15, 15, 21, 12), finished_at=utc(2019, 5, 15, 15, 21, 12),
        url="https://github.com/Codertocat/Hello-World/runs/128620228")]),
}


def parse(event: str, body: dict):
    return github.parse_webhook(event, {github.EVENT_HEADER: event}, body)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_fixture_becomes_expected_records(relative):
    assert_fixture_records(github, relative, *EXPECTED[relative])


def test_closed_fixture_really_carries_a_test_merge_sha():
    body = load_fixture("github/pull_request.closed.not-merged.json")
    assert body["pull_request"]["merge_commit_sha"] == "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    assert parse("pull_request", body).records[0].merge_commit_sha is None


def test_merged_pull_request_keeps_merge_sha_and_time():
    body = load_fixture("github/pull_request.closed.not-merged.json")
    body["pull_request"].update(merged=True, merged_at="2019-05-15T15:21:18Z", merged_by={"login": "Codertocat"},
                                title="ABC-12: update the README",
                                head={"ref": "feature/abc-13-readme", "sha": PR_HEAD})

    (pr,) = parse("pull_request", body).records

    assert pr.state == PullRequestState.MERGED
    assert pr.merged_at == utc(2019, 5, 15, 15, 21, 18)
    assert pr.merge_commit_sha == "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    assert pr.work_item_keys == ("ABC-12", "ABC-13")


@pytest.mark.parametrize(("state", "status"), [("failure", DeploymentStatus.FAILED),
                                               ("error", DeploymentStatus.FAILED),
                                               ("queued", DeploymentStatus.IN_PROGRESS)])
def test_deployment_status_states(state, status):
    body = load_fixture("github/deployment_status.created.success.json")
    body["deployment_status"].update(state=state, created_at="2019-05-15T15:30:00Z")

    (deployment,) = parse("deployment_status", body).records

    assert (deployment.status, deployment.status_raw) == (status, state)
    assert deployment.finished_at == (None if status == DeploymentStatus.IN_PROGRESS else utc(2019, 5, 15, 15, 30))


def test_inactive_status_is_ignored_with_a_reason():
    body = load_fixture("github/deployment_status.created.success.json")
    body["deployment_status"]["state"] = "inactive"

    parsed = parse("deployment_status", body)

    assert parsed.records == ()
    assert "inactive" in parsed.ignored


@pytest.mark.parametrize("as_string", [False, True])
def test_deployment_payload_sets_kind_version_and_links(as_string):
    body = load_fixture("github/deployment.created.json")
    payload = {"kind": "rollback", "rollback_of": "145988700", "version": "1.4.2", "strategy": "canary",
               "release": "2019.05", "change_request": "CHG0031889"}
    body["deployment"]["payload"] = json.dumps(payload) if as_string else payload

    (deployment,) = parse("deployment", body).records

    assert (deployment.kind, deployment.rollback_of, deployment.version, deployment.strategy) == (
        DeploymentKind.ROLLBACK, "145988700", "1.4.2", DeploymentStrategy.CANARY)
    assert (deployment.release, deployment.change_request) == ("2019.05", "CHG0031889")


def test_bad_payload_kind_names_the_field():
    body = load_fixture("github/deployment.created.json")
    body["deployment"]["payload"] = {"kind": "hotfx"}

    with pytest.raises(PayloadError, match=r"deployment\.payload\.kind: 'hotfx' is not one of") as error:
        parse("deployment", body)
    assert error.value.field == "deployment.payload.kind"


def test_missing_id_names_the_path():
    body = load_fixture("github/deployment.created.json")
    del body["deployment"]["id"]

    with pytest.raises(PayloadError, match=r"^id: missing") as error:
        parse("deployment", body)
    assert error.value.status == 400


def test_missing_repository_names_the_path():
    body = copy.deepcopy(load_fixture("github/push.branch.json"))
    del body["repository"]

    with pytest.raises(PayloadError, match=r"^repository\.full_name: missing"):
        parse("push", body)


def test_unknown_conclusion_names_the_field():
    body = load_fixture("github/workflow_run.completed.success.json")
    body["workflow_run"]["conclusion"] = "exploded"

    with pytest.raises(PayloadError, match="workflow_run.status: unknown status 'exploded'"):
        parse("workflow_run", body)


def test_workflow_run_in_progress_has_no_end():
    body = load_fixture("github/workflow_run.completed.success.json")
    body["workflow_run"].update(status="in_progress", conclusion=None)

    (run,) = parse("workflow_run", body).records

    assert (run.status, run.status_raw, run.finished_at) == (RunStatus.IN_PROGRESS, "in_progress", None)


@pytest.mark.parametrize("event", ["issues", "star", ""])
def test_unknown_event_is_ignored_not_raised(event):
    parsed = parse(event, {"action": "created"})

    assert parsed.records == ()
    assert f"{event or '(none)'!r} is not one Sluice reads" in parsed.ignored


def test_ping_is_ignored():
    assert parse("ping", {"zen": "Keep it logically awesome."}).ignored.startswith("ping")


def test_branch_deletion_push_is_ignored():
    body = load_fixture("github/push.branch.json")
    body.update(deleted=True, after="0" * 40, commits=[], head_commit=None)

    assert "deleting 'refs/heads/master'" in parse("push", body).ignored


# Signatures --------------------------------------------------------------------------------------

SECRET = "It's a Secret to Everybody"


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_good_signature_passes():
    body = fixture_bytes("github/push.branch.json")
    github.verify_webhook({"X-Hub-Signature-256": _sign(body)}, body, SECRET)


def test_github_documented_example_signature():
    # The example GitHub's webhook docs give for "Hello, World!" and this secret.
    github.verify_webhook(
        {"x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"},
        b"Hello, World!", SECRET)


@pytest.mark.parametrize(("headers", "message"), [
    ({}, "missing X-Hub-Signature-256"),
    ({"X-Hub-Signature-256": ""}, "missing X-Hub-Signature-256"),
    ({"X-Hub-Signature-256": "sha1=abc"}, "must start with 'sha256='"),
    ({"X-Hub-Signature-256": _sign(b"other body")}, "does not match"),
    ({"X-Hub-Signature-256": _sign(b"", secret="wrong")}, "does not match"),
])
def test_bad_or_missing_signature_is_refused(headers, message):
    body = fixture_bytes("github/push.branch.json")
    with pytest.raises(SignatureError, match=message):
        github.verify_webhook(headers, body, SECRET)


def test_a_connection_without_secret_refuses_everything():
    with pytest.raises(SignatureError, match="no webhook secret"):
        github.verify_webhook({"X-Hub-Signature-256": _sign(b"x", secret="")}, b"x", "")


# REST shapes -------------------------------------------------------------------------------------

def test_rest_deployment_takes_newest_meaningful_status_and_first_success_time():
    deployment = load_fixture("github/deployment.created.json")["deployment"]
    statuses = [  # newest first, as GET .../deployments/{id}/statuses lists them
        {"state": "inactive", "created_at": "2019-05-16T09:00:00Z", "environment": "production"},
        {"state": "success", "created_at": "2019-05-15T15:25:00Z", "environment": "production",
         "target_url": "https://ci.example/2"},
        {"state": "success", "created_at": "2019-05-15T15:21:00Z", "environment": "production"},
        {"state": "in_progress", "created_at": "2019-05-15T15:20:54Z", "environment": "production"},
    ]

    record = github.parse_deployment(deployment, repo=HELLO, statuses=statuses)

    assert (record.status, record.status_raw, record.url) == (DeploymentStatus.SUCCEEDED, "success",
                                                              "https://ci.example/2")
    assert record.finished_at == utc(2019, 5, 15, 15, 21)


def test_rest_pull_request_list_item_is_merged_by_merged_at():
    pr = load_fixture("github/pull_request.closed.not-merged.json")["pull_request"]
    del pr["merged"]  # list items have no `merged`
    pr["merged_at"] = "2019-05-15T15:21:18Z"

    record = github.parse_pull_request(pr, repo=HELLO, commit_shas=(PR_HEAD,), first_review_at=utc(2019, 5, 15, 15, 21))

    assert (record.state, record.commit_shas, record.first_review_at) == (
        PullRequestState.MERGED, (PR_HEAD,), utc(2019, 5, 15, 15, 21))


def test_rest_commit_keeps_author_and_committer_dates():
    item = {"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "html_url": "https://github.com/o/r/commit/6dcb09b",
            "commit": {"message": "Fix all the bugs",
                       "author": {"name": "Monalisa Octocat", "email": "mona@github.com",
                                  "date": "2011-04-14T16:00:49Z"},
                       "committer": {"name": "Monalisa Octocat", "date": "2011-04-15T09:00:00+02:00"}},
            "author": {"login": "octocat"}}

    record = github.parse_rest_commit(item, repo="o/r")

    assert record == NormalizedCommit(
        source=GH, external_id="o/r@6dcb09b5b57875f334f61aebed695e2e4193db5e", service="o/r",
        sha="6dcb09b5b57875f334f61aebed695e2e4193db5e", message="Fix all the bugs", author="octocat",
        author_email="mona@github.com", authored_at=utc(2011, 4, 14, 16, 0, 49), committed_at=utc(2011, 4, 15, 7),
        url="https://github.com/o/r/commit/6dcb09b")


# Pull: REST lists served with Link headers ---------------------------------------------------------

DEPLOYMENTS = f"/repos/{HELLO}/deployments"


def serve_deployments(server):
    deployment = load_fixture("github/deployment.created.json")["deployment"]
    success = load_fixture("github/deployment_status.created.success.json")["deployment_status"]
    a = deployment
    b = deployment | {"id": 145988747, "created_at": "2019-05-15T15:09:00Z", "updated_at": "2019-05-15T15:10:00Z"}
    c = deployment | {"id": 145988748, "created_at": "2019-05-14T09:00:00Z", "updated_at": "2019-05-14T09:05:00Z"}

    def listing(seen):
        if seen.query.get("page") == "2":
            return Reply(body=[c])
        return Reply(body=[a, b], headers={"Link": f'<{server.url}{DEPLOYMENTS}?per_page=2&page=2>; rel="next", '
                                                   f'<{server.url}{DEPLOYMENTS}?per_page=2&page=2>; rel="last"'})
    server.route(DEPLOYMENTS, listing)
    server.route(f"{DEPLOYMENTS}/145988746/statuses", [success])
    server.route(f"{DEPLOYMENTS}/145988747/statuses", [])
    server.route(f"{DEPLOYMENTS}/145988748/statuses", [
        {"state": "failure", "created_at": "2019-05-14T09:05:00Z", "environment": "production"}])


def gh_client(server, sleeps, repo=HELLO):
    return github.Client(repo=repo, credentials=Credentials(token="ghp_secret"), base_url=server.url, page_size=2,
                         sleep=sleeps)


def outcomes(pages):
    return [[(r.external_id, r.status) for r in page.records] for page in pages]


def test_deployments_follow_link_pages(server, sleeps):
    serve_deployments(server)

    pages = list(gh_client(server, sleeps).deployment_pages())

    assert outcomes(pages) == [[("145988746", DeploymentStatus.SUCCEEDED), ("145988747", DeploymentStatus.IN_PROGRESS)],
                               [("145988748", DeploymentStatus.FAILED)]]
    assert pages[0].cursor == {"since": None, "next": f"{server.url}{DEPLOYMENTS}?per_page=2&page=2",
                               "high_water": "2019-05-15T15:20:53+00:00"}
    assert pages[1].cursor == {"since": "2019-05-15T15:20:53+00:00"}
    assert pages[0].records[0] == EXPECTED["github/deployment_status.created.success.json"][1][0]
    seen = server.hits(DEPLOYMENTS)[0]
    assert seen.headers["Authorization"] == "Bearer ghp_secret"
    assert seen.headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_deployments_resume_at_the_saved_next_page(server, sleeps):
    serve_deployments(server)
    pages = gh_client(server, sleeps).deployment_pages()
    saved = next(pages).cursor
    pages.close()

    resumed = list(gh_client(server, sleeps).deployment_pages(saved))

    assert outcomes(resumed) == [[("145988748", DeploymentStatus.FAILED)]]
    assert [s.query.get("page") for s in server.hits(DEPLOYMENTS)] == [None, "2"]
    assert resumed[-1].cursor == {"since": "2019-05-15T15:20:53+00:00"}


def test_incremental_deployments_stop_at_the_first_older_one(server, sleeps):
    serve_deployments(server)

    pages = list(gh_client(server, sleeps).deployment_pages({"since": "2019-05-15T15:15:00+00:00"}))

    assert outcomes(pages) == [[("145988746", DeploymentStatus.SUCCEEDED)]]
    assert len(server.hits(DEPLOYMENTS)) == 1  # page 2 is older still: never fetched
    assert server.hits(f"{DEPLOYMENTS}/145988747/statuses") == []


def test_pull_requests_with_commits_and_first_review(server, sleeps):
    pr = load_fixture("github/pull_request.opened.json")["pull_request"]
    server.route(f"/repos/{HELLO}/pulls", [pr])
    server.route(f"/repos/{HELLO}/pulls/2/commits", [{"sha": PR_HEAD}])
    server.route(f"/repos/{HELLO}/pulls/2/reviews", [{"state": "COMMENTED", "submitted_at": "2019-05-15T15:21:05Z"},
                                                     {"state": "APPROVED", "submitted_at": "2019-05-15T15:20:59Z"}])

    (page,) = list(gh_client(server, sleeps).pull_request_pages())

    assert page.records == [NormalizedPullRequest(
        **_PR, state=PullRequestState.OPEN, updated_at=utc(2019, 5, 15, 15, 20, 33), commit_shas=(PR_HEAD,),
        first_review_at=utc(2019, 5, 15, 15, 20, 59))]
    assert server.hits(f"/repos/{HELLO}/pulls")[0].query == {"per_page": "2", "state": "all", "sort": "updated",
                                                             "direction": "desc"}


def test_workflow_runs_reach_back_a_day_before_the_cursor(server, sleeps):
    run = load_fixture("github/workflow_run.completed.success.json")["workflow_run"]
    server.route("/repos/octo-org/octo-repo/actions/runs", {"total_count": 1, "workflow_runs": [run]})

    (page,) = list(gh_client(server, sleeps, repo="octo-org/octo-repo").workflow_run_pages(
        {"since": "2020-10-05T16:00:00+00:00"}))

    assert server.hits("/repos/octo-org/octo-repo/actions/runs")[0].query["created"] == ">=2020-10-04T16:00:00Z"
    # REST runs carry no `workflow` object; with an empty name the workflow file names the pipeline.
    assert page.records == [NormalizedPipelineRun(**_RUN | {"pipeline": ".github/workflows/test.yml"})]
    assert page.cursor == {"since": "2020-10-05T16:33:49+00:00"}


def test_commits_pass_since_to_the_server(server, sleeps):
    item = {"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "commit": {
        "message": "Fix", "author": {"name": "Mona", "date": "2024-01-02T10:00:00Z"},
        "committer": {"date": "2024-01-02T11:00:00Z"}}}
    server.route(f"/repos/{HELLO}/commits", [item])

    (page,) = list(gh_client(server, sleeps).commit_pages({"since": "2024-01-01T00:00:00+00:00"}))

    assert server.hits(f"/repos/{HELLO}/commits")[0].query["since"] == "2024-01-01T00:00:00+00:00"
    assert [c.sha for c in page.records] == ["6dcb09b5b57875f334f61aebed695e2e4193db5e"]
    assert page.cursor == {"since": "2024-01-02T11:00:00+00:00"}
