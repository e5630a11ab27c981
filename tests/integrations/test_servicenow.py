"""ServiceNow incident and change_request records, in every shape the Table API returns.

No redistributable incident sample exists, so the incident payloads below are built from the
field list and value rules in SHAPES.md section 4 (invented values, real shapes)."""

from __future__ import annotations

import pytest

from integrations.connectors import servicenow
from integrations.connectors.base import SignatureError
from integrations.connectors.http import Credentials
from integrations.mapping import Mapping
from integrations.normalized import (
    Approval,
    ChangeState,
    ChangeType,
    IncidentStatus,
    NormalizedChangeRequest,
    NormalizedIncident,
    Source,
)
from tests.integrations.support import Reply, load_fixture, utc

INSTANCE = "https://acme.service-now.com"
INC_SYS_ID = "46b66a40a9fe198101f243dfbc79033d"
SERVICE_ID = "27d32778c0a8000b00db970eeaa60f16"
CHANGE_ID = "a9e9c33dc61122760072455df62663d2"

# sysparm_display_value=false (the default): every value a string, references {link, value}.
INCIDENT_PLAIN = {
    "sys_id": INC_SYS_ID, "number": "INC0010042", "sys_class_name": "incident",
    "state": "6", "incident_state": "6", "priority": "2", "impact": "2", "urgency": "1", "severity": "3",
    "short_description": "Checkout fails with 502 after deploy of PAY-312",
    "description": "Customers see errors; rollback discussed in PAY-315.",
    "opened_at": "2024-03-05 09:12:44", "resolved_at": "2024-03-05 11:40:02", "closed_at": "",
    "sys_created_on": "2024-03-05 09:12:44", "sys_updated_on": "2024-03-05 11:40:05", "active": "true",
    "business_service": {"link": f"{INSTANCE}/api/now/table/cmdb_ci_service/{SERVICE_ID}", "value": SERVICE_ID},
    "cmdb_ci": "",
    "caused_by": {"link": f"{INSTANCE}/api/now/table/change_request/{CHANGE_ID}", "value": CHANGE_ID},
    "close_code": "Solved (Permanently)", "reopen_count": "0",
}

# sysparm_display_value=all: every field {display_value, value}; references add link, dates
# add display_value_internal (the user's time zone; `value` is UTC).
INCIDENT_ALL = {
    name: ({"display_value": "", "value": ""} if value == "" else {"display_value": value, "value": value})
    for name, value in INCIDENT_PLAIN.items() if not isinstance(value, dict)
} | {
    "state": {"display_value": "Resolved", "value": "6"},
    "priority": {"display_value": "2 - High", "value": "2"},
    "opened_at": {"display_value": "05/03/2024 10:12:44", "value": "2024-03-05 09:12:44",
                  "display_value_internal": "2024-03-05 10:12:44"},
    "business_service": {"display_value": "Payments API", "value": SERVICE_ID,
                         "link": f"{INSTANCE}/api/now/table/cmdb_ci_service/{SERVICE_ID}"},
    "caused_by": {"display_value": "CHG0030052", "value": CHANGE_ID,
                  "link": f"{INSTANCE}/api/now/table/change_request/{CHANGE_ID}"},
}

# sysparm_exclude_reference_link=true: references are bare sys_ids, so no instance URL either.
INCIDENT_NO_LINKS = INCIDENT_PLAIN | {"business_service": SERVICE_ID, "caused_by": CHANGE_ID}


def expected_incident(*, service: str, caused_by: str, url: str | None) -> NormalizedIncident:
    return NormalizedIncident(
        source=Source.SERVICENOW, external_id=INC_SYS_ID, number="INC0010042",
        title="Checkout fails with 502 after deploy of PAY-312", status=IncidentStatus.RESOLVED, status_raw="6",
        severity=2, service=service, opened_at=utc(2024, 3, 5, 9, 12, 44), resolved_at=utc(2024, 3, 5, 11, 40, 2),
        updated_at=utc(2024, 3, 5, 11, 40, 5), caused_by_change=caused_by, work_item_keys=("PAY-312", "PAY-315"),
        url=url,
    )


@pytest.mark.parametrize(("record", "expected"), [
    (INCIDENT_PLAIN, expected_incident(service=SERVICE_ID, caused_by=CHANGE_ID,
                                       url=f"{INSTANCE}/nav_to.do?uri=incident.do?sys_id={INC_SYS_ID}")),
    (INCIDENT_ALL, expected_incident(service="Payments API", caused_by="CHG0030052",
                                     url=f"{INSTANCE}/nav_to.do?uri=incident.do?sys_id={INC_SYS_ID}")),
    (INCIDENT_NO_LINKS, expected_incident(service=SERVICE_ID, caused_by=CHANGE_ID, url=None)),
], ids=["display_value=false", "display_value=all", "exclude_reference_link"])
def test_incident_shapes(record, expected):
    assert servicenow.parse_incident(record) == expected


def test_pull_base_url_makes_the_link():
    record = servicenow.parse_incident(INCIDENT_NO_LINKS, base_url="https://other.service-now.com/")
    assert record.url == f"https://other.service-now.com/nav_to.do?uri=incident.do?sys_id={INC_SYS_ID}"


@pytest.mark.parametrize(("state", "status"), [
    ("1", IncidentStatus.OPEN), ("2", IncidentStatus.OPEN), ("3", IncidentStatus.OPEN),
    ("6", IncidentStatus.RESOLVED), ("7", IncidentStatus.CLOSED), ("8", IncidentStatus.CANCELLED),
    ("101", IncidentStatus.OPEN), ("7.0", IncidentStatus.CLOSED),
])
def test_incident_states(state, status):
    assert servicenow.parse_incident(INCIDENT_PLAIN | {"state": state}).status == status


def test_incident_state_falls_back_to_incident_state():
    record = INCIDENT_PLAIN | {"state": "", "incident_state": "7"}
    assert servicenow.parse_incident(record).status == IncidentStatus.CLOSED


@pytest.mark.parametrize(("priority", "impact", "urgency", "severity"), [
    ("1", "1", "1", 1), ("3", "1", "1", 3), ("5", "3", "3", 4),
    ("", "1", "2", 2), ("", "2", "2", 3), ("", "3", "3", 4), ("", "", "", None),
])
def test_incident_severity_from_priority_or_impact_and_urgency(priority, impact, urgency, severity):
    record = INCIDENT_PLAIN | {"priority": priority, "impact": impact, "urgency": urgency}
    assert servicenow.parse_incident(record).severity == severity


# change_request --------------------------------------------------------------------------------------

CHANGE_FIXTURE = "servicenow/change_request.sn_chg_rest.standard.display-value-all.json"
EXPECTED_CHANGE = NormalizedChangeRequest(
    source=Source.SERVICENOW, external_id="11ab5ccfdb784d505da401a3ca96190a", number="CHG0031889",
    title="Add network switch to cabinet", type=ChangeType.STANDARD, type_raw="standard", state=ChangeState.NEW,
    state_raw="-5", approval=Approval.APPROVED, approval_raw="approved", risk="moderate",
    opened_at=utc(2022, 1, 6, 12, 12, 43), updated_at=utc(2022, 1, 6, 12, 12, 43),
)
EXPECTED = {CHANGE_FIXTURE: EXPECTED_CHANGE}


def _as_table_api_strings(record: dict) -> dict:
    """The same record as the default Table API shape: plain strings, integers without ".0"."""
    def plain(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        return value
    return {name: plain(field["value"]) for name, field in record.items()
            if isinstance(field, dict) and "value" in field}


def test_change_request_fixture_in_display_value_all_shape():
    body = load_fixture(CHANGE_FIXTURE)
    assert body["result"]["state"]["value"] == -5.0  # typed, as the fixture notes

    parsed = servicenow.parse_webhook("change_request", {}, body)

    assert list(parsed.records) == [EXPECTED_CHANGE]


def test_change_request_fixture_in_plain_string_shape():
    record = _as_table_api_strings(load_fixture(CHANGE_FIXTURE)["result"])
    assert record["state"] == "-5" and record["approval"] == "approved"

    assert servicenow.parse_change_request(record) == EXPECTED_CHANGE


def test_change_request_windows_services_and_close_code():
    record = _as_table_api_strings(load_fixture(CHANGE_FIXTURE)["result"]) | {
        "state": "3", "type": "emergency", "approval": "rejected", "risk": "2", "close_code": "unsuccessful",
        "start_date": "2024-05-01 20:00:00", "end_date": "2024-05-01 22:00:00",
        "work_start": "2024-05-01 20:05:00", "work_end": "2024-05-01 21:10:00", "closed_at": "2024-05-02 08:00:00",
        "business_service": {"display_value": "Payments API", "value": SERVICE_ID},
        "cmdb_ci": {"display_value": "pay-db-01", "value": "f3c5b5a0db"},
    }

    change = servicenow.parse_change_request(record)

    assert (change.state, change.type, change.approval, change.risk, change.close_code) == (
        ChangeState.CLOSED, ChangeType.EMERGENCY, Approval.REJECTED, "high", "unsuccessful")
    assert change.services == ("Payments API", "pay-db-01")
    assert (change.planned_start, change.planned_end, change.actual_start, change.actual_end, change.closed_at) == (
        utc(2024, 5, 1, 20), utc(2024, 5, 1, 22), utc(2024, 5, 1, 20, 5), utc(2024, 5, 1, 21, 10), utc(2024, 5, 2, 8))


@pytest.mark.parametrize(("state", "expected"), [
    ("-5", ChangeState.NEW), ("-4.0", ChangeState.ASSESS), (-3.0, ChangeState.AUTHORIZE), ("-2", ChangeState.SCHEDULED),
    ("-1", ChangeState.IMPLEMENT), ("0", ChangeState.REVIEW), ("3", ChangeState.CLOSED), ("4", ChangeState.CANCELLED),
    ("77", None),
])
def test_change_states(state, expected):
    record = {"sys_id": "x", "state": {"display_value": "", "value": state}}
    assert servicenow.parse_change_request(record).state == expected


@pytest.mark.parametrize(("approval", "expected"), [
    ("not requested", None), ("requested", Approval.REQUESTED), ("approved", Approval.APPROVED),
    ("rejected", Approval.REJECTED),
])
def test_approvals(approval, expected):
    assert servicenow.parse_change_request({"sys_id": "x", "approval": approval}).approval == expected


def test_mapping_override_for_a_customised_instance():
    mapping = Mapping.from_overrides({"servicenow_incident_states": {"101": "resolved"},
                                      "servicenow_change_states": {"77": "implement"}})
    incident = servicenow.parse_incident(INCIDENT_PLAIN | {"state": "101"}, mapping=mapping)
    change = servicenow.parse_change_request({"sys_id": "x", "state": "77"}, mapping=mapping)
    assert (incident.status, change.state) == (IncidentStatus.RESOLVED, ChangeState.IMPLEMENT)


# Push ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "body", "event"), [
    ({"X-Sluice-Event": "incident"}, INCIDENT_PLAIN, "incident"),
    ({}, {"result": INCIDENT_ALL}, "incident"),
    ({}, {"result": {"sys_class_name": {"display_value": "Change Request", "value": "change_request"}}},
     "change_request"),
])
def test_event_comes_from_header_or_class_name(headers, body, event):
    assert servicenow.event_name(headers, body) == event


def test_pushed_incident_is_parsed():
    (incident,) = servicenow.parse_webhook("incident", {}, {"result": INCIDENT_ALL}).records
    assert (incident.number, incident.service) == ("INC0010042", "Payments API")


def test_other_tables_are_ignored():
    parsed = servicenow.parse_webhook("problem", {}, {"sys_id": "x"})
    assert parsed.records == () and "'problem' is not one Sluice reads" in parsed.ignored


@pytest.mark.parametrize(("headers", "ok"), [({"X-Sluice-Token": "sn-secret"}, True),
                                             ({"x-sluice-token": "sn-secret"}, True),
                                             ({"X-Sluice-Token": "sn-secreT"}, False), ({}, False)])
def test_token(headers, ok):
    if ok:
        servicenow.verify_webhook(headers, b"{}", "sn-secret")
    else:
        with pytest.raises(SignatureError, match="X-Sluice-Token header"):
            servicenow.verify_webhook(headers, b"{}", "sn-secret")


# Pull: a Table API emulator serving records in the display_value=all shape -----------------------------

def _incident_row(sys_id: str, updated: str) -> dict:
    return INCIDENT_ALL | {"sys_id": {"display_value": sys_id, "value": sys_id},
                           "number": {"display_value": f"INC{sys_id}", "value": f"INC{sys_id}"},
                           "sys_updated_on": {"display_value": updated, "value": updated,
                                              "display_value_internal": updated}}


class TableAPI:
    """Answers GET /api/now/table/incident the way the instance does: the encoded query's
    ``^NQ`` branches ORed, each an AND of conditions, ordered by (sys_updated_on, sys_id)."""

    def __init__(self, server, rows: dict[str, str]):
        self.rows = dict(rows)  # sys_id -> sys_updated_on
        server.route("/api/now/table/incident", self.respond)

    @staticmethod
    def _holds(row: tuple[str, str], condition: str) -> bool:
        sys_id, updated = row
        for op in (">=", ">", "="):
            if op in condition:
                field, wanted = condition.split(op, 1)
                have = {"sys_id": sys_id, "sys_updated_on": updated}[field]
                return {">=": have >= wanted, ">": have > wanted, "=": have == wanted}[op]
        raise AssertionError(f"unexpected condition {condition!r}")

    def respond(self, seen):
        assert seen.query["sysparm_display_value"] == "all"
        branches = [[]]
        for token in seen.query["sysparm_query"].split("^"):
            if token.startswith("NQ"):
                branches.append([token[2:]])
            elif not token.startswith("ORDERBY"):
                branches[-1].append(token)
        matching = sorted((updated, sys_id) for sys_id, updated in self.rows.items()
                          if any(all(self._holds((sys_id, updated), c) for c in b) for b in branches))
        limit = int(seen.query["sysparm_limit"])
        return Reply(body={"result": [_incident_row(sys_id, updated) for updated, sys_id in matching[:limit]]})


ROWS = {"0001": "2024-03-01 10:00:00", "0002": "2024-03-01 10:00:00", "0003": "2024-03-01 10:00:00",
        "0004": "2024-03-01 11:00:00", "0005": "2024-03-01 12:00:00"}


def sn_client(server, sleeps) -> servicenow.Client:
    return servicenow.Client(base_url=server.url, credentials=Credentials(username="sync", password="pw"),
                             table="incident", page_size=2, sleep=sleeps)


def ids(pages) -> list[list[str]]:
    return [[r.external_id for r in page.records] for page in pages]


def test_pull_pages_by_keyset(server, sleeps):
    TableAPI(server, ROWS)

    pages = list(sn_client(server, sleeps).record_pages())

    assert ids(pages) == [["0001", "0002"], ["0003", "0004"], ["0005"]]
    assert [p.cursor for p in pages] == [{"since": "2024-03-01 10:00:00", "after_id": "0002"},
                                         {"since": "2024-03-01 11:00:00", "after_id": "0004"},
                                         {"since": "2024-03-01 12:00:00", "after_id": "0005"}]
    assert [s.query["sysparm_query"] for s in server.hits("/api/now/table/incident")] == [
        "ORDERBYsys_updated_on^ORDERBYsys_id",
        "sys_updated_on=2024-03-01 10:00:00^sys_id>0002^NQsys_updated_on>2024-03-01 10:00:00"
        "^ORDERBYsys_updated_on^ORDERBYsys_id",
        "sys_updated_on=2024-03-01 11:00:00^sys_id>0004^NQsys_updated_on>2024-03-01 11:00:00"
        "^ORDERBYsys_updated_on^ORDERBYsys_id",
    ]
    assert pages[0].records[0].url == f"{server.url}/nav_to.do?uri=incident.do?sys_id=0001"


def test_sync_killed_after_page_two_resumes_at_page_three(server, sleeps):
    TableAPI(server, ROWS)
    pages = sn_client(server, sleeps).record_pages()
    saved = [next(pages), next(pages)][-1].cursor
    pages.close()

    assert ids(sn_client(server, sleeps).record_pages(saved)) == [["0005"]]


def test_a_record_updated_mid_sync_moves_past_the_cursor_and_skips_nothing(server, sleeps):
    table = TableAPI(server, ROWS)
    pages = sn_client(server, sleeps).record_pages()
    first = next(pages)
    table.rows["0001"] = "2024-03-01 13:00:00"  # someone edits an incident already read

    rest = list(pages)

    assert ids([first, *rest]) == [["0001", "0002"], ["0003", "0004"], ["0005", "0001"], []]


def test_more_records_in_one_second_than_a_page(server, sleeps):
    TableAPI(server, {f"000{n}": "2024-03-01 10:00:00" for n in range(1, 6)})
    assert ids(sn_client(server, sleeps).record_pages()) == [["0001", "0002"], ["0003", "0004"], ["0005"]]


def test_next_incremental_sync_reads_only_what_changed(server, sleeps):
    table = TableAPI(server, ROWS)
    resting = list(sn_client(server, sleeps).record_pages())[-1].cursor
    table.rows["0006"] = "2024-03-01 12:00:00"
    table.rows["0002"] = "2024-03-02 08:00:00"

    pages = list(sn_client(server, sleeps).record_pages(resting))

    assert ids(pages) == [["0006", "0002"], []]
    assert pages[-1].cursor == {"since": "2024-03-02 08:00:00", "after_id": "0002"}


def test_client_refuses_other_tables():
    with pytest.raises(ValueError, match="table must be one of incident, change_request"):
        servicenow.Client(base_url="https://x", credentials=Credentials(), table="problem")
