"""Ingestion of what CI and code hosts report: pipeline runs and their jobs, commits,
deployments and pull requests. Called by ``records_ingest`` (integrations.services.ingest)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from integrations import normalized as n
from integrations.models import (
    ChangeRequest,
    Commit,
    Deployment,
    DeploymentCommit,
    PipelineJob,
    PipelineRun,
    PullRequest,
)
from integrations.services._batch import CREATED, UNCHANGED, Written, known, merge, touched, update, upsert
from integrations.services._catalog import releases_by_name
from integrations.services._ingest_run import IngestRun

# Pipeline runs and jobs ------------------------------------------------------------------------

def _job_values(job: n.NormalizedPipelineJob, run_external_id: str | None) -> dict:
    return known(name=job.name, stage=job.stage, status=job.status, status_raw=job.status_raw,
                 environment_name=job.environment, started_at=job.started_at, finished_at=job.finished_at,
                 url=job.url, run_external_id=run_external_id or job.pipeline_run_external_id)


def pipeline_runs(run: IngestRun, records: list[n.NormalizedPipelineRun]) -> None:
    rows: dict[str, dict] = {}
    for record in records:
        service = run.catalog.service(record.service, create=True)
        merge(rows, record.external_id, known(
            pipeline=record.pipeline, run_number=record.run_number, status=record.status,
            status_raw=record.status_raw, service_id=service and service.pk, branch=record.branch,
            commit_sha=record.commit_sha, trigger=record.trigger, started_at=record.started_at,
            finished_at=record.finished_at, tests_passed=record.tests_passed, tests_failed=record.tests_failed,
            tests_skipped=record.tests_skipped, coverage=record.coverage,
            pull_request_numbers=record.pull_request_numbers, url=record.url,
            # Only the API's records carry a version (integrations.services.records).
            version=getattr(record, "version", None)))
    written = run.upsert(PipelineRun, rows)
    jobs = [(job, record.external_id) for record in records for job in record.jobs]
    if jobs:
        job_rows: dict[str, dict] = {}
        for job, run_external_id in jobs:
            merge(job_rows, job.external_id,
                   {**_job_values(job, run_external_id), "run_id": written[run_external_id].obj.pk})
        for item in run.upsert(PipelineJob, job_rows).values():
            if item.state != UNCHANGED:
                touched(written[item.obj.run_external_id])
    # Jobs that arrived on their own before their run (GitHub workflow_job) join it now.
    PipelineJob.objects.filter(**run.scope, run__isnull=True, run_external_id__in=list(written)).update(
        run_id=Subquery(PipelineRun.objects.filter(**run.scope, external_id=OuterRef("run_external_id"))
                        .values("pk")[:1]))
    run.count("pipeline_run", written)


def pipeline_jobs(run: IngestRun, records: list[n.NormalizedPipelineJob]) -> None:
    run_ids = dict(PipelineRun.objects.filter(
        **run.scope, external_id__in={r.pipeline_run_external_id for r in records if r.pipeline_run_external_id}
    ).values_list("external_id", "pk"))
    rows: dict[str, dict] = {}
    for record in records:
        merge(rows, record.external_id, {**_job_values(record, None),
                                          **known(run_id=run_ids.get(record.pipeline_run_external_id))})
    run.count("pipeline_job", run.upsert(PipelineJob, rows))


# Commits ---------------------------------------------------------------------------------------

def _write_commits(run: IngestRun, records: list[tuple[n.NormalizedCommit, int]]) -> dict[tuple, Written]:
    """Upsert commits by (service, sha); the source columns describe the first sighting."""
    rows: dict[tuple, dict] = {}
    first: dict[tuple, dict] = {}
    for record, service_id in records:
        key = (service_id, record.sha)
        merge(rows, key, known(message=record.message, author=record.author, author_email=record.author_email,
                                authored_at=record.authored_at, committed_at=record.committed_at, url=record.url))
        first.setdefault(key, {"source": run.source, "connection_id": run.connection_id,
                               "external_id": record.external_id})
    written = upsert(Commit, scope={"organization_id": run.org_id}, key_fields=("service_id", "sha"), rows=rows,
                     now=run.now, on_create=first,
                     locks=[f"commit:{run.org_id}:{service_id}:{sha}" for service_id, sha in rows])
    for (service_id, _sha), item in written.items():
        if item.state != UNCHANGED:
            run.mark(service_id, item.earliest("committed_at", "authored_at"))
    return written


def commits(run: IngestRun, records: list[n.NormalizedCommit]) -> None:
    pairs = []
    for record in records:
        service = run.service_of(record)
        if service is not None:
            pairs.append((record, service.pk))
    written = _write_commits(run, pairs)
    run.count("commit", {record.external_id: written[(service_id, record.sha)] for record, service_id in pairs})


# Deployments -----------------------------------------------------------------------------------

def _deployment_values(run: IngestRun, record: n.NormalizedDeployment, service_id: int, refs: dict) -> dict:
    env = run.catalog.environment(record.environment)
    release = refs["releases"].get(record.release)
    values = known(
        service_id=service_id, environment_id=env and env.pk, environment_name=record.environment,
        version=record.version, commit_sha=record.commit_sha, status=record.status, status_raw=record.status_raw,
        kind=record.kind, rollback_of_external_id=record.rollback_of, strategy=record.strategy,
        started_at=record.started_at, finished_at=record.finished_at,
        # The API names rows by Sluice id too (integrations.services.records).
        rollback_of_id=getattr(record, "rollback_of_id", None),
        release_id=getattr(record, "release_id", None) or (release and release.pk),
        pipeline_run_id=refs["runs"].get(record.pipeline_run_external_id),
        change_request_id=refs["changes"].get(record.change_request), change_request_number=record.change_request,
        triggered_by=record.triggered_by, url=record.url)
    if env is not None:
        values["is_production"] = env.is_production
    return values


def _references(run: IngestRun, records: list[n.NormalizedDeployment]) -> dict:
    runs = {r.pipeline_run_external_id for r in records if r.pipeline_run_external_id}
    changes = {r.change_request for r in records if r.change_request}
    return {
        "releases": releases_by_name({r.release for r in records if r.release}),
        "runs": dict(PipelineRun.objects.filter(**run.scope, external_id__in=runs).values_list("external_id", "pk"))
        if runs else {},
        "changes": dict(ChangeRequest.objects.filter(number__in=changes).order_by("id").values_list("number", "pk"))
        if changes else {},
    }


def deployments(run: IngestRun, records: list[n.NormalizedDeployment]) -> None:
    refs = _references(run, records)
    rows: dict[str, dict] = {}
    services: dict[str, int] = {}
    for record in records:
        service = run.service_of(record)
        if service is None:
            continue
        services[record.external_id] = service.pk
        merge(rows, record.external_id, _deployment_values(run, record, service.pk, refs))
    written = run.upsert(Deployment, rows)
    _link_commits(run, [r for r in records if r.external_id in written], written, services)
    _link_rollbacks(run, written)
    for item in written.values():
        if item.state != UNCHANGED:
            run.mark(item.obj.service_id, item.earliest("started_at", "finished_at"))
    run.count("deployment", written)


def _link_commits(run: IngestRun, records: list[n.NormalizedDeployment], written: dict[str, Written],
                  services: dict[str, int]) -> None:
    listed = [(record, commit) for record in records for commit in record.commits]
    if not listed:
        return
    commits_written = _write_commits(run, [
        (commit, services[record.external_id]) for record, commit in listed])
    deployment_ids = {written[record.external_id].obj.pk for record, _ in listed}
    linked = set(DeploymentCommit.objects.filter(deployment_id__in=deployment_ids)
                 .values_list("deployment_id", "commit_id"))
    links = {}
    for record, commit in listed:
        deployment = written[record.external_id]
        pair = (deployment.obj.pk, commits_written[(services[record.external_id], commit.sha)].obj.pk)
        if pair not in linked and pair not in links:
            links[pair] = DeploymentCommit(organization_id=run.org_id, deployment_id=pair[0], commit_id=pair[1])
            touched(deployment)
    DeploymentCommit.objects.bulk_create(links.values(), ignore_conflicts=True)


def deployments_by_external_id(run: IngestRun, external_ids: set[str]) -> dict[str, int]:
    """Deployments named by external id: of this source and connection first, else the one
    deployment of the organization with that id (a CI job may name what a connector brought in)."""
    if not external_ids:
        return {}
    found = dict(Deployment.objects.filter(**run.scope, external_id__in=external_ids).values_list("external_id", "pk"))
    missing = external_ids - found.keys()
    if missing:
        elsewhere: dict[str, list[int]] = {}
        for external_id, pk in Deployment.objects.filter(external_id__in=missing).values_list("external_id", "pk"):
            elsewhere.setdefault(external_id, []).append(pk)
        found |= {external_id: pks[0] for external_id, pks in elsewhere.items() if len(pks) == 1}
    return found


def _link_rollbacks(run: IngestRun, written: dict[str, Written]) -> None:
    """Point rollbacks at the deployment they undo: the rollbacks of this batch at targets stored
    before or with them, and stored rollbacks at targets that arrive only now."""
    pending = [item for item in written.values()
               if item.obj.rollback_of_external_id and item.obj.rollback_of_id is None]
    targets = deployments_by_external_id(run, {item.obj.rollback_of_external_id for item in pending})
    for item in pending:
        target = targets.get(item.obj.rollback_of_external_id)
        if target is not None and target != item.obj.pk:
            Deployment.objects.filter(pk=item.obj.pk).update(rollback_of_id=target)
            item.obj.rollback_of_id = target
            touched(item)
    arrived = [key for key, item in written.items() if item.state == CREATED]
    if arrived:
        Deployment.objects.filter(**run.scope, rollback_of__isnull=True, rollback_of_external_id__in=arrived).update(
            rollback_of_id=Subquery(Deployment.objects.filter(
                **run.scope, external_id=OuterRef("rollback_of_external_id")).values("pk")[:1]))


# Pull requests ---------------------------------------------------------------------------------

def pull_requests(run: IngestRun, records: list[n.NormalizedPullRequest]) -> None:
    rows: dict[str, dict] = {}
    for record in records:
        service = run.service_of(record)
        if service is None:
            continue
        merge(rows, record.external_id, known(
            service_id=service.pk, number=record.number, title=record.title, state=record.state,
            author=record.author, source_branch=record.source_branch, target_branch=record.target_branch,
            head_sha=record.head_sha, opened_at=record.opened_at, first_review_at=record.first_review_at,
            merged_at=record.merged_at, closed_at=record.closed_at, merge_commit_sha=record.merge_commit_sha,
            commit_shas=record.commit_shas, work_item_keys=record.work_item_keys, url=record.url))
    written = run.upsert(PullRequest, rows)
    edited = []
    for item in written.values():
        if item.state != UNCHANGED:
            # The derivation also stores the delivery events of the keys a pull request names.
            run.mark(item.obj.service_id, item.earliest("opened_at", "first_review_at", "merged_at", "closed_at"))
        # ... and of those it stopped naming, which only this write knows.
        if dropped := set(item.before.get("work_item_keys") or ()) - set(item.obj.work_item_keys):
            item.obj.work_item_keys_dropped = sorted(dropped | set(item.obj.work_item_keys_dropped))
            edited.append(item.obj)
    update(PullRequest, edited, ["work_item_keys_dropped"])
    run.count("pull_request", written)
