"""Re-apply a connection's mapping to the records it already brought in, from the raw values
stored beside the mapped ones (status_raw, type_raw, priority_raw, state_raw, approval_raw).

A raw value the mapping does not decide (a Jira status known only by its category key, which is
not stored) keeps its current mapped value. Rows are read in chunks and only changed rows are
written, a bounded number of queries per chunk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models, transaction

from integrations.mapping import Mapping
from integrations.models import (
    ChangeRequest,
    Connection,
    Deployment,
    Incident,
    PipelineJob,
    PipelineRun,
    WorkItem,
    WorkItemTransition,
)
from integrations.normalized import StatusCategory

CHUNK = 500
_RUN_SECTIONS = {"github": ("github_run_conclusions", "github_run_statuses"), "gitlab": ("gitlab_pipeline_statuses",),
                 "jenkins": ("jenkins_results", "jenkins_stage_statuses")}
_DEPLOYMENT_SECTIONS = {"github": ("github_deployment_states",), "gitlab": ("gitlab_deployment_statuses",)}


def _first(mapping: Mapping, sections: Iterable[str], raw: str) -> str | None:
    for section in sections:
        if raw and mapping.has(section, raw):
            return mapping.lookup(section, raw)
    return None


def _category(mapping: Mapping, name: str, current: str) -> str:
    return mapping.lookup("status_categories", name) if mapping.has("status_categories", name) else current


def _work_item(mapping: Mapping, row: WorkItem) -> dict[str, Any]:
    category = _category(mapping, row.status_raw, row.status_category)
    return {"status_category": category, "waiting": mapping.is_waiting(row.status_raw, StatusCategory(category)),
            "flow_type": mapping.flow_type(row.type_raw).value if row.type_raw else row.flow_type,
            "severity": mapping.priority_severity(row.priority_raw) if row.priority_raw else row.severity}


def _transition(mapping: Mapping, row: WorkItemTransition) -> dict[str, Any]:
    category = _category(mapping, row.to_status, row.to_category)
    return {"to_category": category, "to_waiting": mapping.is_waiting(row.to_status, StatusCategory(category)),
            "from_category": _category(mapping, row.from_status, row.from_category) if row.from_status
            else row.from_category}


def _incident(mapping: Mapping, row: Incident) -> dict[str, Any]:
    return {"status": mapping.incident_status(row.status_raw).value if row.status_raw else row.status}


def _change(mapping: Mapping, row: ChangeRequest) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if row.state_raw and (state := mapping.change_state(row.state_raw)):
        values["state"] = state.value
    if row.type_raw and (kind := mapping.change_type(row.type_raw)):
        values["type"] = kind.value
    if row.approval_raw:
        approval = mapping.approval(row.approval_raw)
        values["approval"] = approval.value if approval else ""
    return values


def _by_source(table: dict[str, tuple[str, ...]]) -> Callable[[Mapping, Any], dict[str, Any]]:
    def remap(mapping: Mapping, row: Any) -> dict[str, Any]:
        status = _first(mapping, table.get(row.source, ()), row.status_raw)
        return {"status": status} if status else {}
    return remap


_REMAPS: tuple[tuple[type[models.Model], Callable[[Mapping, Any], dict[str, Any]], str], ...] = (
    (WorkItem, _work_item, "connection"),
    (WorkItemTransition, _transition, "work_item__connection"),
    (Incident, _incident, "connection"),
    (ChangeRequest, _change, "connection"),
    (PipelineRun, _by_source(_RUN_SECTIONS), "connection"),
    (PipelineJob, _by_source(_RUN_SECTIONS), "connection"),
    (Deployment, _by_source(_DEPLOYMENT_SECTIONS), "connection"),
)


@transaction.atomic
def mapping_reapply(*, connection: Connection) -> int:
    """Re-map every stored record of ``connection``; returns how many rows changed."""
    mapping = Mapping.from_overrides(connection.mapping)
    changed_total = 0
    for model, remap, path in _REMAPS:
        changed: list[models.Model] = []
        fields: set[str] = set()
        for row in model.objects.filter(**{path: connection}).order_by("pk").iterator(chunk_size=CHUNK):
            values = {k: v for k, v in remap(mapping, row).items() if getattr(row, k) != v}
            if values:
                for field, value in values.items():
                    setattr(row, field, value)
                fields |= set(values)
                changed.append(row)
        if changed:
            model.objects.bulk_update(changed, sorted(fields), batch_size=CHUNK)
            changed_total += len(changed)
    return changed_total
