"""The per-connection mapping: defaults, overrides, validation that names the bad key."""

from __future__ import annotations

import json

import pytest

from integrations.mapping import _VALUE_CHECKS, DEFAULT_MAPPING, DEFAULTS, LIST_SECTIONS, Mapping, MappingError
from integrations.normalized import (
    Approval,
    ChangeState,
    DeploymentStatus,
    FlowType,
    IncidentStatus,
    RunStatus,
    StatusCategory,
)
from vsm.errors import InvalidInput

TODO, DOING, DONE = StatusCategory.TODO, StatusCategory.IN_PROGRESS, StatusCategory.DONE


def test_every_section_has_a_validator():
    assert set(_VALUE_CHECKS) | LIST_SECTIONS == set(DEFAULTS)


def test_defaults_validate_as_overrides():
    # The defaults obey the same rules a connection's overrides do.
    assert Mapping.from_overrides(DEFAULTS).as_dict() == DEFAULT_MAPPING.as_dict()


@pytest.mark.parametrize(("name", "category_key", "expected"), [
    ("To Do", "new", TODO), ("Open", None, TODO), ("Reopened", None, TODO), ("Backlog", None, TODO),
    ("In Progress", "indeterminate", DOING), ("in progress", None, DOING),
    ("Done", "done", DONE), ("Resolved", None, DONE), ("Closed", None, DONE),
    ("Awaiting Deploy", "indeterminate", DOING),  # custom name: Jira's category files it
    ("Triage", "new", TODO), ("Shipped", "done", DONE),
    ("Deploying", None, DOING),  # custom name, no category (Jira 5.x): counted as started
])
def test_status_categories(name, category_key, expected):
    assert DEFAULT_MAPPING.status_category(name, category_key) == expected


@pytest.mark.parametrize(("name", "category", "waiting"), [
    ("Blocked", DOING, True), ("Waiting for customer", DOING, True), ("On Hold", DOING, True),
    ("Ready for QA", DOING, True), ("Awaiting approval", DOING, True), ("BLOCKED BY VENDOR", DOING, True),
    ("In Progress", DOING, False), ("In Review", DOING, False),
    ("Ready for Development", TODO, False),  # waiting before work started is just to-do
    ("Blocked", DONE, False),
])
def test_waiting_statuses(name, category, waiting):
    assert DEFAULT_MAPPING.is_waiting(name, category) is waiting


@pytest.mark.parametrize(("issue_type", "flow"), [
    ("Bug", FlowType.DEFECT), ("Story", FlowType.FEATURE), ("Task", FlowType.FEATURE), ("Epic", FlowType.FEATURE),
    ("Sub-task", FlowType.FEATURE), ("Tech debt", FlowType.DEBT), ("Chore", FlowType.DEBT),
    ("Refactor", FlowType.DEBT), ("Risk", FlowType.RISK), ("Security", FlowType.RISK),
    ("Vulnerability", FlowType.RISK), ("Tarea", FlowType.FEATURE), (None, FlowType.FEATURE),
])
def test_flow_types(issue_type, flow):
    assert DEFAULT_MAPPING.flow_type(issue_type) == flow


@pytest.mark.parametrize(("priority", "severity"), [
    ("Blocker", 1), ("Highest", 1), ("Critical", 2), ("High", 2), ("Major", 3), ("Medium", 3), ("Minor", 4),
    ("Low", 4), ("Trivial", 4), ("Lowest", 4), ("P0 - drop everything", None), (None, None),
])
def test_jira_priority_severity(priority, severity):
    assert DEFAULT_MAPPING.priority_severity(priority) == severity


def test_servicenow_and_ci_defaults():
    m = DEFAULT_MAPPING
    assert [m.incident_status(c) for c in ("1", "2", "3", "6", "7", "8")] == [
        IncidentStatus.OPEN, IncidentStatus.OPEN, IncidentStatus.OPEN, IncidentStatus.RESOLVED, IncidentStatus.CLOSED,
        IncidentStatus.CANCELLED]
    assert [m.change_state(c) for c in ("-5", "-4", "-3", "-2", "-1", "0", "3", "4")] == list(ChangeState)
    assert [m.approval(a) for a in ("not requested", "requested", "approved", "rejected")] == [None, *Approval]
    assert m.deployment_status("github_deployment_states", "inactive") is None
    assert m.deployment_status("gitlab_deployment_statuses", "canceled") == DeploymentStatus.CANCELLED
    assert m.run_status("jenkins_results", "UNSTABLE") == RunStatus.FAILED
    assert m.run_status("github_run_conclusions", "made_up") is None


def test_overrides_overlay_defaults_key_by_key():
    mapping = Mapping.from_overrides({
        "status_categories": {"Ready for Development": "in_progress"},
        "waiting_statuses": ["parked"],
        "flow_types": {"Story": "debt", "*": "risk"},
        "servicenow_approvals": {"not requested": "requested"},
    })

    assert mapping.status_category("Ready for Development", "new") == DOING  # a name beats the category key
    assert mapping.status_category("Open") == TODO  # untouched default
    assert mapping.is_waiting("Parked", DOING) and not mapping.is_waiting("Blocked", DOING)  # a list replaces
    assert (mapping.flow_type("story"), mapping.flow_type("Bug"), mapping.flow_type("Whatever")) == (
        FlowType.DEBT, FlowType.DEFECT, FlowType.RISK)
    assert mapping.approval("not requested") == Approval.REQUESTED
    assert DEFAULT_MAPPING.flow_type("Story") == FlowType.FEATURE  # the defaults are not mutated


def test_overrides_round_trip_through_json():
    overrides = {"flow_types": {"Story ": "debt"}, "priority_severity": {"P1": 1},
                 "servicenow_approvals": {"not requested": None}}
    mapping = Mapping.from_overrides(overrides)

    stored = json.loads(json.dumps(mapping.overrides))

    assert stored == {"flow_types": {"story": "debt"}, "priority_severity": {"p1": 1},
                      "servicenow_approvals": {"not requested": None}}
    assert Mapping.from_overrides(stored).as_dict() == mapping.as_dict()


@pytest.mark.parametrize(("overrides", "bad_key", "message"), [
    ({"flow_type": {}}, "mapping.flow_type", "unknown mapping section 'flow_type'"),
    ({"flow_types": {"Bug": "bug"}}, "mapping.flow_types.Bug", "'bug' is not one of feature, defect, risk, debt"),
    ({"priority_severity": {"P0": 0}}, "mapping.priority_severity.P0", "0 is not a severity"),
    ({"priority_severity": {"P1": True}}, "mapping.priority_severity.P1", "True is not a severity"),
    ({"servicenow_incident_states": {"9": None}}, "mapping.servicenow_incident_states.9", "None is not one of"),
    ({"waiting_statuses": "blocked"}, "mapping.waiting_statuses", "must be a list"),
    ({"waiting_statuses": ["ok", ""]}, "mapping.waiting_statuses", "must be a list"),
    ({"status_categories": ["done"]}, "mapping.status_categories", "must be an object"),
    ({"status_categories": {"": "done"}}, "mapping.status_categories.", "empty source value"),
    ({"servicenow_change_risks": {"1": 7}}, "mapping.servicenow_change_risks.1", "not a non-empty string"),
])
def test_bad_overrides_name_the_key(overrides, bad_key, message):
    with pytest.raises(MappingError, match=message) as error:
        Mapping.from_overrides(overrides)
    assert bad_key in error.value.fields
    assert str(error.value).startswith(bad_key)
    assert isinstance(error.value, InvalidInput)  # pages and the API show it as a 400 naming the field


def test_every_bad_key_is_reported_at_once():
    with pytest.raises(MappingError) as error:
        Mapping.from_overrides({"flow_types": {"Bug": "x", "Story": "y"}, "nope": 1})
    assert set(error.value.fields) == {"mapping.flow_types.Bug", "mapping.flow_types.Story", "mapping.nope"}


def test_overrides_must_be_an_object():
    with pytest.raises(MappingError, match="must be a JSON object"):
        Mapping.from_overrides(["flow_types"])
