"""Jenkins builds and Pipeline stages into pipeline runs. Expected values are read off the fixtures
(timestamp 1461091892486 ms = 2016-04-19T18:51:32.486Z, plus duration 60750 ms)."""

from __future__ import annotations

import re

import pytest

from integrations.connectors import jenkins
from integrations.connectors.base import PayloadError
from integrations.connectors.http import Credentials
from integrations.normalized import NormalizedCommit, NormalizedPipelineJob, NormalizedPipelineRun, RunStatus, Source
from tests.integrations.support import Reply, load_fixture, utc

JK = Source.JENKINS
SHA = "d27afa0805201322d846d7defc29b82c88d9b5ce"
_FISH_10 = dict(source=JK, external_id="fish#10", pipeline="fish", status=RunStatus.SUCCEEDED, status_raw="SUCCESS",
                service="fish", run_number=10, trigger="Started by user anonymous",
                started_at=utc(2016, 4, 19, 18, 51, 32, 486000), finished_at=utc(2016, 4, 19, 18, 52, 33, 236000),
                url="http://localhost:32769/job/fish/10/")
_RUN_16 = "Test Workflow#16"  # from _links.self.href /jenkins/job/Test%20Workflow/16/wfapi/describe

EXPECTED = {
    # Freestyle build with an empty changeSet.
    "jenkins/build.api-json.json": [NormalizedPipelineRun(**_FISH_10)],
    # Pipeline-style changeSets holding one GitChangeSet: its commit is the one built.
    "jenkins/build.api-json.git-changesets.json": [
        NormalizedPipelineRun(**_FISH_10, commit_sha=SHA),
        NormalizedCommit(source=JK, external_id=f"fish@{SHA}", service="fish", sha=SHA, message="Commit comment",
                         author="username", author_email="username@localhost",
                         committed_at=utc(2016, 4, 19, 18, 51, 32, 486000)),
    ],
    # Paused for input: the run and its Deploy stage are still in progress (no end).
    "jenkins/pipeline.wfapi-describe.json": [NormalizedPipelineRun(
        source=JK, external_id=_RUN_16, pipeline="Test Workflow", status=RunStatus.IN_PROGRESS,
        status_raw="PAUSED_PENDING_INPUT", run_number=16, started_at=utc(2014, 10, 16, 12, 7, 55, 770000),
        jobs=(
            NormalizedPipelineJob(source=JK, external_id=f"{_RUN_16}:5", name="Build", status=RunStatus.SUCCEEDED,
                                  status_raw="SUCCESS", pipeline_run_external_id=_RUN_16,
                                  started_at=utc(2014, 10, 16, 12, 7, 55, 770000),
                                  finished_at=utc(2014, 10, 16, 12, 8, 0, 998000)),
            NormalizedPipelineJob(source=JK, external_id=f"{_RUN_16}:8", name="Test", status=RunStatus.SUCCEEDED,
                                  status_raw="SUCCESS", pipeline_run_external_id=_RUN_16,
                                  started_at=utc(2014, 10, 16, 12, 8, 0, 998000),
                                  finished_at=utc(2014, 10, 16, 12, 8, 5, 992000)),
            NormalizedPipelineJob(source=JK, external_id=f"{_RUN_16}:10", name="Deploy",
                                  status=RunStatus.IN_PROGRESS, status_raw="PAUSED_PENDING_INPUT",
                                  pipeline_run_external_id=_RUN_16, started_at=utc(2014, 10, 16, 12, 8, 5, 992000)),
        ))],
}


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_fixture_becomes_expected_records(relative):
    body = load_fixture(relative)
    records = [jenkins.parse_stages(body)] if "wfapi" in relative else jenkins.parse_build(body)
    assert records == EXPECTED[relative]


def test_build_data_gives_sha_branch_repository_and_tests():
    build = load_fixture("jenkins/build.api-json.git-changesets.json")
    build["result"] = "UNSTABLE"
    build["actions"] += [
        {"_class": "hudson.plugins.git.util.BuildData",
         "lastBuiltRevision": {"SHA1": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                               "branch": [{"SHA1": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                                           "name": "refs/remotes/origin/main"}]},
         "remoteUrls": ["git@github.com:acme/payments-api.git"]},
        {"_class": "hudson.tasks.junit.TestResultAction", "failCount": 2, "skipCount": 5, "totalCount": 120},
    ]

    run, commit = jenkins.parse_build(build)

    assert (run.status, run.commit_sha, run.branch, run.service) == (
        RunStatus.FAILED, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "main", "acme/payments-api")
    assert (run.tests_passed, run.tests_failed, run.tests_skipped) == (113, 2, 5)
    assert commit.external_id == f"acme/payments-api@{SHA}"


def test_running_build_has_no_result_or_end():
    build = load_fixture("jenkins/build.api-json.json") | {"building": True, "result": None, "duration": 0}

    (run,) = jenkins.parse_build(build)

    assert (run.status, run.status_raw, run.finished_at) == (RunStatus.IN_PROGRESS, "BUILDING", None)


@pytest.mark.parametrize(("result", "status"), [("FAILURE", RunStatus.FAILED), ("ABORTED", RunStatus.CANCELLED),
                                                ("NOT_BUILT", RunStatus.SKIPPED)])
def test_results(result, status):
    build = load_fixture("jenkins/build.api-json.json") | {"result": result}
    assert jenkins.parse_build(build)[0].status == status


def test_unknown_result_names_the_field():
    with pytest.raises(PayloadError, match="result: unknown status 'EXPLODED'"):
        jenkins.parse_build(load_fixture("jenkins/build.api-json.json") | {"result": "EXPLODED"})


@pytest.mark.parametrize(("url", "path"), [("http://ci/job/fish/10/", "fish"),
                                           ("https://ci.example/job/team/job/payments%20api/42/", "team/payments api")])
def test_job_path_includes_folders(url, path):
    assert jenkins.job_path(url) == path


# Pull: builds through tree ranges ------------------------------------------------------------------

JOB = "/job/folder/job/fish/api/json"


class Builds:
    """Answers ``tree=builds[...]{m,n}`` from a newest-first list, as Jenkins does."""

    def __init__(self, server, numbers: list[int], building: set[int] = frozenset()):
        template = load_fixture("jenkins/build.api-json.git-changesets.json")
        self.builds = [template | {"number": n, "id": str(n), "url": f"{server.url}/job/folder/job/fish/{n}/",
                                   "building": n in building, "result": None if n in building else "SUCCESS"}
                       for n in numbers]
        server.route(JOB, self.respond)

    def respond(self, seen):
        tree = seen.query["tree"]
        assert tree.startswith("builds[number,url,building,result,timestamp,duration,actions[")
        start, end = map(int, re.search(r"\{(\d+),(\d+)\}$", tree).groups())
        return Reply(body={"builds": self.builds[start:end]})

    def finish(self, number: int) -> None:
        for build in self.builds:
            if build["number"] == number:
                build.update(building=False, result="FAILURE")


def jk_client(server, sleeps, **options):
    return jenkins.Client(base_url=server.url, credentials=Credentials(username="ci", password="api-token"),
                          job="folder/fish", page_size=2, sleep=sleeps, **options)


def runs(pages):
    return [[(r.run_number, r.status) for r in p.records if isinstance(r, NormalizedPipelineRun)] for p in pages]


DONE, RUNNING = RunStatus.SUCCEEDED, RunStatus.IN_PROGRESS


def test_builds_page_through_tree_ranges(server, sleeps):
    Builds(server, [14, 13, 12, 11, 10], building={14})

    pages = list(jk_client(server, sleeps).build_pages())

    assert runs(pages) == [[(14, RUNNING), (13, DONE)], [(12, DONE), (11, DONE)], [(10, DONE)]]
    assert [p.cursor for p in pages] == [
        {"last_number": 0, "offset": 2, "max_seen": 14, "min_building": 14},
        {"last_number": 0, "offset": 4, "max_seen": 14, "min_building": 14},
        {"last_number": 13},  # 14 was still running: read it again next time
    ]
    assert pages[0].records[0].external_id == "folder/fish#14"
    assert pages[0].records[1] == NormalizedCommit(
        source=JK, external_id=f"folder/fish@{SHA}", service="folder/fish", sha=SHA, message="Commit comment",
        author="username", author_email="username@localhost", committed_at=utc(2016, 4, 19, 18, 51, 32, 486000))
    assert [s.query["tree"][-6:] for s in server.hits(JOB)] == ["]{0,2}", "]{2,4}", "]{4,6}"]


def test_builds_resume_after_a_killed_sync(server, sleeps):
    Builds(server, [14, 13, 12, 11, 10], building={14})
    pages = jk_client(server, sleeps).build_pages()
    saved = next(pages).cursor
    pages.close()

    resumed = list(jk_client(server, sleeps).build_pages(saved))

    assert runs(resumed) == [[(12, DONE), (11, DONE)], [(10, DONE)]]
    assert resumed[-1].cursor == {"last_number": 13}


def test_next_sync_reads_only_newer_builds(server, sleeps):
    builds = Builds(server, [14, 13, 12, 11, 10], building={14})
    builds.finish(14)

    pages = list(jk_client(server, sleeps).build_pages({"last_number": 13}))

    assert runs(pages) == [[(14, RunStatus.FAILED)]]
    assert pages[-1].cursor == {"last_number": 14}
    assert len(server.hits(JOB)) == 1


def test_stages_are_attached_when_asked(server, sleeps):
    Builds(server, [16])
    server.route("/job/folder/job/fish/16/wfapi/describe", load_fixture("jenkins/pipeline.wfapi-describe.json"))

    (page,) = list(jk_client(server, sleeps, with_stages=True).build_pages())

    run = page.records[0]
    assert [(job.external_id, job.name, job.status, job.pipeline_run_external_id) for job in run.jobs] == [
        ("folder/fish#16:5", "Build", DONE, "folder/fish#16"), ("folder/fish#16:8", "Test", DONE, "folder/fish#16"),
        ("folder/fish#16:10", "Deploy", RUNNING, "folder/fish#16")]
    assert run.status == DONE  # the build's own result stays the run's status
