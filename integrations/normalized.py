"""The normalized delivery records every connector produces, whatever the source.

These are plain frozen dataclasses: no database, no Django. The integrations models are upserted
from them, keyed by (connection, ``external_id``), so every field here is what the source said in
*this* payload:

- ``source`` is the connector kind (``github``, ``gitlab``, ``jira``, ``servicenow``, ``jenkins``,
  ``generic``); ``external_id`` is stable and unique per source and record type (GitHub deployment
  id, GitLab pipeline id, Jira issue id, ServiceNow sys_id, ...).
- Every datetime is timezone-aware UTC.
- ``None`` means "this payload does not say", never "clear it": a webhook often carries only part
  of a record (a GitLab merge event has no author name), so the sync layer must not overwrite a
  known value with ``None``.
- Services and environments are carried as the raw names the source uses (a repository's full
  name, a GitLab project path, an environment name); resolving them to catalog rows is the sync
  layer's job.
- Raw source values (``status_raw``, ``type_raw``, ...) travel next to the mapped ones so a
  changed per-connection mapping can be re-applied to stored records without refetching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Source(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    JIRA = "jira"
    SERVICENOW = "servicenow"
    JENKINS = "jenkins"
    GENERIC = "generic"


class DeploymentStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"


class DeploymentKind(StrEnum):
    NORMAL = "normal"
    HOTFIX = "hotfix"
    ROLLBACK = "rollback"


class DeploymentStrategy(StrEnum):
    ROLLING = "rolling"
    CANARY = "canary"
    BLUE_GREEN = "blue_green"
    RECREATE = "recreate"


class RunStatus(StrEnum):
    """Status of a pipeline run or one of its jobs/stages. The issue names no list for builds;
    this one covers every CI the connectors read without losing a distinction metrics need."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class PullRequestState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"


class StatusCategory(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class FlowType(StrEnum):
    FEATURE = "feature"
    DEFECT = "defect"
    RISK = "risk"
    DEBT = "debt"


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ChangeType(StrEnum):
    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


class ChangeState(StrEnum):
    """The ServiceNow change model's states; other change sources map onto them."""

    NEW = "new"
    ASSESS = "assess"
    AUTHORIZE = "authorize"
    SCHEDULED = "scheduled"
    IMPLEMENT = "implement"
    REVIEW = "review"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Approval(StrEnum):
    """``None`` on a record means "not requested" (ServiceNow's fourth value)."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"


SEVERITIES = (1, 2, 3, 4)  # 1 is the most severe, as in ServiceNow and METRICS.md

_WORK_ITEM_KEY = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9_]+-[1-9][0-9]*)(?![A-Za-z0-9])")


def work_item_keys(*texts: str | None, branches: Iterable[str | None] = ()) -> tuple[str, ...]:
    """Tracker keys (``ABC-123``) named in titles or descriptions (upper case, as people write
    them) and in branch names (any case: ``feature/abc-12-login``), first-seen order, no repeats.
    These are candidates ("SHA-256" looks like a key too): the sync layer keeps those whose project
    it knows."""
    seen: dict[str, None] = {}
    for text, upper in [*((t, False) for t in texts), *((b, True) for b in branches)]:
        if text:
            for match in _WORK_ITEM_KEY.finditer(text.upper() if upper else text):
                seen.setdefault(match.group(1), None)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class NormalizedCommit:
    source: Source
    external_id: str  # "<service>@<sha>": the same sha can live in two repositories (forks, mirrors)
    service: str
    sha: str
    message: str | None = None
    author: str | None = None  # login/username where the source has one, else the display name
    author_email: str | None = None
    authored_at: datetime | None = None
    committed_at: datetime | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class NormalizedDeployment:
    source: Source
    external_id: str
    service: str
    environment: str
    status: DeploymentStatus
    status_raw: str
    version: str | None = None
    commit_sha: str | None = None  # full sha where known; GitLab deployment hooks only give it via commit_url
    kind: DeploymentKind = DeploymentKind.NORMAL
    rollback_of: str | None = None  # external_id of the deployment this one rolls back
    strategy: DeploymentStrategy | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    release: str | None = None  # release name/version, resolved by the sync layer
    pipeline_run_external_id: str | None = None
    change_request: str | None = None  # change number (CHG...) as the source gives it
    triggered_by: str | None = None
    url: str | None = None
    commits: tuple[NormalizedCommit, ...] = ()  # the commits this deployment says it contains


@dataclass(frozen=True, slots=True)
class NormalizedPipelineJob:
    """One job/stage/check of a pipeline run. Embedded in a run when the run's payload lists its
    jobs (GitLab pipeline, Jenkins stages); a record of its own when it arrives alone (GitHub
    workflow_job and check_run, GitLab Job Hook), linked by ``pipeline_run_external_id``."""

    source: Source
    external_id: str
    name: str
    status: RunStatus
    status_raw: str
    stage: str | None = None
    service: str | None = None
    pipeline_run_external_id: str | None = None
    commit_sha: str | None = None
    branch: str | None = None
    environment: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class NormalizedPipelineRun:
    source: Source
    external_id: str
    pipeline: str
    status: RunStatus
    status_raw: str
    service: str | None = None
    run_number: int | None = None
    branch: str | None = None
    commit_sha: str | None = None
    trigger: str | None = None  # what started it: push, pull_request, schedule, a user, ...
    started_at: datetime | None = None
    finished_at: datetime | None = None
    tests_passed: int | None = None
    tests_failed: int | None = None
    tests_skipped: int | None = None
    coverage: float | None = None  # percent, 0-100
    url: str | None = None
    pull_request_numbers: tuple[int, ...] = ()
    jobs: tuple[NormalizedPipelineJob, ...] = ()


@dataclass(frozen=True, slots=True)
class NormalizedPullRequest:
    source: Source
    external_id: str  # the source's global PR/MR id, not the per-repository number
    service: str
    number: int
    title: str
    state: PullRequestState
    author: str | None = None
    source_branch: str | None = None
    target_branch: str | None = None
    head_sha: str | None = None
    opened_at: datetime | None = None
    updated_at: datetime | None = None
    first_review_at: datetime | None = None
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    merge_commit_sha: str | None = None  # only when merged: GitHub fills it for unmerged test merges too
    commit_shas: tuple[str, ...] = ()
    work_item_keys: tuple[str, ...] = ()  # from the title and the source branch (candidates)
    url: str | None = None


@dataclass(frozen=True, slots=True)
class NormalizedTransition:
    """One status change of a work item. ``external_id`` is the tracker's change id (Jira's
    changelog history id, shared by webhooks and search), so histories merge without repeats."""

    external_id: str
    at: datetime
    from_status: str | None
    to_status: str
    from_category: StatusCategory | None
    to_category: StatusCategory
    to_waiting: bool = False


@dataclass(frozen=True, slots=True)
class NormalizedWorkItem:
    source: Source
    external_id: str  # Jira issue id (stable across project moves); the key when a payload lacks it
    key: str
    title: str
    type_raw: str
    flow_type: FlowType
    status_raw: str
    status_category: StatusCategory
    waiting: bool = False  # the current status is a waiting one (blocked, on hold, ...)
    priority_raw: str | None = None
    severity: int | None = None
    project: str | None = None
    components: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()
    parent_key: str | None = None
    assignee: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    url: str | None = None
    transitions: tuple[NormalizedTransition, ...] = ()
    # The tracker returned only part of the history (Jira embeds at most one page of changelog).
    history_truncated: bool = False


@dataclass(frozen=True, slots=True)
class NormalizedIncident:
    source: Source
    external_id: str
    number: str
    title: str
    status: IncidentStatus
    status_raw: str
    severity: int | None = None
    service: str | None = None
    environment: str | None = None
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    caused_by_deployment: str | None = None
    caused_by_commit_sha: str | None = None
    caused_by_version: str | None = None
    caused_by_change: str | None = None  # change request number (ServiceNow ``caused_by``)
    work_item_keys: tuple[str, ...] = ()  # tracker keys named in the incident, for write-back links
    url: str | None = None


@dataclass(frozen=True, slots=True)
class NormalizedChangeRequest:
    source: Source
    external_id: str
    number: str
    title: str
    type: ChangeType | None
    type_raw: str
    state: ChangeState | None
    state_raw: str
    approval: Approval | None  # None: not requested
    approval_raw: str
    risk: str | None = None
    services: tuple[str, ...] = ()
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    close_code: str | None = None
    url: str | None = None


NormalizedRecord = (
    NormalizedCommit | NormalizedDeployment | NormalizedPipelineRun | NormalizedPipelineJob
    | NormalizedPullRequest | NormalizedWorkItem | NormalizedIncident | NormalizedChangeRequest
)


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a webhook delivery turned into. ``records`` is empty when the delivery was ignored,
    and ``ignored`` then says why (an unknown event, a branch deletion, ...); the delivery log
    shows that reason and the endpoint answers 2xx."""

    records: tuple[NormalizedRecord, ...] = ()
    ignored: str | None = None

    @classmethod
    def of(cls, records: Iterable[NormalizedRecord]) -> Parsed:
        return cls(records=tuple(records))

    @classmethod
    def skip(cls, reason: str) -> Parsed:
        return cls(ignored=reason)


def first_started_at(transitions: Iterable[NormalizedTransition]) -> datetime | None:
    """Flow start: the first entry into an in-progress status (METRICS.md, flow time). Call it on
    the merged history the sync layer stores, not on one webhook's slice of it."""
    starts = [t.at for t in transitions if t.to_category == StatusCategory.IN_PROGRESS]
    return min(starts, default=None)

