"""GitLab webhooks and REST items into normalized records. Expected values are read off the
fixture files."""

from __future__ import annotations

import httpx
import pytest

from integrations.connectors import gitlab
from integrations.connectors.base import PayloadError, SignatureError
from integrations.connectors.http import Credentials
from integrations.mapping import Mapping
from integrations.normalized import (
    DeploymentStatus,
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

GL = Source.GITLAB
PIPE_SHA = "bcbb5ec396a2c0f828686f14fac9b80b780504f2"
PIPE_WEB = "http://192.168.64.1:3005/gitlab-org/gitlab-test"
_BUILD = dict(source=GL, service="gitlab-org/gitlab-test", pipeline_run_external_id="31", commit_sha=PIPE_SHA,
              branch="master")

EXPECTED = {
    # status_changed_at "2021-04-28 21:50:00 +0200"; the full sha is the tail of commit_url.
    "gitlab/deployment.success.json": ("Deployment Hook", [NormalizedDeployment(
        source=GL, external_id="15", service="root/test-deployment-webhooks", environment="staging",
        status=DeploymentStatus.SUCCEEDED, status_raw="success", version="1.0.0",
        commit_sha="279484c09fbe69ededfced8c1bb6e6d24616b468", finished_at=utc(2021, 4, 28, 19, 50),
        triggered_by="user1", url="http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796")]),
    "gitlab/pipeline.success.json": ("Pipeline Hook", [NormalizedPipelineRun(
        source=GL, external_id="31", pipeline="gitlab-org/gitlab-test", status=RunStatus.SUCCEEDED,
        status_raw="success", service="gitlab-org/gitlab-test", run_number=123, branch="master", commit_sha=PIPE_SHA,
        trigger="merge_request_event", started_at=utc(2016, 8, 12, 15, 23, 28),
        finished_at=utc(2016, 8, 12, 15, 26, 29), url=f"{PIPE_WEB}/-/pipelines/31", pull_request_numbers=(1,),
        jobs=(
            NormalizedPipelineJob(**_BUILD, external_id="380", name="production", status=RunStatus.SKIPPED,
                                  status_raw="skipped", stage="deploy", environment="production",
                                  url=f"{PIPE_WEB}/-/jobs/380"),
            NormalizedPipelineJob(**_BUILD, external_id="377", name="test-image", status=RunStatus.SUCCEEDED,
                                  status_raw="success", stage="test", started_at=utc(2016, 8, 12, 15, 26, 12),
                                  url=f"{PIPE_WEB}/-/jobs/377"),
            NormalizedPipelineJob(**_BUILD, external_id="378", name="test-build", status=RunStatus.SUCCEEDED,
                                  status_raw="success", stage="test", started_at=utc(2016, 8, 12, 15, 26, 12),
                                  finished_at=utc(2016, 8, 12, 15, 26, 29), url=f"{PIPE_WEB}/-/jobs/378"),
            NormalizedPipelineJob(**_BUILD, external_id="376", name="build-image", status=RunStatus.SUCCEEDED,
                                  status_raw="success", stage="build", started_at=utc(2016, 8, 12, 15, 24, 56),
                                  finished_at=utc(2016, 8, 12, 15, 25, 26), url=f"{PIPE_WEB}/-/jobs/376"),
            NormalizedPipelineJob(**_BUILD, external_id="379", name="staging", status=RunStatus.QUEUED,
                                  status_raw="created", stage="deploy", url=f"{PIPE_WEB}/-/jobs/379"),
        ))]),
    "gitlab/job.json": ("Job Hook", [NormalizedPipelineJob(
        source=GL, external_id="3580121225", name="auto_deploy:start", status=RunStatus.SUCCEEDED,
        status_raw="success", stage="coordinated:tag", service="jsmithy2/release-tools-fake",
        pipeline_run_external_id="743121198", commit_sha="95d49d1efbd941908580e79d65e4b5ecaf4a8305", branch="main",
        environment="production", started_at=utc(2023, 1, 10, 13, 50, 5), finished_at=utc(2023, 1, 10, 13, 50, 54),
        url="https://gitlab.com/jsmithy2/release-tools-fake/-/jobs/3580121225")]),
    "gitlab/merge_request.open.json": ("Merge Request Hook", [NormalizedPullRequest(
        source=GL, external_id="99", service="gitlabhq/gitlab-test", number=1, title="MS-Viewport",
        state=PullRequestState.OPEN, author="user1", source_branch="ms-viewport", target_branch="master",
        head_sha="da1560886d4f094c3e6c9ef40349f7d38b5d27d7", opened_at=utc(2013, 12, 3, 17, 23, 34),
        updated_at=utc(2013, 12, 3, 17, 23, 34), url="http://example.com/diaspora/merge_requests/1")]),
    # A real gitlab.com merge: no merged_at in the hook, so the merge event's updated_at is it.
    "gitlab/merge_request.merge.json": ("Merge Request Hook", [NormalizedPullRequest(
        source=GL, external_id="6632669", service="gitlab-org/hello-world", number=1, title="update readme",
        state=PullRequestState.MERGED, source_branch="feature", target_branch="master",
        head_sha="c4c79227ed610f1151f05bbc5be33b4f340d39c8", opened_at=utc(2017, 12, 10, 17, 1, 11),
        updated_at=utc(2017, 12, 10, 17, 8, 7), merged_at=utc(2017, 12, 10, 17, 8, 7),
        merge_commit_sha="78a76ee6b4992a6baf64c59fc4c44c7323d60438",
        url="https://gitlab.com/gitlab-org/hello-world/merge_requests/1")]),
    "gitlab/push.json": ("Push Hook", [
        NormalizedCommit(
            source=GL, external_id="mike/diaspora@b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327", service="mike/diaspora",
            sha="b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
            message="Merge branch 'some-feature' into 'master'\n\nRelease v1.0.0\n\nSee merge request jsmith/example!1",
            author="Jordi Mallach", author_email="redacted@example.org", committed_at=utc(2011, 12, 12, 12, 27, 31),
            url="http://example.com/mike/diaspora/commit/b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327"),
        NormalizedCommit(
            source=GL, external_id="mike/diaspora@da1560886d4f094c3e6c9ef40349f7d38b5d27d7", service="mike/diaspora",
            sha="da1560886d4f094c3e6c9ef40349f7d38b5d27d7", message="fixed readme\n", author="GitLab dev user",
            author_email="gitlabdev@dv6700.(none)", committed_at=utc(2012, 1, 3, 21, 36, 29),
            url="http://example.com/mike/diaspora/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7"),
    ]),
}


def parse(event: str, body: dict, **kwargs):
    return gitlab.parse_webhook(event, {gitlab.EVENT_HEADER: event}, body, **kwargs)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_fixture_becomes_expected_records(relative):
    assert_fixture_records(gitlab, relative, *EXPECTED[relative])


@pytest.mark.parametrize(("status", "expected"), [("running", DeploymentStatus.IN_PROGRESS),
                                                  ("failed", DeploymentStatus.FAILED),
                                                  ("canceled", DeploymentStatus.CANCELLED)])
def test_deployment_statuses(status, expected):
    body = load_fixture("gitlab/deployment.success.json")
    body["status"] = status

    (deployment,) = parse("Deployment Hook", body).records

    assert deployment.status == expected
    changed = utc(2021, 4, 28, 19, 50)
    assert (deployment.started_at, deployment.finished_at) == (
        (changed, None) if expected == DeploymentStatus.IN_PROGRESS else (None, changed))


def test_deployment_without_full_sha_in_commit_url_keeps_the_short_one():
    body = load_fixture("gitlab/deployment.success.json")
    body["commit_url"] = None

    assert parse("Deployment Hook", body).records[0].commit_sha == "279484c0"


def test_failed_pipeline_and_mapping_override():
    body = load_fixture("gitlab/pipeline.success.json")
    body["object_attributes"]["status"] = "failed"
    assert parse("Pipeline Hook", body).records[0].status == RunStatus.FAILED

    body["object_attributes"]["status"] = "manual"
    mapping = Mapping.from_overrides({"gitlab_pipeline_statuses": {"manual": "in_progress"}})
    assert parse("Pipeline Hook", body, mapping=mapping).records[0].status == RunStatus.IN_PROGRESS


def test_unknown_pipeline_status_names_the_field():
    body = load_fixture("gitlab/pipeline.success.json")
    body["object_attributes"]["status"] = "fail"  # the hand-edited value SHAPES.md warns about

    with pytest.raises(PayloadError, match="object_attributes.status: unknown status 'fail'"):
        parse("Pipeline Hook", body)


def test_closed_merge_request_is_closed_at_its_update():
    body = load_fixture("gitlab/merge_request.open.json")
    body["object_attributes"].update(action="close", state="closed", updated_at="2013-12-04T08:00:00Z")

    (mr,) = parse("Merge Request Hook", body).records

    assert (mr.state, mr.closed_at, mr.merged_at, mr.author) == (PullRequestState.CLOSED, utc(2013, 12, 4, 8), None,
                                                                 None)


def test_branch_deletion_push_is_ignored():
    body = load_fixture("gitlab/push.json")
    body.update(after="0" * 40, commits=[], total_commits_count=0)

    assert "deleting 'refs/heads/master'" in parse("Push Hook", body).ignored


@pytest.mark.parametrize("event", ["Issue Hook", "Note Hook", "System Hook", ""])
def test_unknown_event_is_ignored(event):
    parsed = parse(event, {"object_kind": "issue"})
    assert parsed.records == () and "is not one Sluice reads" in parsed.ignored


@pytest.mark.parametrize(("headers", "ok"), [
    ({"X-Gitlab-Token": "s3cret-token"}, True),
    ({"x-gitlab-token": "s3cret-token"}, True),
    ({"X-Gitlab-Token": "s3cret-tokem"}, False),
    ({"X-Gitlab-Token": ""}, False),
    ({}, False),
])
def test_token(headers, ok):
    body = fixture_bytes("gitlab/push.json")
    if ok:
        gitlab.verify_webhook(headers, body, "s3cret-token")
    else:
        with pytest.raises(SignatureError, match="X-Gitlab-Token"):
            gitlab.verify_webhook(headers, body, "s3cret-token")


# REST shapes (GitLab's API documentation's field sets) ------------------------------------------

def test_rest_deployment():
    item = {"id": 42, "iid": 2, "ref": "main", "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
            "created_at": "2016-08-11T07:36:40.222Z", "updated_at": "2016-08-11T07:38:12.414Z",
            "finished_at": "2016-08-11T07:38:12.414Z", "status": "success", "user": {"username": "root"},
            "environment": {"id": 9, "name": "production"},
            "deployable": {"id": 664, "status": "success", "started_at": "2016-08-11T07:36:41.000Z",
                           "finished_at": "2016-08-11T07:38:12.000Z", "web_url": "https://gl.example/p/-/jobs/664",
                           "pipeline": {"id": 36}}}

    assert gitlab.parse_rest_deployment(item, project="group/p") == NormalizedDeployment(
        source=GL, external_id="42", service="group/p", environment="production", status=DeploymentStatus.SUCCEEDED,
        status_raw="success", version="main", commit_sha="a91957a858320c0e17f3a0eca7cfacbff50ea29a",
        started_at=utc(2016, 8, 11, 7, 36, 41), finished_at=utc(2016, 8, 11, 7, 38, 12, 414000),
        pipeline_run_external_id="36", triggered_by="root", url="https://gl.example/p/-/jobs/664")


def test_rest_pipeline_with_test_summary():
    item = {"id": 46, "iid": 11, "status": "failed", "ref": "main", "tag": False, "source": "push",
            "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a", "created_at": "2016-08-11T11:28:34.085Z",
            "started_at": "2016-08-11T11:28:56.085Z", "finished_at": "2016-08-11T11:32:35.145Z",
            "coverage": "30.0", "web_url": "https://gl.example/p/-/pipelines/46"}
    summary = {"total": {"time": 1904, "count": 3363, "success": 3351, "failed": 0, "skipped": 12, "error": 0}}

    run = gitlab.parse_rest_pipeline(item, project="group/p", test_summary=summary)

    assert (run.external_id, run.run_number, run.status, run.started_at, run.finished_at) == (
        "46", 11, RunStatus.FAILED, utc(2016, 8, 11, 11, 28, 56, 85000), utc(2016, 8, 11, 11, 32, 35, 145000))
    assert (run.tests_passed, run.tests_failed, run.tests_skipped, run.coverage) == (3351, 0, 12, 30.0)


# Pull: offset pages announced by X-Next-Page -------------------------------------------------------

PROJECT = "/api/v4/projects/gitlab-org%2Fgitlab-test"


def gl_client(server, sleeps):
    return gitlab.Client(project="gitlab-org/gitlab-test", credentials=Credentials(token="glpat-secret"),
                         base_url=server.url, page_size=2, sleep=sleeps)


def serve_pipelines(server):
    listing = {"1": [{"id": 31, "updated_at": "2016-08-12T15:26:29Z"},
                     {"id": 32, "updated_at": "2016-08-13T09:00:00Z"}],
               "2": [{"id": 33, "updated_at": "2016-08-14T09:00:00Z"}]}

    def pipelines(seen):
        page = seen.query.get("page", "1")
        return Reply(body=listing[page], headers={"X-Next-Page": "2" if page == "1" else ""})
    server.route(f"{PROJECT}/pipelines", pipelines)
    for pid, status in ((31, "success"), (32, "failed"), (33, "running")):
        server.route(f"{PROJECT}/pipelines/{pid}", {
            "id": pid, "iid": pid + 92, "status": status, "ref": "master", "tag": False, "sha": PIPE_SHA,
            "source": "push", "created_at": "2016-08-12T15:23:28Z", "started_at": "2016-08-12T15:23:30Z",
            "finished_at": "2016-08-12T15:26:29Z", "coverage": None, "web_url": f"{PIPE_WEB}/-/pipelines/{pid}"})
    server.route(f"{PROJECT}/pipelines/31/test_report_summary",
                 {"total": {"count": 10, "success": 8, "failed": 1, "skipped": 1}})
    # 32 and 33 have no test report: the local server answers 404, as older GitLab does


def test_pipelines_follow_x_next_page(server, sleeps):
    serve_pipelines(server)

    pages = list(gl_client(server, sleeps).pipeline_pages({"since": "2016-08-01T00:00:00+00:00"}))

    assert [[(r.external_id, r.status, r.tests_passed, r.finished_at) for r in p.records] for p in pages] == [
        [("31", RunStatus.SUCCEEDED, 8, utc(2016, 8, 12, 15, 26, 29)), ("32", RunStatus.FAILED, None,
                                                                       utc(2016, 8, 12, 15, 26, 29))],
        [("33", RunStatus.IN_PROGRESS, None, None)]]
    next_url = f"{server.url}{PROJECT}/pipelines?per_page=2&order_by=updated_at&sort=asc&" \
               f"updated_after=2016-08-01T00%3A00%3A00%2B00%3A00&page=2"
    assert pages[0].cursor == {"since": "2016-08-01T00:00:00+00:00", "next": next_url,
                               "high_water": "2016-08-13T09:00:00+00:00"}
    assert pages[1].cursor == {"since": "2016-08-14T09:00:00+00:00"}
    first = server.hits(f"{PROJECT}/pipelines")[0]
    assert first.query == {"per_page": "2", "order_by": "updated_at", "sort": "asc",
                           "updated_after": "2016-08-01T00:00:00+00:00"}
    assert first.headers["PRIVATE-TOKEN"] == "glpat-secret"


def test_pipelines_resume_at_page_two(server, sleeps):
    serve_pipelines(server)
    pages = gl_client(server, sleeps).pipeline_pages()
    saved = next(pages).cursor
    pages.close()

    resumed = list(gl_client(server, sleeps).pipeline_pages(saved))

    assert [[r.external_id for r in p.records] for p in resumed] == [["33"]]
    assert [s.query.get("page") for s in server.hits(f"{PROJECT}/pipelines")] == [None, "2"]


def test_merge_requests_carry_their_commits(server, sleeps):
    server.route(f"{PROJECT}/merge_requests", [{
        "id": 99, "iid": 1, "title": "PAY-7 MS-Viewport", "state": "merged", "created_at": "2013-12-03T17:23:34Z",
        "updated_at": "2013-12-04T10:00:00Z", "merged_at": "2013-12-04T09:59:00Z", "closed_at": None,
        "merge_commit_sha": None, "squash_commit_sha": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
        "sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", "source_branch": "ms-viewport",
        "target_branch": "master", "author": {"username": "user1"}, "web_url": "http://example.com/mr/1"}])
    server.route(f"{PROJECT}/merge_requests/1/commits", [{"id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"}])

    (page,) = list(gl_client(server, sleeps).merge_request_pages())

    (mr,) = page.records
    assert (mr.state, mr.merged_at, mr.merge_commit_sha, mr.author, mr.work_item_keys) == (
        PullRequestState.MERGED, utc(2013, 12, 4, 9, 59), "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327", "user1",
        ("PAY-7",))
    assert mr.commit_shas == ("da1560886d4f094c3e6c9ef40349f7d38b5d27d7",)


def test_commits_use_since(server, sleeps):
    server.route(f"{PROJECT}/repository/commits", [{
        "id": "ed899a2f4b50b4370feeea94676502b42383c746", "message": "Replace sanitize with escape once",
        "author_name": "Example User", "author_email": "user@example.com", "authored_date": "2021-09-20T11:50:22+03:00",
        "committed_date": "2021-09-20T11:50:22+03:00", "web_url": "https://gl.example/p/-/commit/ed899a2f"}])

    (page,) = list(gl_client(server, sleeps).commit_pages({"since": "2021-09-01T00:00:00+00:00"}))

    assert server.hits(f"{PROJECT}/repository/commits")[0].query["since"] == "2021-09-01T00:00:00+00:00"
    assert page.records[0].committed_at == utc(2021, 9, 20, 8, 50, 22)
    assert page.cursor == {"since": "2021-09-20T08:50:22+00:00"}


def test_keyset_link_wins_over_x_next_page():
    request = httpx.Request("GET", "https://gl.example/api/v4/projects/1/pipelines?per_page=2")
    keyset = httpx.Response(200, request=request, headers={
        "Link": '<https://gl.example/api/v4/projects/1/pipelines?id_before=31&per_page=2>; rel="next"',
        "X-Next-Page": "2"})
    offset = httpx.Response(200, request=request, headers={"X-Next-Page": "3"})
    last = httpx.Response(200, request=request, headers={"X-Next-Page": ""})

    assert gitlab.next_page_url(keyset) == "https://gl.example/api/v4/projects/1/pipelines?id_before=31&per_page=2"
    assert gitlab.next_page_url(offset) == "https://gl.example/api/v4/projects/1/pipelines?per_page=2&page=3"
    assert gitlab.next_page_url(last) is None
