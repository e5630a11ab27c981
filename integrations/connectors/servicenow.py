"""ServiceNow: ``incident`` and ``change_request`` records from the Table API (pull) and from
outbound REST messages (push).

Records arrive in two shapes and both are read: the default one (every value a string, empty
values ``""``, references ``{"link", "value"}``) and ``sysparm_display_value=all`` (every field a
``{"display_value", "value"}`` object). Codes may come as ``"-5"``, ``"-5.0"`` or ``-5.0`` (the
Change Management API types them); they are compared as integers' text. Date-time ``value`` s
are UTC without a zone marker.

Push (decided here): a business rule's outbound REST message POSTs the record (bare, or wrapped
in ``{"result": ...}`` as the Table API answers) to ``/hooks/<connection-id>/`` with

- ``X-Sluice-Token: <webhook secret>`` (outbound REST messages can set headers, which keeps the
  secret out of URLs and access logs), compared in constant time;
- ``X-Sluice-Event: incident`` or ``change_request``; without it the record's ``sys_class_name``
  decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as MappingABC
from datetime import datetime
from typing import Any, Literal

from integrations.connectors.base import PayloadError, header, parse_timestamp, verify_token
from integrations.connectors.http import Credentials, HttpClient, Page
from integrations.mapping import DEFAULT_MAPPING, Mapping
from integrations.normalized import NormalizedChangeRequest, NormalizedIncident, Parsed, Source, work_item_keys

SOURCE = Source.SERVICENOW
TOKEN_HEADER = "X-Sluice-Token"
EVENT_HEADER = "X-Sluice-Event"
EVENTS = ("incident", "change_request")


def _unwrap(field: Any) -> Any:
    return field.get("value") if isinstance(field, dict) else field


def value(record: dict[str, Any], name: str) -> str | None:
    """A field's stored value as text (a reference's sys_id), or None when empty."""
    raw = _unwrap(record.get(name))
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw).strip() or None


def code(record: dict[str, Any], name: str) -> str | None:
    """A choice code: ``-5``, ``"-5"`` and ``"-5.0"`` are all ``"-5"``."""
    raw = value(record, name)
    if raw is None:
        return None
    try:
        number = float(raw)
    except ValueError:
        return raw
    return str(int(number)) if number.is_integer() else raw


def display(record: dict[str, Any], name: str) -> str | None:
    """What a person sees: the display value where the shape has one (a reference's name, a
    change's number), else the stored value."""
    field = record.get(name)
    if isinstance(field, dict) and field.get("display_value") not in (None, ""):
        return str(field["display_value"]).strip()
    return value(record, name)


def _time(record: dict[str, Any], name: str) -> datetime | None:
    return parse_timestamp(value(record, name), name)


def _sys_id(record: dict[str, Any]) -> str:
    sys_id = value(record, "sys_id")
    if sys_id is None:
        raise PayloadError("sys_id: missing", field="sys_id")
    return sys_id


def _record_url(record: dict[str, Any], table: str, sys_id: str, base_url: str | None) -> str | None:
    if not base_url:
        # Pushed records have no instance URL of their own, but their reference links do.
        links = [f["link"] for f in record.values() if isinstance(f, dict) and "/api/now/" in str(f.get("link", ""))]
        base_url = links[0].split("/api/now/", 1)[0] if links else None
    return f"{base_url.rstrip('/')}/nav_to.do?uri={table}.do?sys_id={sys_id}" if base_url else None


def parse_incident(record: dict[str, Any], *, mapping: Mapping = DEFAULT_MAPPING,
                   base_url: str | None = None) -> NormalizedIncident:
    sys_id = _sys_id(record)
    state = code(record, "state") or code(record, "incident_state")
    if state is None:
        raise PayloadError("state: missing", field="state")
    title = display(record, "short_description") or ""
    return NormalizedIncident(
        source=SOURCE,
        external_id=sys_id,
        number=display(record, "number") or sys_id,
        title=title,
        status=mapping.incident_status(state),
        status_raw=state,
        severity=mapping.servicenow_severity(priority=code(record, "priority"), impact=code(record, "impact"),
                                             urgency=code(record, "urgency")),
        service=display(record, "business_service") or display(record, "cmdb_ci"),
        opened_at=_time(record, "opened_at"),
        resolved_at=_time(record, "resolved_at"),
        closed_at=_time(record, "closed_at"),
        updated_at=_time(record, "sys_updated_on"),
        caused_by_change=display(record, "caused_by"),
        work_item_keys=work_item_keys(title, display(record, "description")),
        url=_record_url(record, "incident", sys_id, base_url),
    )


def parse_change_request(record: dict[str, Any], *, mapping: Mapping = DEFAULT_MAPPING,
                         base_url: str | None = None) -> NormalizedChangeRequest:
    sys_id = _sys_id(record)
    state = code(record, "state") or ""
    type_raw = value(record, "type") or ""
    approval_raw = value(record, "approval") or ""
    risk = code(record, "risk")
    services = dict.fromkeys(s for s in (display(record, "business_service"), display(record, "cmdb_ci")) if s)
    return NormalizedChangeRequest(
        source=SOURCE,
        external_id=sys_id,
        number=display(record, "number") or sys_id,
        title=display(record, "short_description") or "",
        type=mapping.change_type(type_raw),
        type_raw=type_raw,
        state=mapping.change_state(state),
        state_raw=state,
        approval=mapping.approval(approval_raw),
        approval_raw=approval_raw,
        risk=(mapping.change_risk(risk) or display(record, "risk")) if risk else None,
        services=tuple(services),
        planned_start=_time(record, "start_date"),
        planned_end=_time(record, "end_date"),
        actual_start=_time(record, "work_start"),
        actual_end=_time(record, "work_end"),
        opened_at=_time(record, "opened_at"),
        closed_at=_time(record, "closed_at"),
        updated_at=_time(record, "sys_updated_on"),
        close_code=value(record, "close_code"),
        url=_record_url(record, "change_request", sys_id, base_url),
    )


PARSERS = {"incident": parse_incident, "change_request": parse_change_request}


def _record(body: dict[str, Any]) -> dict[str, Any]:
    record = body.get("result", body)
    if not isinstance(record, dict):
        raise PayloadError("result must be one record (a JSON object)", field="result")
    return record


def event_name(headers: MappingABC[str, str], body: dict[str, Any]) -> str:
    return header(headers, EVENT_HEADER) or value(_record(body), "sys_class_name") or ""


def verify_webhook(headers: MappingABC[str, str], raw_body: bytes, secret: str,
                   query: MappingABC[str, str] | None = None) -> None:
    verify_token(header(headers, TOKEN_HEADER), secret=secret, what=f"{TOKEN_HEADER} header")


def parse_webhook(event: str, headers: MappingABC[str, str], body: dict[str, Any], *,
                  mapping: Mapping = DEFAULT_MAPPING) -> Parsed:
    parser = PARSERS.get(event)
    if parser is None:
        return Parsed.skip(f"table {event or '(none)'!r} is not one Sluice reads ({', '.join(EVENTS)})")
    return Parsed.of([parser(_record(body), mapping=mapping)])


class Client:
    """Pull one table through the Table API, ordered by ``sys_updated_on`` then ``sys_id``, with
    ``sysparm_limit`` pages and a keyset cursor rather than ``sysparm_offset``.

    Cursor ``{"since": "YYYY-MM-DD HH:MM:SS", "after_id": "<sys_id>"}``: the last record read.
    The next page is the records updated at ``since`` with a greater sys_id, then those updated
    after ``since`` (one encoded query, two ``^NQ`` branches). An offset would shift when a record
    already read is updated mid-sync (it moves to the end of the order) and silently skip the
    record behind it; the keyset cannot. The cursor after the last page is where the next
    incremental sync starts, with no record read twice.

    Query values compare in the integration user's time zone: give that user UTC, as the API's
    values are (verify the ``^NQ``/``sys_id>`` form against the instance with "test connection").
    """

    def __init__(self, *, base_url: str, credentials: Credentials, table: Literal["incident", "change_request"],
                 query: str = "", page_size: int = 100, mapping: Mapping = DEFAULT_MAPPING, **http_options: Any):
        if table not in PARSERS:
            raise ValueError(f"table must be one of {', '.join(PARSERS)}")
        self.base_url = base_url.rstrip("/")
        self.table = table
        self.query = query.strip()
        self.page_size = page_size
        self.mapping = mapping
        self.http = HttpClient(self.base_url, headers=credentials.authorization(), secrets=credentials.secrets(),
                               **http_options)

    def encoded_query(self, since: str | None, after_id: str | None) -> str:
        base = [self.query] if self.query else []
        if since is None:
            branches = [base]
        elif after_id is None:
            branches = [[*base, f"sys_updated_on>={since}"]]
        else:
            branches = [[*base, f"sys_updated_on={since}", f"sys_id>{after_id}"], [*base, f"sys_updated_on>{since}"]]
        where = "^NQ".join("^".join(branch) for branch in branches if branch)
        return "^".join(part for part in (where, "ORDERBYsys_updated_on", "ORDERBYsys_id") if part)

    def record_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        since = (cursor or {}).get("since")
        after_id = (cursor or {}).get("after_id")
        parse = PARSERS[self.table]
        path = f"/api/now/table/{self.table}"
        while True:
            params = {"sysparm_query": self.encoded_query(since, after_id), "sysparm_limit": self.page_size,
                      "sysparm_display_value": "all", "sysparm_exclude_reference_link": "true"}
            body, _ = self.http.get_json(path, params)
            rows = body.get("result") if isinstance(body, dict) else None
            if not isinstance(rows, list):
                raise PayloadError(f'{path}: expected {{"result": [...]}}', field="result")
            records = [parse(row, mapping=self.mapping, base_url=self.base_url) for row in rows]
            if rows:
                since = value(rows[-1], "sys_updated_on")
                after_id = _sys_id(rows[-1])
                if since is None:
                    raise PayloadError(f"{path}: result[{len(rows) - 1}].sys_updated_on: missing")
            yield Page(records, {"since": since, "after_id": after_id})
            if len(rows) < self.page_size:
                return
