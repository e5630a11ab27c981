"""Write-back, the "aligned toolchain": a resolution in one tool is announced in the other.

- A ServiceNow incident naming Jira keys (``Incident.work_item_keys``) is resolved: each linked
  Jira issue gets a comment and, when the Jira connection's ``options.writeback_transition``
  names a transition, is moved through it (unless it is already done).
- A Jira defect is resolved: each open ServiceNow incident naming its key gets a work note and,
  when the ServiceNow connection's ``options.writeback_resolve`` is on, is resolved with
  ``options.resolve_close_code``.

Only connections with ``writeback_enabled`` are written to (the switch is the permission to
write into that tool; it is off by default). Every write is a WritebackAction row, unique per
resolution, written and committed before the request goes out, so a resolution is announced
once however often the pass runs; a write that failed is tried again, up to MAX_ATTEMPTS. The
rows (and MAX_ATTEMPTS) are integrations.services.writeback_actions', which also queues passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from urllib.parse import quote

from django.utils import timezone

from integrations.connectors.http import ConnectorHTTPError
from integrations.models import Connection, Incident, WorkItem, WritebackAction
from integrations.normalized import FlowType, IncidentStatus, StatusCategory
from integrations.services.writeback_actions import writeback_action_claim, writeback_action_outcome
from integrations.sync.writeback_http import ToolWriter
from vsm.moments import moment_text, organization_zone

# How far back a pass looks for resolutions; older ones were handled by earlier passes.
LOOKBACK = timedelta(days=7)
RESOLVED_INCIDENT = (IncidentStatus.RESOLVED.value, IncidentStatus.CLOSED.value)
DEFAULT_CLOSE_CODE = "Solved (Permanently)"
Kind = WritebackAction.Kind

WriterFactory = Callable[[Connection], ToolWriter]


def writeback_pending(*, source: Connection, writer: WriterFactory = ToolWriter) -> list[WritebackAction]:
    """One pass over the resolutions ``source`` brought in during LOOKBACK."""
    since = timezone.now() - LOOKBACK
    incidents = Incident.objects.filter(connection=source, status__in=RESOLVED_INCIDENT).exclude(work_item_keys=[])
    defects = WorkItem.objects.filter(connection=source, flow_type=FlowType.DEFECT.value,
                                      status_category=StatusCategory.DONE.value)
    return writeback_for_records(incidents=incidents.filter(updated_at__gte=since),
                                 work_items=defects.filter(resolved_at__gte=since), writer=writer)


def writeback_for_records(*, incidents: Iterable[Incident] = (), work_items: Iterable[WorkItem] = (),
                          writer: WriterFactory = ToolWriter) -> list[WritebackAction]:
    """Announce these resolved incidents in Jira and these resolved defects in ServiceNow.
    Returns the actions attempted by this call (an action already done is not repeated)."""
    plan: list[tuple[Connection, Kind, str, str, datetime, Callable[[ToolWriter], None]]] = []
    for incident in incidents:
        resolved = incident.resolved_at or incident.closed_at or incident.updated_at
        if incident.status not in RESOLVED_INCIDENT or resolved is None:
            continue
        for item in _linked_issues(incident.work_item_keys):
            jira, cause = item.connection, f"incident:{incident.pk}"
            plan.append((jira, Kind.JIRA_COMMENT, item.key, cause, resolved, _jira_comment(item, incident)))
            transition = (jira.options.get("writeback_transition") or "").strip()
            if transition and item.status_category != StatusCategory.DONE.value:
                plan.append((jira, Kind.JIRA_TRANSITION, item.key, cause, resolved, _jira_transition(item, transition)))
    for item in work_items:
        if item.flow_type != FlowType.DEFECT.value or item.status_category != StatusCategory.DONE.value:
            continue
        resolved = item.resolved_at or item.updated_at
        if resolved is None:
            continue
        for incident in _linked_incidents(item.key):
            servicenow, cause = incident.connection, f"work_item:{item.pk}"
            plan.append((servicenow, Kind.SERVICENOW_WORK_NOTE, incident.external_id, cause, resolved,
                         _servicenow_note(incident, item)))
            if servicenow.options.get("writeback_resolve"):
                plan.append((servicenow, Kind.SERVICENOW_RESOLVE, incident.external_id, cause, resolved,
                             _servicenow_resolve(incident, item)))
    writers: dict[int, ToolWriter] = {}
    try:
        done = []
        for connection, kind, target, cause, resolved, request in plan:
            action = writeback_action_claim(connection=connection, kind=kind, target=target, cause=cause,
                                            resolved_at=resolved)
            if action is not None:
                if connection.pk not in writers:
                    writers[connection.pk] = writer(connection)
                done.append(_perform(action, lambda w=writers[connection.pk], r=request: r(w)))
        return done
    finally:
        for open_writer in writers.values():
            open_writer.close()


def _targets(kind: str):
    return Connection.objects.filter(kind=kind, is_active=True, writeback_enabled=True)


def _linked_issues(keys: list[str]) -> list[WorkItem]:
    if not keys:
        return []
    return list(WorkItem.objects.filter(key__in=keys, connection__in=_targets("jira")).select_related("connection"))


def _linked_incidents(key: str) -> list[Incident]:
    return list(Incident.objects.filter(work_item_keys__contains=[key], connection__in=_targets("servicenow"))
                .exclude(status__in=[*RESOLVED_INCIDENT, IncidentStatus.CANCELLED.value])
                .select_related("connection"))


def _perform(action: WritebackAction, send: Callable[[], None]) -> WritebackAction:
    try:
        send()
    except ConnectorHTTPError as exc:
        return writeback_action_outcome(action=action, error=str(exc))
    return writeback_action_outcome(action=action, error=None)


def _when(moment: datetime) -> str:
    # Read in the other tool by anyone: the organization's zone, named.
    return moment_text(moment, zone=organization_zone(), name_zone=True)


def _jira_comment(item: WorkItem, incident: Incident) -> Callable[[ToolWriter], None]:
    resolved = incident.resolved_at or incident.closed_at or incident.updated_at
    text = (f"ServiceNow incident {incident.number} ({incident.title}) was resolved at {_when(resolved)}."
            + (f" {incident.url}" if incident.url else "") + " (Sluice write-back)")
    return lambda w: w.send("POST", f"/rest/api/2/issue/{quote(item.key)}/comment", {"body": text})


def _jira_transition(item: WorkItem, name: str) -> Callable[[ToolWriter], None]:
    def send(w: ToolWriter) -> None:
        path = f"/rest/api/2/issue/{quote(item.key)}/transitions"
        available = (w.send("GET", path) or {}).get("transitions") or []
        wanted = name.casefold()
        match = next((t for t in available if wanted in (str(t.get("name", "")).casefold(),
                                                          str((t.get("to") or {}).get("name", "")).casefold())), None)
        if match is None:
            names = ", ".join(str(t.get("name")) for t in available) or "none"
            raise ConnectorHTTPError(f"{item.key} offers no transition named {name!r} (available: {names})")
        w.send("POST", path, {"transition": {"id": str(match["id"])}})
    return send


def _servicenow_note(incident: Incident, item: WorkItem) -> Callable[[ToolWriter], None]:
    text = (f"Jira defect {item.key} ({item.title}) was resolved at {_when(item.resolved_at or item.updated_at)}."
            + (f" {item.url}" if item.url else "") + " (Sluice write-back)")
    return lambda w: w.send("PATCH", f"/api/now/table/incident/{quote(incident.external_id)}", {"work_notes": text})


def _servicenow_resolve(incident: Incident, item: WorkItem) -> Callable[[ToolWriter], None]:
    code = (incident.connection.options.get("resolve_close_code") or DEFAULT_CLOSE_CODE).strip()
    notes = f"Resolved with Jira defect {item.key} (Sluice write-back)."
    body = {"state": "6", "close_code": code, "close_notes": notes}
    return lambda w: w.send("PATCH", f"/api/now/table/incident/{quote(incident.external_id)}", body)
