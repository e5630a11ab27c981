"""GitHub: webhooks (deployment, deployment_status, workflow_run, workflow_job, push,
pull_request, check_run) and the REST pull of deployments, workflow runs, pull requests and
commits. Webhook and REST share one parser per object: GitHub sends the same shapes both ways.

Webhook authentication: ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>`` with the
connection's webhook secret, compared in constant time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingABC
from datetime import datetime, timedelta
from typing import Any

from integrations.connectors.base import (
    PayloadError,
    as_list,
    header,
    opt,
    opt_list,
    parse_timestamp,
    req,
    req_obj,
    text,
    updated_at_stamp,
    verify_hmac_sha256,
)
from integrations.connectors.http import Credentials, HttpClient, Page, link_next, paged_by_link
from integrations.mapping import DEFAULT_MAPPING, Mapping
from integrations.normalized import (
    DeploymentKind,
    DeploymentStatus,
    DeploymentStrategy,
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

SOURCE = Source.GITHUB
EVENT_HEADER = "X-GitHub-Event"
SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENTS = ("deployment", "deployment_status", "workflow_run", "workflow_job", "push", "pull_request", "check_run")
_TERMINAL = frozenset({DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.CANCELLED,
                       DeploymentStatus.ROLLED_BACK})


def event_name(headers: MappingABC[str, str], body: dict[str, Any]) -> str:
    return header(headers, EVENT_HEADER) or ""


def verify_webhook(headers: MappingABC[str, str], raw_body: bytes, secret: str,
                   query: MappingABC[str, str] | None = None) -> None:
    verify_hmac_sha256(header(headers, SIGNATURE_HEADER), secret=secret, body=raw_body, header_name=SIGNATURE_HEADER)


def parse_webhook(event: str, headers: MappingABC[str, str], body: dict[str, Any], *,
                  mapping: Mapping = DEFAULT_MAPPING) -> Parsed:
    if event == "ping":
        return Parsed.skip("ping: GitHub checking the webhook")
    if event not in EVENTS:
        return Parsed.skip(f"event {event or '(none)'!r} is not one Sluice reads ({', '.join(EVENTS)})")
    repo = req(body, "repository", "full_name")
    if event in ("deployment", "deployment_status"):
        statuses = [req_obj(body, "deployment_status")] if event == "deployment_status" else []
        deployment = parse_deployment(req_obj(body, "deployment"), repo=repo, statuses=statuses, mapping=mapping,
                                      workflow_run=opt(body, "workflow_run"))
        if deployment is None:
            state = opt(body, "deployment_status", "state")
            return Parsed.skip(f"deployment_status {state!r} says nothing about the deployment's outcome")
        return Parsed.of([deployment])
    if event == "workflow_run":
        return Parsed.of([parse_workflow_run(req_obj(body, "workflow_run"), repo=repo, mapping=mapping,
                                             workflow=opt(body, "workflow"))])
    if event == "workflow_job":
        return Parsed.of([parse_workflow_job(req_obj(body, "workflow_job"), repo=repo, mapping=mapping)])
    if event == "check_run":
        return Parsed.of([parse_check_run(req_obj(body, "check_run"), repo=repo, mapping=mapping)])
    if event == "pull_request":
        return Parsed.of([parse_pull_request(req_obj(body, "pull_request"), repo=repo)])
    return _parse_push(body, repo)


# Deployments -----------------------------------------------------------------------------------

def _deployment_payload(deployment: dict[str, Any]) -> dict[str, Any]:
    """``deployment.payload`` is whatever the creator sent: an object, or a JSON string."""
    payload = deployment.get("payload") or {}
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            return {}
    return payload if isinstance(payload, dict) else {}


def _payload_choice(payload: dict[str, Any], key: str, enum: type, default: Any) -> Any:
    value = payload.get(key)
    if value in (None, ""):
        return default
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise PayloadError(f"deployment.payload.{key}: {value!r} is not one of {allowed}",
                           field=f"deployment.payload.{key}") from None


def parse_deployment(deployment: dict[str, Any], *, repo: str, statuses: list[dict[str, Any]],
                     mapping: Mapping = DEFAULT_MAPPING,
                     workflow_run: dict[str, Any] | None = None) -> NormalizedDeployment | None:
    """A deployment and its statuses (newest first, as the REST API lists them). The outcome is
    the newest status that says one (``inactive`` does not); with none, it is in progress.
    ``None`` when the only status given says nothing (an ``inactive`` webhook)."""
    current, current_status = None, None
    for status in statuses:
        mapped = mapping.deployment_status("github_deployment_states", req(status, "state"))
        if mapped is not None:
            current, current_status = status, mapped
            break
    if statuses and current is None:
        return None
    finished_at = None
    if current_status in _TERMINAL:
        # Lead time ends at the *first* status with this outcome (SHAPES.md): the oldest one.
        same = [s for s in statuses
                if mapping.deployment_status("github_deployment_states", s.get("state")) == current_status]
        finished_at = min(parse_timestamp(s.get("created_at"), "deployment_status.created_at") for s in same)
    payload = _deployment_payload(deployment)
    return NormalizedDeployment(
        source=SOURCE,
        external_id=str(req(deployment, "id")),
        service=repo,
        environment=(current or {}).get("environment") or req(deployment, "environment"),
        status=current_status or DeploymentStatus.IN_PROGRESS,
        status_raw=current["state"] if current else "pending",
        version=text(payload.get("version")) or text(deployment.get("ref")),
        commit_sha=text(deployment.get("sha")),
        kind=_payload_choice(payload, "kind", DeploymentKind, DeploymentKind.NORMAL),
        rollback_of=text(payload.get("rollback_of")),
        strategy=_payload_choice(payload, "strategy", DeploymentStrategy, None),
        started_at=parse_timestamp(deployment.get("created_at"), "deployment.created_at"),
        finished_at=finished_at,
        release=text(payload.get("release")),
        pipeline_run_external_id=text(opt(workflow_run, "id")),
        change_request=text(payload.get("change_request")),
        triggered_by=text(opt(deployment, "creator", "login")),
        url=text((current or {}).get("log_url")) or text((current or {}).get("target_url")),
    )


# Workflow runs, jobs and checks ----------------------------------------------------------------

def _run_status(status: str | None, conclusion: str | None, mapping: Mapping, where: str) -> tuple[RunStatus, str]:
    if status == "completed":
        raw = conclusion or "completed"
        mapped = mapping.run_status("github_run_conclusions", raw)
    else:
        raw = status or ""
        mapped = mapping.run_status("github_run_statuses", raw)
    if mapped is None:
        raise PayloadError(f"{where}: unknown status {raw!r}; map it in the connection's mapping", field=where)
    return mapped, raw


def parse_workflow_run(run: dict[str, Any], *, repo: str, mapping: Mapping = DEFAULT_MAPPING,
                       workflow: dict[str, Any] | None = None) -> NormalizedPipelineRun:
    status, raw = _run_status(run.get("status"), run.get("conclusion"), mapping, "workflow_run.status")
    return NormalizedPipelineRun(
        source=SOURCE,
        external_id=str(req(run, "id")),
        pipeline=text(run.get("name")) or text(opt(workflow, "name")) or text(run.get("path")) or "workflow",
        status=status,
        status_raw=raw,
        service=repo,
        run_number=run.get("run_number"),
        branch=text(run.get("head_branch")),
        commit_sha=text(run.get("head_sha")),
        trigger=text(run.get("event")),
        started_at=parse_timestamp(run.get("run_started_at") or run.get("created_at"), "workflow_run.run_started_at"),
        # There is no completed_at: a completed run's last update is its end (SHAPES.md).
        finished_at=parse_timestamp(run.get("updated_at"), "workflow_run.updated_at") if status not in (
            RunStatus.QUEUED, RunStatus.IN_PROGRESS) else None,
        url=text(run.get("html_url")),
        pull_request_numbers=tuple(req(pr, "number") for pr in opt_list(run, "pull_requests")),
    )


def parse_workflow_job(job: dict[str, Any], *, repo: str, mapping: Mapping = DEFAULT_MAPPING) -> NormalizedPipelineJob:
    status, raw = _run_status(job.get("status"), job.get("conclusion"), mapping, "workflow_job.status")
    return NormalizedPipelineJob(
        source=SOURCE,
        external_id=str(req(job, "id")),
        name=req(job, "name"),
        status=status,
        status_raw=raw,
        stage=text(job.get("workflow_name")),
        service=repo,
        pipeline_run_external_id=text(job.get("run_id")),
        commit_sha=text(job.get("head_sha")),
        branch=text(job.get("head_branch")),
        started_at=parse_timestamp(job.get("started_at"), "workflow_job.started_at"),
        finished_at=parse_timestamp(job.get("completed_at"), "workflow_job.completed_at"),
        url=text(job.get("html_url")),
    )


def parse_check_run(check: dict[str, Any], *, repo: str, mapping: Mapping = DEFAULT_MAPPING) -> NormalizedPipelineJob:
    """A check run is a job-level result on a commit, from any GitHub App (linters, scanners,
    other CIs). For Actions jobs GitHub uses the job's id as the check run's id, so both events
    land on one record. Its check suite is not a workflow run, so it links to no run."""
    status, raw = _run_status(check.get("status"), check.get("conclusion"), mapping, "check_run.status")
    return NormalizedPipelineJob(
        source=SOURCE,
        external_id=str(req(check, "id")),
        name=req(check, "name"),
        status=status,
        status_raw=raw,
        service=repo,
        commit_sha=text(check.get("head_sha")),
        branch=text(opt(check, "check_suite", "head_branch")),
        started_at=parse_timestamp(check.get("started_at"), "check_run.started_at"),
        finished_at=parse_timestamp(check.get("completed_at"), "check_run.completed_at"),
        url=text(check.get("html_url")),
    )


# Pull requests and commits ---------------------------------------------------------------------

def parse_pull_request(pr: dict[str, Any], *, repo: str, commit_shas: tuple[str, ...] = (),
                       first_review_at: Any = None) -> NormalizedPullRequest:
    # Merged is `merged` (webhooks) or `merged_at` (REST lists have no `merged`). Never infer it
    # from merge_commit_sha: GitHub fills that with a test merge for open and closed PRs too.
    merged = bool(pr.get("merged") or pr.get("merged_at"))
    state = PullRequestState.MERGED if merged else (
        PullRequestState.OPEN if req(pr, "state") == "open" else PullRequestState.CLOSED)
    title = req(pr, "title")
    branch = text(opt(pr, "head", "ref"))
    return NormalizedPullRequest(
        source=SOURCE,
        external_id=str(req(pr, "id")),
        service=repo,
        number=req(pr, "number"),
        title=title,
        state=state,
        author=text(opt(pr, "user", "login")),
        source_branch=branch,
        target_branch=text(opt(pr, "base", "ref")),
        head_sha=text(opt(pr, "head", "sha")),
        opened_at=parse_timestamp(pr.get("created_at"), "pull_request.created_at"),
        updated_at=parse_timestamp(pr.get("updated_at"), "pull_request.updated_at"),
        first_review_at=first_review_at,
        merged_at=parse_timestamp(pr.get("merged_at"), "pull_request.merged_at"),
        closed_at=parse_timestamp(pr.get("closed_at"), "pull_request.closed_at"),
        merge_commit_sha=text(pr.get("merge_commit_sha")) if merged else None,
        commit_shas=commit_shas,
        work_item_keys=work_item_keys(title, branches=[branch]),
        url=text(pr.get("html_url")),
    )


def _parse_push(body: dict[str, Any], repo: str) -> Parsed:
    if body.get("deleted"):
        return Parsed.skip(f"push deleting {body.get('ref')!r} carries no commits")
    commits = [_push_commit(commit, repo, i) for i, commit in enumerate(opt_list(body, "commits"))]
    return Parsed.of(commits) if commits else Parsed.skip(f"push to {body.get('ref')!r} carries no commits")


def _push_commit(commit: dict[str, Any], repo: str, index: int) -> NormalizedCommit:
    sha = req(commit, "id")
    return NormalizedCommit(
        source=SOURCE,
        external_id=f"{repo}@{sha}",
        service=repo,
        sha=sha,
        message=commit.get("message"),
        author=text(opt(commit, "author", "username")) or text(opt(commit, "author", "name")),
        author_email=text(opt(commit, "author", "email")),
        # A push gives one timestamp per commit, the committer's.
        committed_at=parse_timestamp(commit.get("timestamp"), f"commits[{index}].timestamp"),
        url=text(commit.get("url")),
    )


def parse_rest_commit(item: dict[str, Any], *, repo: str) -> NormalizedCommit:
    """``GET /repos/{repo}/commits`` items: git's own author and committer dates, plus the GitHub
    login when the e-mail belongs to an account."""
    sha = req(item, "sha")
    return NormalizedCommit(
        source=SOURCE,
        external_id=f"{repo}@{sha}",
        service=repo,
        sha=sha,
        message=opt(item, "commit", "message"),
        author=text(opt(item, "author", "login")) or text(opt(item, "commit", "author", "name")),
        author_email=text(opt(item, "commit", "author", "email")),
        authored_at=parse_timestamp(opt(item, "commit", "author", "date"), "commit.author.date"),
        committed_at=parse_timestamp(opt(item, "commit", "committer", "date"), "commit.committer.date"),
        url=text(item.get("html_url")),
    )


# Pull ------------------------------------------------------------------------------------------



class Client:
    """Pull one repository. Each ``*_pages(cursor)`` method yields :class:`Page` s; pass the
    last saved cursor to resume (see :func:`paged_by_link` for the cursor's meaning)."""

    # Runs are listed by creation; a run created a little before the cursor may still have
    # changed after it, so the query reaches back this far.
    RUN_LOOKBACK = timedelta(days=1)

    def __init__(self, *, repo: str, credentials: Credentials, base_url: str = "https://api.github.com",
                 page_size: int = 50, mapping: Mapping = DEFAULT_MAPPING, **http_options: Any):
        self.repo = repo
        self.page_size = page_size
        self.mapping = mapping
        headers = {**credentials.authorization(), "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": "2022-11-28"}
        self.http = HttpClient(base_url, headers=headers, secrets=credentials.secrets(), **http_options)

    def _pages(self, path: str, params: dict[str, Any], cursor: dict[str, Any] | None, *,
               parse: Callable[[list[Any]], list[Any]],
               stamp: Callable[[dict[str, Any]], datetime | None] = updated_at_stamp,
               items: Callable[[Any], list[Any]] = as_list, newest_first: bool = True) -> Iterator[Page]:
        return paged_by_link(self.http, f"/repos/{self.repo}/{path}", {"per_page": self.page_size, **params}, cursor,
                             items=items, parse=parse, stamp=stamp, next_url=link_next, newest_first=newest_first)

    def deployment_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        def parse(items: list[dict[str, Any]]) -> list[NormalizedDeployment]:
            records = []
            for deployment in items:
                statuses, _ = self.http.get_json(f"/repos/{self.repo}/deployments/{deployment['id']}/statuses",
                                                 {"per_page": 100})
                record = parse_deployment(deployment, repo=self.repo, statuses=statuses, mapping=self.mapping)
                if record is not None:
                    records.append(record)
            return records
        return self._pages("deployments", {}, cursor, parse=parse)

    def workflow_run_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        params: dict[str, Any] = {}
        if cursor and cursor.get("since") and not cursor.get("next"):
            since = parse_timestamp(cursor["since"], "cursor.since") - self.RUN_LOOKBACK
            params["created"] = f">={since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        return self._pages(
            "actions/runs", params, cursor, items=lambda body: opt_list(body, "workflow_runs"), newest_first=False,
            parse=lambda items: [parse_workflow_run(run, repo=self.repo, mapping=self.mapping) for run in items],
        )

    def pull_request_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        def parse(items: list[dict[str, Any]]) -> list[NormalizedPullRequest]:
            return [self._pull_request(pr) for pr in items]
        return self._pages("pulls", {"state": "all", "sort": "updated", "direction": "desc"}, cursor, parse=parse)

    def _pull_request(self, pr: dict[str, Any]) -> NormalizedPullRequest:
        number = req(pr, "number")
        commits, _ = self.http.get_json(f"/repos/{self.repo}/pulls/{number}/commits", {"per_page": 100})
        reviews, _ = self.http.get_json(f"/repos/{self.repo}/pulls/{number}/reviews", {"per_page": 100})
        submitted = [parse_timestamp(r.get("submitted_at"), "review.submitted_at") for r in reviews
                     if r.get("submitted_at")]
        return parse_pull_request(pr, repo=self.repo, commit_shas=tuple(req(c, "sha") for c in commits),
                                  first_review_at=min(submitted, default=None))

    def commit_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        params = {"since": cursor["since"]} if cursor and cursor.get("since") and not cursor.get("next") else {}
        return self._pages(
            "commits", params, cursor, newest_first=False,
            stamp=lambda item: parse_timestamp(opt(item, "commit", "committer", "date"), "commit.committer.date"),
            parse=lambda items: [parse_rest_commit(item, repo=self.repo) for item in items],
        )
