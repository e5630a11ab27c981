"""Ingestion of what trackers and the service desk report: work items with their status
history, incidents and change requests. Called by ``records_ingest``."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from integrations import normalized as n
from integrations.item_rows import DEFER_SQL, item_rows_refresh
from integrations.models import ChangeRequest, ChangeRequestService, Deployment, Incident, WorkItem, WorkItemTransition
from integrations.services._batch import CREATED, UNCHANGED, insert_rows, known, merge, touched, update
from integrations.services._ingest_run import IngestRun
from integrations.services.ingest_delivery import deployments_by_external_id

# Work items ------------------------------------------------------------------------------------

def work_items(run: IngestRun, records: list[n.NormalizedWorkItem]) -> None:
    rows: dict[str, dict] = {}
    histories: dict[str, dict[str, n.NormalizedTransition]] = {}
    for record in records:
        # Trackers name no repository; a component that is a known service is the best link.
        service = next(filter(None, (run.catalog.service(c, create=False) for c in record.components)), None)
        merge(rows, record.external_id, known(
            key=record.key, title=record.title, type_raw=record.type_raw, flow_type=record.flow_type,
            status_raw=record.status_raw, status_category=record.status_category, waiting=record.waiting,
            priority_raw=record.priority_raw, severity=record.severity, project=record.project,
            components=record.components, labels=record.labels, fix_versions=record.fix_versions,
            parent_key=record.parent_key, assignee=record.assignee, service_id=service and service.pk,
            created_at=record.created_at, updated_at=record.updated_at, resolved_at=record.resolved_at,
            url=record.url,
            # Only a partial history says so; a webhook's single change proves nothing either way.
            history_truncated=record.history_truncated or None))
        histories.setdefault(record.external_id, {}).update({t.external_id: t for t in record.transitions})
    # A new item's stored history is the payload's: its flow start goes in with it, not in an
    # update of the rows just written. The rows other apps keep per item are refreshed once, after
    # the items and their history are written (integrations.item_rows).
    written = run.upsert(WorkItem, rows, prelude=(DEFER_SQL,), on_create={
        key: {"started_at": n.first_started_at(history.values())} for key, history in histories.items()})
    _merge_histories(run, written, histories)
    item_rows_refresh([item.obj.pk for item in written.values() if item.state != UNCHANGED])
    run.count("work_item", written)


def _merge_histories(run: IngestRun, written: dict, histories: dict[str, dict[str, n.NormalizedTransition]]) -> None:
    """Add the transitions not stored yet (by the tracker's change id), then set each item's flow
    start over its whole stored history, not over one payload's slice of it."""
    # A work item created in this batch has no stored transitions yet: only the others are read.
    item_ids = {item.obj.pk: key for key, item in written.items() if item.state != CREATED}
    stored: dict[str, list[n.NormalizedTransition]] = {key: [] for key in written}
    if item_ids:
        for external_id, work_item_id, at, to_status, to_category in WorkItemTransition.objects.filter(
                work_item_id__in=item_ids).order_by().values_list(
                "external_id", "work_item_id", "at", "to_status", "to_category"):
            stored[item_ids[work_item_id]].append(n.NormalizedTransition(
                external_id=external_id, at=at, from_status=None, to_status=to_status, from_category=None,
                to_category=n.StatusCategory(to_category)))
    fresh, restarted = [], []
    for key, item in written.items():
        known_ids = {t.external_id for t in stored[key]}
        new = [t for t in histories.get(key, {}).values() if t.external_id not in known_ids]
        fresh += [{
            "organization_id": run.org_id, "work_item_id": item.obj.pk, "external_id": t.external_id, "at": t.at,
            "from_status": t.from_status or "", "to_status": t.to_status,
            "from_category": t.from_category.value if t.from_category else "", "to_category": t.to_category.value,
            "to_waiting": t.to_waiting} for t in new]
        started_at = n.first_started_at([*stored[key], *new])
        if new:
            touched(item)
        if started_at != item.obj.started_at:
            item.obj.started_at = started_at
            restarted.append(item.obj)
            touched(item)
    insert_rows(WorkItemTransition, fresh, ignore_conflicts=True)
    update(WorkItem, restarted, ["started_at"])


# Incidents -------------------------------------------------------------------------------------

def incidents(run: IngestRun, records: list[n.NormalizedIncident]) -> None:
    causes = deployments_by_external_id(run, {r.caused_by_deployment for r in records if r.caused_by_deployment})
    rows: dict[str, dict] = {}
    for record in records:
        service = run.catalog.service(record.service, create=False)
        env = run.catalog.environment(record.environment)
        # The API names the deployment by its Sluice id (integrations.services.records).
        cause = getattr(record, "caused_by_deployment_id", None) or causes.get(record.caused_by_deployment)
        merge(rows, record.external_id, known(
            number=record.number, title=record.title, status=record.status, status_raw=record.status_raw,
            severity=record.severity, service_id=service and service.pk, environment_id=env and env.pk,
            environment_name=record.environment, opened_at=record.opened_at, resolved_at=record.resolved_at,
            closed_at=record.closed_at, updated_at=record.updated_at, caused_by_deployment_id=cause,
            caused_by_commit_sha=record.caused_by_commit_sha, caused_by_version=record.caused_by_version,
            caused_by_change=record.caused_by_change, work_item_keys=record.work_item_keys, url=record.url))
    written = run.upsert(Incident, rows)
    changed = [item for item in written.values() if item.state != UNCHANGED]
    cause_services = dict(Deployment.objects.filter(
        pk__in={item.obj.caused_by_deployment_id for item in changed if item.obj.caused_by_deployment_id}
    ).values_list("pk", "service_id"))
    for item in changed:
        since = item.earliest("opened_at", "resolved_at")
        run.mark(item.obj.service_id, since)
        # Attribution to a named deployment changes that deployment's service's figures.
        run.mark(cause_services.get(item.obj.caused_by_deployment_id), since)
    run.count("incident", written)


# Change requests -------------------------------------------------------------------------------

def change_requests(run: IngestRun, records: list[n.NormalizedChangeRequest]) -> None:
    rows: dict[str, dict] = {}
    named: dict[str, set[int]] = {}
    for record in records:
        merge(rows, record.external_id, known(
            number=record.number, title=record.title, type=record.type, type_raw=record.type_raw,
            state=record.state, state_raw=record.state_raw, approval=record.approval,
            approval_raw=record.approval_raw, risk=record.risk, planned_start=record.planned_start,
            planned_end=record.planned_end, actual_start=record.actual_start, actual_end=record.actual_end,
            opened_at=record.opened_at, closed_at=record.closed_at, updated_at=record.updated_at,
            close_code=record.close_code, url=record.url, service_names=record.services))
        services = (run.catalog.service(name, create=False) for name in record.services)
        named.setdefault(record.external_id, set()).update(s.pk for s in services if s is not None)
    written = run.upsert(ChangeRequest, rows)
    ids = {item.obj.pk: key for key, item in written.items()}
    linked = set(ChangeRequestService.objects.filter(change_request_id__in=ids)
                 .values_list("change_request_id", "service_id"))
    links = []
    for key, item in written.items():
        for service_id in named.get(key, ()):
            if (item.obj.pk, service_id) not in linked:
                links.append(ChangeRequestService(organization_id=run.org_id, change_request_id=item.obj.pk,
                                                  service_id=service_id))
                touched(item)
    ChangeRequestService.objects.bulk_create(links, ignore_conflicts=True)
    # Deployments that named this change before it arrived link to it now.
    numbers = [item.obj.number for item in written.values()]
    Deployment.objects.filter(change_request__isnull=True, change_request_number__in=numbers).update(
        change_request_id=Subquery(ChangeRequest.objects.filter(number=OuterRef("change_request_number"))
                                   .order_by("id").values("pk")[:1]))
    run.count("change_request", written)
