"""Write-back against a local server acting as Jira and ServiceNow REST: a resolved incident
comments on (and transitions) its Jira issue, a resolved defect adds a work note to (and
resolves) its incident, once per resolution, only into connections that allow it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import WritebackAction
from integrations.services import writeback_actions
from integrations.sync import writeback
from tests.integrations.factories import ConnectionFactory, IncidentFactory, WorkItemFactory

pytestmark = pytest.mark.django_db
ISSUE = "/rest/api/2/issue/PAY-7"
SYS_ID = "46b66a40a9fe198101f243dfbc79033d"
INCIDENT = f"/api/now/table/incident/{SYS_ID}"


@pytest.fixture
def linked(org_a, org_b, in_org, tool):
    """A Jira issue PAY-7 and a ServiceNow incident naming it, each from its own connection,
    and org B's look-alikes that must never be touched."""
    resolved = timezone.now() - timedelta(hours=1)
    with in_org(org_b):
        jira_b = ConnectionFactory(organization=org_b, kind="jira", base_url=tool.url, writeback_enabled=True)
        WorkItemFactory(organization=org_b, connection=jira_b, source="jira", key="PAY-7")
    with in_org(org_a):
        jira = ConnectionFactory(organization=org_a, kind="jira", base_url=tool.url, writeback_enabled=True,
                                 credentials='{"username": "bot", "password": "jira-secret"}')
        servicenow = ConnectionFactory(organization=org_a, kind="servicenow", base_url=tool.url,
                                       writeback_enabled=True, credentials='{"username": "bot", "password": "sn-pw"}')
        issue = WorkItemFactory(organization=org_a, connection=jira, source="jira", key="PAY-7", title="Card fails",
                                flow_type="defect", status_category="in_progress", url="https://jira/browse/PAY-7")
        incident = IncidentFactory(organization=org_a, connection=servicenow, source="servicenow",
                                   external_id=SYS_ID, number="INC0010001", title="Checkout down", status="resolved",
                                   resolved_at=resolved, updated_at=resolved, work_item_keys=["PAY-7"])
    return {"jira": jira, "servicenow": servicenow, "issue": issue, "incident": incident}


def test_a_resolved_incident_comments_on_and_transitions_its_jira_issue_once(org_a, in_org, tool, linked):
    tool.answer("POST", f"{ISSUE}/comment", 201, {"id": "10000"})
    tool.answer("GET", f"{ISSUE}/transitions", 200, {"transitions": [
        {"id": "21", "name": "Start", "to": {"name": "In Progress"}}, {"id": "31", "name": "Done",
                                                                        "to": {"name": "Done"}}]})
    tool.answer("POST", f"{ISSUE}/transitions", 204)
    with in_org(org_a):
        linked["jira"].options = {"writeback_transition": "done"}
        linked["jira"].save()
        actions = writeback.writeback_pending(source=linked["servicenow"])
        again = writeback.writeback_pending(source=linked["servicenow"])

    assert sorted((a.kind, a.status) for a in actions) == [("jira_comment", "done"), ("jira_transition", "done")]
    assert again == []
    writes = tool.writes()
    assert [(w.method, w.path) for w in writes] == [("POST", f"{ISSUE}/comment"), ("POST", f"{ISSUE}/transitions")]
    assert "INC0010001" in writes[0].body["body"] and "Checkout down" in writes[0].body["body"]
    assert writes[1].body == {"transition": {"id": "31"}}
    assert writes[0].headers["Authorization"].startswith("Basic ")


def test_a_resolved_defect_adds_a_work_note_and_resolves_the_incident(org_a, in_org, tool, linked):
    tool.answer("PATCH", INCIDENT, 200, {"result": {"sys_id": SYS_ID}})
    with in_org(org_a):
        incident = linked["incident"]
        incident.status, incident.resolved_at = "open", None
        incident.save()
        linked["servicenow"].options = {"writeback_resolve": True, "resolve_close_code": "Fixed"}
        linked["servicenow"].save()
        issue = linked["issue"]
        issue.status_category, issue.resolved_at = "done", timezone.now()
        issue.save()
        actions = writeback.writeback_pending(source=linked["jira"])
        writeback.writeback_pending(source=linked["jira"])

    assert [a.kind for a in actions] == ["servicenow_work_note", "servicenow_resolve"]
    notes, resolve = (w.body for w in tool.writes())
    assert "PAY-7" in notes["work_notes"] and "Card fails" in notes["work_notes"]
    assert resolve == {"state": "6", "close_code": "Fixed",
                       "close_notes": "Resolved with Jira defect PAY-7 (Sluice write-back)."}
    assert len(tool.writes()) == 2


def test_nothing_is_written_into_a_connection_without_writeback(org_a, in_org, tool, linked):
    with in_org(org_a):
        linked["jira"].writeback_enabled = False
        linked["jira"].save()
        assert writeback.writeback_pending(source=linked["servicenow"]) == []
    assert tool.requests == []


def test_a_failed_write_is_recorded_without_secrets_and_tried_again(org_a, in_org, tool, linked):
    tool.answer("POST", f"{ISSUE}/comment", 500, {"errorMessages": ["try later"]})
    with in_org(org_a):
        (failed,) = writeback.writeback_pending(source=linked["servicenow"])
        assert failed.status == WritebackAction.Status.FAILED
        assert "HTTP 500" in failed.error_message and "jira-secret" not in failed.error_message
        tool.answer("POST", f"{ISSUE}/comment", 201, {"id": "1"})
        (retried,) = writeback.writeback_pending(source=linked["servicenow"])
        assert (retried.pk, retried.status, retried.attempts) == (failed.pk, WritebackAction.Status.DONE, 2)


def test_a_missing_transition_fails_naming_the_available_ones(org_a, in_org, tool, linked):
    tool.answer("POST", f"{ISSUE}/comment", 201, {"id": "1"})
    tool.answer("GET", f"{ISSUE}/transitions", 200, {"transitions": [{"id": "21", "name": "Start"}]})
    with in_org(org_a):
        linked["jira"].options = {"writeback_transition": "Close"}
        linked["jira"].save()
        actions = {a.kind: a for a in writeback.writeback_pending(source=linked["servicenow"])}
    assert actions["jira_transition"].status == WritebackAction.Status.FAILED
    assert "no transition named 'Close' (available: Start)" in actions["jira_transition"].error_message


def test_a_sync_that_brings_a_resolution_queues_the_writeback_task(org_a, in_org, linked, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    from integrations.sync import tasks

    queued = []
    monkeypatch.setattr(tasks.connection_writeback, "apply_async", lambda kwargs, **options: queued.append(kwargs))
    with in_org(org_a), django_capture_on_commit_callbacks(execute=True):
        writeback_actions.writeback_queue(source=linked["servicenow"])
    assert queued == [{"org_id": org_a.pk, "connection_id": linked["servicenow"].pk}]


def test_a_webhook_that_brings_a_resolution_queues_the_writeback_task(client, org_a, in_org, linked, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    from integrations.sync import tasks
    from tests.integrations.hooks_support import SECRET, post
    from tests.integrations.support import fixture_bytes

    queued = []
    monkeypatch.setattr(tasks.connection_writeback, "apply_async", lambda kwargs, **options: queued.append(kwargs))
    with in_org(org_a):
        linked["jira"].webhook_secret = SECRET
        linked["jira"].save()
    raw = fixture_bytes("jira/webhook.server.issue_updated.status-changed.json")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, linked["jira"], "jira", "webhook.server.issue_updated.status-changed.json",
                    raw).status_code == 200
    assert queued == [{"org_id": org_a.pk, "connection_id": linked["jira"].pk}]
    # Replaying the same delivery writes nothing, so nothing more is queued.
    with django_capture_on_commit_callbacks(execute=True):
        post(client, linked["jira"], "jira", "webhook.server.issue_updated.status-changed.json", raw)
    assert len(queued) == 1
