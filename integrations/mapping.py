"""The per-connection status/type/priority mapping: how a source's raw values become the
normalized enums (``integrations.normalized``).

A connection stores only its *overrides* (a small JSON object); the effective mapping is the
defaults below overlaid with them, section by section and key by key. Every section is a table
from a raw value to a normalized one:

- keys are compared case-insensitively (Jira's "In Progress" and "in progress" are one status);
- the key ``"*"`` is the fallback for raw values the table does not list; a section without
  ``"*"`` yields ``None`` for them (for example an unknown ServiceNow change state);
- a ``null`` value, where a section allows it, means "no value" (a ServiceNow approval of
  "not requested"; a GitHub deployment state that says nothing about the outcome).

``waiting_statuses`` is the one list section: shell-style patterns (``ready for *``) naming the
in-progress statuses where work waits rather than moves (METRICS.md, flow section). An override
replaces the whole list.

Because raw values are stored beside the mapped ones, changing a connection's mapping can be
re-applied to stored records by calling these same methods again.
"""

from __future__ import annotations

import copy
import fnmatch
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from integrations.normalized import (
    SEVERITIES,
    Approval,
    ChangeState,
    ChangeType,
    DeploymentStatus,
    FlowType,
    IncidentStatus,
    RunStatus,
    StatusCategory,
)
from vsm.errors import InvalidInput

FALLBACK = "*"

DEFAULTS: dict[str, Any] = {
    # Jira: a status's name wins over its category key, so a connection can re-file one status;
    # the category key wins over the fallback, so custom statuses land where Jira files them.
    "status_categories": {
        "open": "todo", "to do": "todo", "todo": "todo", "backlog": "todo", "new": "todo",
        "reopened": "todo", "selected for development": "todo",
        "in progress": "in_progress", "in development": "in_progress", "in review": "in_progress",
        "code review": "in_progress", "in qa": "in_progress", "in test": "in_progress", "testing": "in_progress",
        "done": "done", "closed": "done", "resolved": "done", "released": "done",
        "cancelled": "done", "canceled": "done", "won't do": "done",
        # Unknown names without a category key (Jira Server 5.x has none) are mostly custom
        # working states ("In QA", "Deploying"), so count them as started.
        FALLBACK: "in_progress",
    },
    "status_category_keys": {"new": "todo", "undefined": "todo", "indeterminate": "in_progress", "done": "done"},
    "waiting_statuses": ["*blocked*", "*waiting*", "*on hold*", "ready for *", "awaiting *"],
    "flow_types": {
        "bug": "defect", "defect": "defect", "incident": "defect", "problem": "defect",
        "story": "feature", "user story": "feature", "task": "feature", "sub-task": "feature",
        "subtask": "feature", "epic": "feature", "new feature": "feature", "feature": "feature",
        "improvement": "feature", "spike": "feature",
        "tech debt": "debt", "technical debt": "debt", "chore": "debt", "refactor": "debt", "refactoring": "debt",
        "risk": "risk", "security": "risk", "vulnerability": "risk", "security bug": "risk",
        FALLBACK: "feature",
    },
    # Jira ships two priority schemes (Blocker..Trivial, Highest..Lowest); both fold onto 1-4.
    "priority_severity": {
        "blocker": 1, "highest": 1, "critical": 2, "high": 2, "major": 3, "medium": 3,
        "minor": 4, "low": 4, "trivial": 4, "lowest": 4,
    },
    "servicenow_incident_states": {
        "1": "open", "2": "open", "3": "open", "6": "resolved", "7": "closed", "8": "cancelled",
        FALLBACK: "open",  # instances add states; an unknown one is still an open incident
    },
    "servicenow_change_states": {
        "-5": "new", "-4": "assess", "-3": "authorize", "-2": "scheduled", "-1": "implement",
        "0": "review", "3": "closed", "4": "cancelled",
    },
    "servicenow_change_types": {"standard": "standard", "normal": "normal", "emergency": "emergency"},
    "servicenow_approvals": {
        "not requested": None, "requested": "requested", "approved": "approved", "rejected": "rejected",
    },
    "servicenow_change_risks": {"1": "very high", "2": "high", "3": "moderate", "4": "low"},
    # Priority 5 (Planning) is not an outage; it folds into the lowest severity.
    "servicenow_priority_severity": {"1": 1, "2": 2, "3": 3, "4": 4, "5": 4},
    # The base-system priority lookup (impact x urgency), used when a record carries no priority.
    "servicenow_impact_urgency_severity": {
        "1-1": 1, "1-2": 2, "2-1": 2, "1-3": 3, "2-2": 3, "3-1": 3, "2-3": 4, "3-2": 4, "3-3": 4,
    },
    # null: an `inactive` status only says a newer deployment superseded this one.
    "github_deployment_states": {
        "success": "succeeded", "failure": "failed", "error": "failed", "in_progress": "in_progress",
        "queued": "in_progress", "pending": "in_progress", "inactive": None,
    },
    "github_run_statuses": {
        "requested": "queued", "queued": "queued", "pending": "queued", "waiting": "queued",
        "in_progress": "in_progress",
    },
    "github_run_conclusions": {
        "success": "succeeded", "neutral": "succeeded", "failure": "failed", "timed_out": "failed",
        "startup_failure": "failed", "action_required": "failed", "cancelled": "cancelled", "stale": "cancelled",
        "skipped": "skipped",
    },
    "gitlab_deployment_statuses": {
        "created": "in_progress", "running": "in_progress", "blocked": "in_progress", "success": "succeeded",
        "failed": "failed", "canceled": "cancelled", "skipped": "cancelled",
    },
    "gitlab_pipeline_statuses": {
        "created": "queued", "waiting_for_resource": "queued", "preparing": "queued", "pending": "queued",
        "scheduled": "queued", "manual": "queued", "running": "in_progress", "success": "succeeded",
        "failed": "failed", "canceled": "cancelled", "canceling": "cancelled", "skipped": "skipped",
    },
    # UNSTABLE is Jenkins for "built, but tests failed": not a pass for any gate.
    "jenkins_results": {
        "success": "succeeded", "unstable": "failed", "failure": "failed", "aborted": "cancelled",
        "not_built": "skipped",
    },
    "jenkins_stage_statuses": {
        "success": "succeeded", "unstable": "failed", "failed": "failed", "failure": "failed",
        "aborted": "cancelled", "not_executed": "skipped", "in_progress": "in_progress",
        "paused_pending_input": "in_progress", "queued": "queued",
    },
}


def _choice(enum: type[StrEnum], *, nullable: bool = False) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if isinstance(value, str) and value in enum._value2member_map_:
            return value
        allowed = ", ".join(m.value for m in enum) + (", null" if nullable else "")
        raise ValueError(f"{value!r} is not one of {allowed}")
    return check


def _severity(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value in SEVERITIES:
        return value
    raise ValueError(f"{value!r} is not a severity (an integer from 1 to 4)")


def _text(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError(f"{value!r} is not a non-empty string")


_VALUE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "status_categories": _choice(StatusCategory),
    "status_category_keys": _choice(StatusCategory),
    "flow_types": _choice(FlowType),
    "priority_severity": _severity,
    "servicenow_incident_states": _choice(IncidentStatus),
    "servicenow_change_states": _choice(ChangeState),
    "servicenow_change_types": _choice(ChangeType),
    "servicenow_approvals": _choice(Approval, nullable=True),
    "servicenow_change_risks": _text,
    "servicenow_priority_severity": _severity,
    "servicenow_impact_urgency_severity": _severity,
    "github_deployment_states": _choice(DeploymentStatus, nullable=True),
    "github_run_statuses": _choice(RunStatus),
    "github_run_conclusions": _choice(RunStatus),
    "gitlab_deployment_statuses": _choice(DeploymentStatus),
    "gitlab_pipeline_statuses": _choice(RunStatus),
    "jenkins_results": _choice(RunStatus),
    "jenkins_stage_statuses": _choice(RunStatus),
}
LIST_SECTIONS = frozenset({"waiting_statuses"})


def _key(raw: Any) -> str:
    return str(raw).strip().casefold()


class MappingError(InvalidInput):
    """A per-connection mapping that does not validate. ``fields`` names every bad entry as
    ``mapping.<section>.<key>`` so the mapping editor can put each message beside its row."""


class Mapping:
    """The effective mapping of one connection. Build it with :meth:`from_overrides`; keep
    :attr:`overrides` (validated, JSON-serializable) on the connection."""

    __slots__ = ("_tables", "overrides")

    def __init__(self, overrides: dict[str, Any], tables: dict[str, Any]):
        self.overrides = overrides
        self._tables = tables

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None = None) -> Mapping:
        clean = _validate(overrides or {})
        tables = copy.deepcopy(DEFAULTS)
        for section in tables:
            if section in LIST_SECTIONS:
                tables[section] = [_key(p) for p in tables[section]]
            else:
                tables[section] = {_key(k): v for k, v in tables[section].items()}
        for section, value in clean.items():
            if section in LIST_SECTIONS:
                tables[section] = list(value)
            else:
                tables[section].update(value)
        return cls(clean, tables)

    def as_dict(self) -> dict[str, Any]:
        """The effective mapping (defaults plus overrides), for showing in the mapping editor."""
        return copy.deepcopy(self._tables)

    def lookup(self, section: str, raw: Any) -> Any:
        table = self._tables[section]
        if raw is not None and (key := _key(raw)) in table:
            return table[key]
        return table.get(FALLBACK)

    def has(self, section: str, raw: Any) -> bool:
        return raw is not None and _key(raw) in self._tables[section]

    # Jira / work items -------------------------------------------------------------------------

    def status_category(self, name: str | None, category_key: str | None = None) -> StatusCategory:
        if self.has("status_categories", name):
            return StatusCategory(self.lookup("status_categories", name))
        if self.has("status_category_keys", category_key):
            return StatusCategory(self.lookup("status_category_keys", category_key))
        return StatusCategory(self.lookup("status_categories", None))

    def is_waiting(self, name: str | None, category: StatusCategory) -> bool:
        """Only an in-progress status can be a waiting one: "Ready for Development" in the
        backlog is to-do work, "Ready for QA" mid-flow is work waiting."""
        if category != StatusCategory.IN_PROGRESS or not name:
            return False
        return any(fnmatch.fnmatchcase(_key(name), pattern) for pattern in self._tables["waiting_statuses"])

    def flow_type(self, type_name: str | None) -> FlowType:
        return FlowType(self.lookup("flow_types", type_name))

    def priority_severity(self, priority_name: str | None) -> int | None:
        return self.lookup("priority_severity", priority_name)

    # ServiceNow --------------------------------------------------------------------------------

    def incident_status(self, state_code: str) -> IncidentStatus:
        return IncidentStatus(self.lookup("servicenow_incident_states", state_code))

    def change_state(self, state_code: str) -> ChangeState | None:
        value = self.lookup("servicenow_change_states", state_code)
        return ChangeState(value) if value else None

    def change_type(self, type_value: str) -> ChangeType | None:
        value = self.lookup("servicenow_change_types", type_value)
        return ChangeType(value) if value else None

    def approval(self, approval_value: str) -> Approval | None:
        value = self.lookup("servicenow_approvals", approval_value)
        return Approval(value) if value else None

    def change_risk(self, risk_code: str) -> str | None:
        return self.lookup("servicenow_change_risks", risk_code)

    def servicenow_severity(self, *, priority: str | None, impact: str | None, urgency: str | None) -> int | None:
        if priority:
            return self.lookup("servicenow_priority_severity", priority)
        if impact and urgency:
            return self.lookup("servicenow_impact_urgency_severity", f"{impact}-{urgency}")
        return None

    # CI / deployments --------------------------------------------------------------------------

    def deployment_status(self, section: str, raw: str) -> DeploymentStatus | None:
        value = self.lookup(section, raw)
        return DeploymentStatus(value) if value else None

    def run_status(self, section: str, raw: str) -> RunStatus | None:
        value = self.lookup(section, raw)
        return RunStatus(value) if value else None


def _validate(overrides: Any) -> dict[str, Any]:
    if not isinstance(overrides, dict):
        raise MappingError("The mapping must be a JSON object of sections.", fields={"mapping": ["not an object"]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for section, value in overrides.items():
        path = f"mapping.{section}"
        if section not in DEFAULTS:
            errors[path] = [f"unknown mapping section {section!r}; known: {', '.join(sorted(DEFAULTS))}"]
        elif section in LIST_SECTIONS:
            if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
                errors[path] = ["must be a list of non-empty status name patterns"]
            else:
                clean[section] = [_key(p) for p in value]
        elif not isinstance(value, dict):
            errors[path] = ["must be an object from source value to mapped value"]
        else:
            table: dict[str, Any] = {}
            for raw, mapped in value.items():
                key = _key(raw)
                if not key:
                    errors[f"{path}."] = ["an empty source value cannot be mapped"]
                    continue
                try:
                    table[key] = _VALUE_CHECKS[section](mapped)
                except ValueError as exc:
                    errors[f"{path}.{raw}"] = [str(exc)]
            clean[section] = table
    if errors:
        first_path, (first_message,) = next(iter(errors.items()))
        raise MappingError(f"{first_path}: {first_message}", fields=errors)
    return clean


DEFAULT_MAPPING = Mapping.from_overrides()
