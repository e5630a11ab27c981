"""Jenkins: builds from ``/job/<name>/<number>/api/json`` (freestyle ``changeSet`` or Pipeline
``changeSets``) and Pipeline stages from the Stage View API (``wfapi/describe``).

Jenkins has no webhooks of its own, so this connector only pulls; a job that wants to push
reports through the generic connector or the CI API (a ``post`` step). A build is identified as ``<job path>#<number>``
(``folder/job#12``), the same from both endpoints, so a stage description and a build merge into
one run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlparse

from integrations.connectors.base import (
    PayloadError,
    as_int,
    from_epoch_ms,
    opt,
    opt_list,
    req,
    text,
)
from integrations.connectors.http import Credentials, HttpClient, Page
from integrations.mapping import DEFAULT_MAPPING, Mapping
from integrations.normalized import (
    NormalizedCommit,
    NormalizedPipelineJob,
    NormalizedPipelineRun,
    RunStatus,
    Source,
)

SOURCE = Source.JENKINS
_JOB_PATH = re.compile(r"/job/([^/]+)")
_BUILD_NUMBER = re.compile(r"/job/[^/]+/(\d+)(?:/|$)")
_ACTIVE = (RunStatus.QUEUED, RunStatus.IN_PROGRESS)
_COMMIT_FIELDS = "items[commitId,id,timestamp,msg,comment,authorEmail,author[fullName]]"
BuildRecord = NormalizedPipelineRun | NormalizedCommit
BUILD_TREE = (
    "number,url,building,result,timestamp,duration,"
    "actions[_class,causes[shortDescription],lastBuiltRevision[SHA1,branch[name]],remoteUrls,"
    "failCount,skipCount,totalCount],"
    f"changeSet[{_COMMIT_FIELDS}],changeSets[{_COMMIT_FIELDS}]"
)


def job_path(url: str) -> str:
    """``http://ci/job/team/job/api/42/`` -> ``team/api`` (folders included)."""
    return "/".join(unquote(part) for part in _JOB_PATH.findall(urlparse(url).path))


def _repository(remote_url: str) -> str:
    """``https://github.com/acme/api.git`` or ``git@github.com:acme/api.git`` -> ``acme/api``."""
    path = remote_url.split(":", 1)[1] if remote_url.startswith("git@") else urlparse(remote_url).path
    return path.strip("/").removesuffix(".git")


def _branch(name: str | None) -> str | None:
    if not name:
        return None
    for prefix in ("refs/remotes/origin/", "refs/heads/", "origin/"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _actions(build: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The first action carrying all ``keys``. Actions are looked up by content, not ``_class``:
    trimmed responses drop ``_class`` and hold empty ``{}`` entries."""
    for action in opt_list(build, "actions"):
        if isinstance(action, dict) and all(key in action for key in keys):
            return action
    return {}


def _status(raw: str | None, mapping: Mapping, section: str, where: str) -> RunStatus:
    status = mapping.run_status(section, raw) if raw else None
    if status is None:
        raise PayloadError(f"{where}: unknown status {raw!r}; map it in the connection's mapping", field=where)
    return status


def parse_build(build: dict[str, Any], *, mapping: Mapping = DEFAULT_MAPPING) -> list[BuildRecord]:
    """A build, then the commits of its change sets."""
    url = req(build, "url")
    job = job_path(url)
    number = as_int(req(build, "number"), "number")
    building = bool(build.get("building"))
    raw = "BUILDING" if building else req(build, "result")
    status = RunStatus.IN_PROGRESS if building else _status(raw, mapping, "jenkins_results", "result")
    git = _actions(build, "lastBuiltRevision")
    remotes = opt_list(git, "remoteUrls")
    service = _repository(remotes[0]) if remotes else job
    started = from_epoch_ms(build.get("timestamp"), "timestamp")
    duration = build.get("duration")
    commits = [_commit(item, service, i) for i, item in enumerate(_change_items(build))]
    tests = _actions(build, "failCount", "totalCount")
    failed, skipped, total = (as_int(tests.get(k), f"actions.{k}") for k in ("failCount", "skipCount", "totalCount"))
    run = NormalizedPipelineRun(
        source=SOURCE,
        external_id=f"{job}#{number}",
        pipeline=job,
        status=status,
        status_raw=raw,
        service=service,
        run_number=number,
        branch=_branch(text(opt(git, "lastBuiltRevision", "branch", 0, "name"))),
        # Without the Git plugin's BuildData, the newest change-set commit is the one built.
        commit_sha=text(opt(git, "lastBuiltRevision", "SHA1")) or (commits[-1].sha if commits else None),
        trigger=text(opt(_actions(build, "causes"), "causes", 0, "shortDescription")),
        started_at=started,
        finished_at=started + timedelta(milliseconds=duration) if started and not building and duration is not None
        else None,
        tests_passed=total - failed - (skipped or 0) if total is not None and failed is not None else None,
        tests_failed=failed,
        tests_skipped=skipped,
        url=url,
    )
    return [run, *commits]


def _change_items(build: dict[str, Any]) -> list[dict[str, Any]]:
    sets = opt_list(build, "changeSets") or [opt(build, "changeSet") or {}]
    return [item for change_set in sets for item in opt_list(change_set, "items")]


def _commit(item: dict[str, Any], service: str, index: int) -> NormalizedCommit:
    sha = text(item.get("commitId")) or req(item, "id")
    return NormalizedCommit(
        source=SOURCE,
        external_id=f"{service}@{sha}",
        service=service,
        sha=sha,
        message=item.get("msg") or item.get("comment"),
        author=text(opt(item, "author", "fullName")),
        author_email=text(item.get("authorEmail")),
        committed_at=from_epoch_ms(item.get("timestamp"), f"changeSet.items[{index}].timestamp"),
    )


def parse_stages(describe: dict[str, Any], *, mapping: Mapping = DEFAULT_MAPPING,
                 run_id: str | None = None) -> NormalizedPipelineRun:
    """``wfapi/describe``: the run's status and one job per stage. The job and build number come
    from the response's own ``_links.self`` (``/job/<name>/<number>/wfapi/describe``) unless the
    caller, who asked for a known build, passes its ``run_id``."""
    href = unquote(req(describe, "_links", "self", "href"))
    match = _BUILD_NUMBER.search(href)
    if match is None:
        raise PayloadError(f"_links.self.href: {href!r} names no job build", field="_links.self.href")
    run_id = run_id or f"{job_path(href)}#{match.group(1)}"
    raw = req(describe, "status")
    status = _status(raw, mapping, "jenkins_stage_statuses", "status")
    jobs = []
    for i, stage in enumerate(opt_list(describe, "stages")):
        stage_raw = req(stage, "status")
        stage_status = _status(stage_raw, mapping, "jenkins_stage_statuses", f"stages[{i}].status")
        started = from_epoch_ms(stage.get("startTimeMillis"), f"stages[{i}].startTimeMillis")
        jobs.append(NormalizedPipelineJob(
            source=SOURCE,
            external_id=f"{run_id}:{req(stage, 'id')}",
            name=req(stage, "name"),
            status=stage_status,
            status_raw=stage_raw,
            pipeline_run_external_id=run_id,
            started_at=started,
            finished_at=_end(started, stage.get("durationMillis"), stage_status),
        ))
    started = from_epoch_ms(describe.get("startTimeMillis"), "startTimeMillis")
    return NormalizedPipelineRun(
        source=SOURCE,
        external_id=run_id,
        pipeline=job_path(href),
        status=status,
        status_raw=raw,
        run_number=int(match.group(1)),
        started_at=started,
        finished_at=_end(started, describe.get("durationMillis"), status),
        jobs=tuple(jobs),
    )


def _end(started: datetime | None, duration_ms: Any, status: RunStatus) -> datetime | None:
    if started is None or status in _ACTIVE or not isinstance(duration_ms, int):
        return None
    return started + timedelta(milliseconds=duration_ms)


class Client:
    """Pull the builds of one job, newest first, through ``tree`` ranges (``builds[...]{m,n}``).

    Cursor: ``{"last_number": n}`` means every build up to ``n`` was read finished; mid-sync it
    also holds ``offset`` (the next range start) and the run's ``max_seen``/``min_building``. A
    build still running when read keeps ``last_number`` below it, so the next sync reads it again
    until it finishes. New builds arriving mid-sync shift the ranges down: some builds are read
    twice, none skipped.
    """

    def __init__(self, *, base_url: str, credentials: Credentials, job: str, page_size: int = 25,
                 with_stages: bool = False, mapping: Mapping = DEFAULT_MAPPING, **http_options: Any):
        self.job = job.strip("/")
        self.page_size = page_size
        self.with_stages = with_stages
        self.mapping = mapping
        self.http = HttpClient(base_url, headers=credentials.authorization(), secrets=credentials.secrets(),
                               **http_options)
        self._job_url = "".join(f"/job/{quote(part)}" for part in self.job.split("/"))

    def build_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        cursor = dict(cursor or {})
        last = int(cursor.get("last_number") or 0)
        offset = int(cursor.get("offset") or 0)
        max_seen = cursor.get("max_seen")
        min_building = cursor.get("min_building")
        while True:
            tree = f"builds[{BUILD_TREE}]{{{offset},{offset + self.page_size}}}"
            body, _ = self.http.get_json(f"{self._job_url}/api/json", {"tree": tree})
            builds = opt_list(body, "builds")
            fresh = [b for b in builds if as_int(req(b, "number"), "builds.number") > last]
            records = [record for build in fresh for record in self._build(build)]
            numbers = [b["number"] for b in fresh]
            max_seen = max([*numbers, *([max_seen] if max_seen else [])], default=None)
            running = [b["number"] for b in fresh if b.get("building")]
            min_building = min([*running, *([min_building] if min_building else [])], default=None)
            offset += len(builds)
            done = len(builds) < self.page_size or len(fresh) < len(builds)
            if done:
                settled = (min_building - 1) if min_building else (max_seen or last)
                yield Page(records, {"last_number": max(last, settled)})
                return
            yield Page(records, {"last_number": last, "offset": offset, "max_seen": max_seen,
                                 "min_building": min_building})

    def _build(self, build: dict[str, Any]) -> list[BuildRecord]:
        run, *commits = parse_build(build, mapping=self.mapping)
        if self.with_stages:
            describe, _ = self.http.get_json(f"{self._job_url}/{build['number']}/wfapi/describe")
            run = replace(run, jobs=parse_stages(describe, mapping=self.mapping, run_id=run.external_id).jobs)
        return [run, *commits]
