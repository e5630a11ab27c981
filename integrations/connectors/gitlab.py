"""GitLab: webhooks (Deployment, Pipeline, Job, Merge Request and Push Hooks) and the REST pull
of deployments, pipelines, merge requests and commits of one project.

Webhook authentication: the ``X-Gitlab-Token`` header must equal the connection's webhook secret
(GitLab sends the secret itself, not a signature), compared in constant time.

GitLab's hook and REST shapes differ (flat ``build_*`` job fields, no full sha in a deployment
hook, no ``merged_at`` in merge request hooks), so each has its own parser; the status mapping is
shared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingABC
from typing import Any
from urllib.parse import quote, urlparse

import httpx

from integrations.connectors.base import (
    PayloadError,
    as_int,
    as_list,
    header,
    opt,
    opt_list,
    parse_timestamp,
    req,
    req_obj,
    text,
    updated_at_stamp,
    verify_token,
)
from integrations.connectors.http import Credentials, HttpClient, Page, PermanentHTTPError, link_next, paged_by_link
from integrations.mapping import DEFAULT_MAPPING, Mapping
from integrations.normalized import (
    DeploymentStatus,
    NormalizedCommit,
    NormalizedDeployment,
    NormalizedPipelineJob,
    NormalizedPipelineRun,
    NormalizedPullRequest,
    Parsed,
    PullRequestState,
    RunStatus,
    Source,
    work_item_keys,
)

SOURCE = Source.GITLAB
EVENT_HEADER = "X-Gitlab-Event"
TOKEN_HEADER = "X-Gitlab-Token"
EVENTS = ("Deployment Hook", "Pipeline Hook", "Job Hook", "Merge Request Hook", "Push Hook")
_ZERO_SHA = "0" * 40
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_MR_STATES = {"opened": PullRequestState.OPEN, "locked": PullRequestState.OPEN,
              "closed": PullRequestState.CLOSED, "merged": PullRequestState.MERGED}
_ACTIVE_RUN = (RunStatus.QUEUED, RunStatus.IN_PROGRESS)


def event_name(headers: MappingABC[str, str], body: dict[str, Any]) -> str:
    return header(headers, EVENT_HEADER) or ""


def verify_webhook(headers: MappingABC[str, str], raw_body: bytes, secret: str,
                   query: MappingABC[str, str] | None = None) -> None:
    verify_token(header(headers, TOKEN_HEADER), secret=secret, what=f"{TOKEN_HEADER} header")


def parse_webhook(event: str, headers: MappingABC[str, str], body: dict[str, Any], *,
                  mapping: Mapping = DEFAULT_MAPPING) -> Parsed:
    parser = _HOOKS.get(event)
    if parser is None:
        return Parsed.skip(f"event {event or '(none)'!r} is not one Sluice reads ({', '.join(EVENTS)})")
    return parser(body, mapping)


def _deployment_status(raw: str, mapping: Mapping, where: str) -> DeploymentStatus:
    status = mapping.deployment_status("gitlab_deployment_statuses", raw)
    if status is None:
        raise PayloadError(f"{where}: unknown status {raw!r}; map it in the connection's mapping", field=where)
    return status


def _run_status(raw: str, mapping: Mapping, where: str) -> RunStatus:
    status = mapping.run_status("gitlab_pipeline_statuses", raw)
    if status is None:
        raise PayloadError(f"{where}: unknown status {raw!r}; map it in the connection's mapping", field=where)
    return status


def _branch(ref: Any, is_tag: Any) -> str | None:
    return None if is_tag else text(ref)


# Hooks -----------------------------------------------------------------------------------------

def _deployment_hook(body: dict[str, Any], mapping: Mapping) -> Parsed:
    raw = req(body, "status")
    status = _deployment_status(raw, mapping, "status")
    changed_at = parse_timestamp(body.get("status_changed_at"), "status_changed_at")
    # The hook has no full sha; the commit URL ends with it (SHAPES.md).
    from_url = (text(body.get("commit_url")) or "").rstrip("/").rsplit("/", 1)[-1]
    return Parsed.of([NormalizedDeployment(
        source=SOURCE,
        external_id=str(req(body, "deployment_id")),
        service=req(body, "project", "path_with_namespace"),
        environment=req(body, "environment"),
        status=status,
        status_raw=raw,
        version=text(body.get("ref")),
        commit_sha=from_url if _FULL_SHA.match(from_url) else text(body.get("short_sha")),
        # The hook fires on each status change and carries only the time of this one.
        started_at=changed_at if status == DeploymentStatus.IN_PROGRESS else None,
        finished_at=changed_at if status != DeploymentStatus.IN_PROGRESS else None,
        triggered_by=text(opt(body, "user", "username")),
        url=text(body.get("deployable_url")),
    )])


def _pipeline_hook(body: dict[str, Any], mapping: Mapping) -> Parsed:
    attrs = req_obj(body, "object_attributes")
    project = req(body, "project", "path_with_namespace")
    web_url = text(opt(body, "project", "web_url"))
    pipeline_id = str(req(attrs, "id"))
    branch = _branch(attrs.get("ref"), attrs.get("tag"))
    sha = text(attrs.get("sha"))
    jobs = tuple(
        NormalizedPipelineJob(
            source=SOURCE,
            external_id=str(req(build, "id")),
            name=req(build, "name"),
            status=_run_status(req(build, "status"), mapping, f"builds[{i}].status"),
            status_raw=build["status"],
            stage=text(build.get("stage")),
            service=project,
            pipeline_run_external_id=pipeline_id,
            commit_sha=sha,
            branch=branch,
            environment=text(opt(build, "environment", "name")),
            started_at=parse_timestamp(build.get("started_at"), f"builds[{i}].started_at"),
            finished_at=parse_timestamp(build.get("finished_at"), f"builds[{i}].finished_at"),
            url=f"{web_url}/-/jobs/{build['id']}" if web_url else None,
        )
        for i, build in enumerate(opt_list(body, "builds"))
    )
    raw = req(attrs, "status")
    status = _run_status(raw, mapping, "object_attributes.status")
    mr_iid = opt(body, "merge_request", "iid")
    return Parsed.of([NormalizedPipelineRun(
        source=SOURCE,
        external_id=pipeline_id,
        pipeline=text(attrs.get("name")) or project,
        status=status,
        status_raw=raw,
        service=project,
        run_number=as_int(attrs.get("iid"), "object_attributes.iid"),
        branch=branch,
        commit_sha=sha,
        trigger=text(attrs.get("source")),
        # The hook has no start time; a pipeline starts running when it is created.
        started_at=parse_timestamp(attrs.get("created_at"), "object_attributes.created_at"),
        finished_at=parse_timestamp(attrs.get("finished_at"), "object_attributes.finished_at"),
        url=text(attrs.get("url")) or (f"{web_url}/-/pipelines/{pipeline_id}" if web_url else None),
        pull_request_numbers=(mr_iid,) if mr_iid is not None else (),
        jobs=jobs,
    )])


def _project_path(body: dict[str, Any]) -> str:
    """Job hooks carry no ``path_with_namespace``; the repository homepage's path is the same."""
    homepage = text(opt(body, "repository", "homepage"))
    if homepage and (path := urlparse(homepage).path.strip("/")):
        return path
    return req(body, "project_name")


def _job_hook(body: dict[str, Any], mapping: Mapping) -> Parsed:
    raw = req(body, "build_status")
    homepage = text(opt(body, "repository", "homepage"))
    return Parsed.of([NormalizedPipelineJob(
        source=SOURCE,
        external_id=str(req(body, "build_id")),
        name=req(body, "build_name"),
        status=_run_status(raw, mapping, "build_status"),
        status_raw=raw,
        stage=text(body.get("build_stage")),
        service=_project_path(body),
        pipeline_run_external_id=text(body.get("pipeline_id")),
        commit_sha=text(body.get("sha")),
        branch=_branch(body.get("ref"), body.get("tag")),
        environment=text(opt(body, "environment", "name")),
        started_at=parse_timestamp(body.get("build_started_at"), "build_started_at"),
        finished_at=parse_timestamp(body.get("build_finished_at"), "build_finished_at"),
        url=f"{homepage}/-/jobs/{body['build_id']}" if homepage else None,
    )])


def _merge_request_hook(body: dict[str, Any], mapping: Mapping) -> Parsed:
    attrs = req_obj(body, "object_attributes")
    action = attrs.get("action")
    state = _MR_STATES.get(req(attrs, "state"))
    if state is None:
        raise PayloadError(f"object_attributes.state: unknown merge request state {attrs['state']!r}",
                           field="object_attributes.state")
    updated_at = parse_timestamp(attrs.get("updated_at"), "object_attributes.updated_at")
    title = req(attrs, "title")
    branch = text(attrs.get("source_branch"))
    return Parsed.of([NormalizedPullRequest(
        source=SOURCE,
        external_id=str(req(attrs, "id")),
        service=req(body, "project", "path_with_namespace"),
        number=req(attrs, "iid"),
        title=title,
        state=state,
        # The hook names only the acting user; on `open` that is the author.
        author=text(opt(body, "user", "username")) if action == "open" else None,
        source_branch=branch,
        target_branch=text(attrs.get("target_branch")),
        head_sha=text(opt(attrs, "last_commit", "id")),
        opened_at=parse_timestamp(attrs.get("created_at"), "object_attributes.created_at"),
        updated_at=updated_at,
        # No merged_at/closed_at in hooks: the merge (close) event's own update time is it.
        merged_at=parse_timestamp(attrs.get("merged_at"), "object_attributes.merged_at") or (
            updated_at if action == "merge" else None),
        closed_at=parse_timestamp(attrs.get("closed_at"), "object_attributes.closed_at") or (
            updated_at if action == "close" else None),
        merge_commit_sha=text(attrs.get("merge_commit_sha")) if state == PullRequestState.MERGED else None,
        work_item_keys=work_item_keys(title, branches=[branch]),
        url=text(attrs.get("url")),
    )])


def _push_hook(body: dict[str, Any], mapping: Mapping) -> Parsed:
    if body.get("after") == _ZERO_SHA:
        return Parsed.skip(f"push deleting {body.get('ref')!r} carries no commits")
    project = req(body, "project", "path_with_namespace")
    commits = [
        NormalizedCommit(
            source=SOURCE,
            external_id=f"{project}@{commit['id']}",
            service=project,
            sha=req(commit, "id"),
            message=commit.get("message"),
            author=text(opt(commit, "author", "name")),
            author_email=text(opt(commit, "author", "email")),
            committed_at=parse_timestamp(commit.get("timestamp"), f"commits[{i}].timestamp"),
            url=text(commit.get("url")),
        )
        for i, commit in enumerate(opt_list(body, "commits"))
    ]
    return Parsed.of(commits) if commits else Parsed.skip(f"push to {body.get('ref')!r} carries no commits")


_HOOKS: dict[str, Callable[[dict[str, Any], Mapping], Parsed]] = {
    "Deployment Hook": _deployment_hook,
    "Pipeline Hook": _pipeline_hook,
    "Job Hook": _job_hook,
    "Merge Request Hook": _merge_request_hook,
    "Push Hook": _push_hook,
}


# REST shapes -----------------------------------------------------------------------------------

def parse_rest_deployment(item: dict[str, Any], *, project: str, mapping: Mapping = DEFAULT_MAPPING
                          ) -> NormalizedDeployment:
    """``GET /projects/:id/deployments`` items."""
    raw = req(item, "status")
    status = _deployment_status(raw, mapping, "deployment.status")
    finished = item.get("finished_at") or opt(item, "deployable", "finished_at")
    return NormalizedDeployment(
        source=SOURCE,
        external_id=str(req(item, "id")),
        service=project,
        environment=req(item, "environment", "name"),
        status=status,
        status_raw=raw,
        version=text(item.get("ref")),
        commit_sha=text(item.get("sha")),
        started_at=parse_timestamp(opt(item, "deployable", "started_at") or item.get("created_at"),
                                   "deployment.deployable.started_at"),
        finished_at=parse_timestamp(finished, "deployment.finished_at") if status != DeploymentStatus.IN_PROGRESS
        else None,
        pipeline_run_external_id=text(opt(item, "deployable", "pipeline", "id")),
        triggered_by=text(opt(item, "user", "username")),
        url=text(opt(item, "deployable", "web_url")),
    )


def parse_rest_pipeline(item: dict[str, Any], *, project: str, mapping: Mapping = DEFAULT_MAPPING,
                        test_summary: dict[str, Any] | None = None) -> NormalizedPipelineRun:
    """``GET /projects/:id/pipelines/:id`` (the list items lack the times and coverage) and its
    ``test_report_summary``."""
    raw = req(item, "status")
    status = _run_status(raw, mapping, "pipeline.status")
    coverage = item.get("coverage")
    total = opt(test_summary, "total") or {}
    return NormalizedPipelineRun(
        source=SOURCE,
        external_id=str(req(item, "id")),
        pipeline=text(item.get("name")) or project,
        status=status,
        status_raw=raw,
        service=project,
        run_number=as_int(item.get("iid"), "pipeline.iid"),
        branch=_branch(item.get("ref"), item.get("tag")),
        commit_sha=text(item.get("sha")),
        trigger=text(item.get("source")),
        started_at=parse_timestamp(item.get("started_at") or item.get("created_at"), "pipeline.started_at"),
        finished_at=parse_timestamp(item.get("finished_at"), "pipeline.finished_at") if status not in _ACTIVE_RUN
        else None,
        tests_passed=as_int(total.get("success"), "test_report_summary.total.success"),
        tests_failed=as_int(total.get("failed"), "test_report_summary.total.failed"),
        tests_skipped=as_int(total.get("skipped"), "test_report_summary.total.skipped"),
        coverage=float(coverage) if coverage not in (None, "") else None,
        url=text(item.get("web_url")),
    )


def parse_rest_merge_request(item: dict[str, Any], *, project: str, commit_shas: tuple[str, ...] = ()
                             ) -> NormalizedPullRequest:
    state = _MR_STATES.get(req(item, "state"))
    if state is None:
        raise PayloadError(f"merge_request.state: unknown state {item['state']!r}", field="merge_request.state")
    title = req(item, "title")
    branch = text(item.get("source_branch"))
    merged = state == PullRequestState.MERGED
    return NormalizedPullRequest(
        source=SOURCE,
        external_id=str(req(item, "id")),
        service=project,
        number=req(item, "iid"),
        title=title,
        state=state,
        author=text(opt(item, "author", "username")),
        source_branch=branch,
        target_branch=text(item.get("target_branch")),
        head_sha=text(item.get("sha")),
        opened_at=parse_timestamp(item.get("created_at"), "merge_request.created_at"),
        updated_at=parse_timestamp(item.get("updated_at"), "merge_request.updated_at"),
        merged_at=parse_timestamp(item.get("merged_at"), "merge_request.merged_at"),
        closed_at=parse_timestamp(item.get("closed_at"), "merge_request.closed_at"),
        merge_commit_sha=(text(item.get("merge_commit_sha")) or text(item.get("squash_commit_sha"))) if merged
        else None,
        commit_shas=commit_shas,
        work_item_keys=work_item_keys(title, branches=[branch]),
        url=text(item.get("web_url")),
    )


def parse_rest_commit(item: dict[str, Any], *, project: str) -> NormalizedCommit:
    sha = req(item, "id")
    return NormalizedCommit(
        source=SOURCE,
        external_id=f"{project}@{sha}",
        service=project,
        sha=sha,
        message=item.get("message"),
        author=text(item.get("author_name")),
        author_email=text(item.get("author_email")),
        authored_at=parse_timestamp(item.get("authored_date"), "commit.authored_date"),
        committed_at=parse_timestamp(item.get("committed_date"), "commit.committed_date"),
        url=text(item.get("web_url")),
    )


# Pull ------------------------------------------------------------------------------------------

def next_page_url(response: httpx.Response) -> str | None:
    """Keyset pagination answers with a ``Link`` header; offset pagination with ``X-Next-Page``
    (empty on the last page)."""
    if url := link_next(response):
        return url
    next_page = response.headers.get("X-Next-Page", "").strip()
    return str(response.request.url.copy_set_param("page", next_page)) if next_page else None



class Client:
    """Pull one project, named by its ``path_with_namespace`` (which is also the service name
    the records carry). Lists are read oldest update first, so the cursor's high-water mark is
    simply the last record's ``updated_at``."""

    def __init__(self, *, project: str, credentials: Credentials, base_url: str = "https://gitlab.com",
                 page_size: int = 50, mapping: Mapping = DEFAULT_MAPPING, **http_options: Any):
        self.project = project
        self.page_size = page_size
        self.mapping = mapping
        token = {"PRIVATE-TOKEN": credentials.token} if credentials.token else {}
        self.http = HttpClient(f"{base_url.rstrip('/')}/api/v4", headers=token, secrets=credentials.secrets(),
                               **http_options)
        self._base = f"/projects/{quote(project, safe='')}"

    def _pages(self, path: str, cursor: dict[str, Any] | None, parse: Callable[[list[Any]], list[Any]], *,
               since_param: str = "updated_after", stamp: Callable[[dict[str, Any]], Any] = updated_at_stamp,
               **params: Any) -> Iterator[Page]:
        query: dict[str, Any] = {"per_page": self.page_size, **params}
        if cursor and cursor.get("since"):
            query[since_param] = cursor["since"]
        return paged_by_link(self.http, f"{self._base}/{path}", query, cursor, items=as_list, parse=parse,
                             stamp=stamp, next_url=next_page_url)

    def deployment_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        return self._pages(
            "deployments", cursor, order_by="updated_at", sort="asc",
            parse=lambda items: [parse_rest_deployment(i, project=self.project, mapping=self.mapping) for i in items],
        )

    def pipeline_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        return self._pages("pipelines", cursor, order_by="updated_at", sort="asc",
                           parse=lambda items: [self._pipeline(item["id"]) for item in items])

    def _pipeline(self, pipeline_id: int) -> NormalizedPipelineRun:
        detail, _ = self.http.get_json(f"{self._base}/pipelines/{pipeline_id}")
        try:
            summary, _ = self.http.get_json(f"{self._base}/pipelines/{pipeline_id}/test_report_summary")
        except PermanentHTTPError:
            summary = None  # older GitLab, or no test report: the run simply has no test counts
        return parse_rest_pipeline(detail, project=self.project, mapping=self.mapping, test_summary=summary)

    def merge_request_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        def parse(items: list[dict[str, Any]]) -> list[NormalizedPullRequest]:
            records = []
            for item in items:
                commits, _ = self.http.get_json(f"{self._base}/merge_requests/{item['iid']}/commits",
                                                {"per_page": 100})
                records.append(parse_rest_merge_request(item, project=self.project,
                                                        commit_shas=tuple(req(c, "id") for c in commits)))
            return records
        return self._pages("merge_requests", cursor, parse, order_by="updated_at", sort="asc", state="all",
                           scope="all")

    def commit_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        return self._pages(
            "repository/commits", cursor, since_param="since",
            stamp=lambda item: parse_timestamp(item.get("committed_date"), "committed_date"),
            parse=lambda items: [parse_rest_commit(item, project=self.project) for item in items],
        )

