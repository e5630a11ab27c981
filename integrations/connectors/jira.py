"""Jira (Server/Data Center and Cloud): issues with their status history, from REST search
(v2 ``/rest/api/2/search`` paged by ``startAt``; Cloud's ``/rest/api/3/search/jql`` paged by
``nextPageToken``) and from ``jira:issue_*`` webhooks.

Webhook authentication, decided here:

- Jira Cloud admin webhooks registered with a secret sign the raw body:
  ``X-Hub-Signature: sha256=<HMAC-SHA256>``. When that header is present it is verified.
- ``X-Sluice-Token: <webhook secret>`` (as for ServiceNow), for whatever can set a header: Jira
  Automation's "send web request", or a proxy in front of Jira. Compared in constant time.
- Jira Server/Data Center webhooks cannot sign or add headers, so for them the secret may travel
  in the webhook URL: ``/hooks/<connection-id>/?secret=<webhook secret>``. (Use HTTPS; the
  delivery log does not store the query string and the log lines redact it, see vsm/logredact.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as MappingABC
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from integrations.connectors.base import (
    PayloadError,
    from_epoch_ms,
    header,
    opt,
    opt_list,
    parse_timestamp,
    req,
    req_obj,
    text,
    verify_hmac_sha256,
    verify_token,
)
from integrations.connectors.http import Credentials, HttpClient, Page
from integrations.mapping import DEFAULT_MAPPING, Mapping
from integrations.normalized import NormalizedTransition, NormalizedWorkItem, Parsed, Source, StatusCategory

SOURCE = Source.JIRA
SIGNATURE_HEADER = "X-Hub-Signature"
TOKEN_HEADER = "X-Sluice-Token"
SECRET_PARAM = "secret"
EVENTS = ("jira:issue_created", "jira:issue_updated")
FIELDS = ("summary", "status", "issuetype", "priority", "created", "updated", "resolutiondate", "project",
          "components", "labels", "fixVersions", "parent", "assignee")


def event_name(headers: MappingABC[str, str], body: dict[str, Any]) -> str:
    return text(body.get("webhookEvent")) or ""


def verify_webhook(headers: MappingABC[str, str], raw_body: bytes, secret: str,
                   query: MappingABC[str, str] | None = None) -> None:
    signature = header(headers, SIGNATURE_HEADER)
    token = header(headers, TOKEN_HEADER)
    if signature:
        verify_hmac_sha256(signature, secret=secret, body=raw_body, header_name=SIGNATURE_HEADER)
    elif token is not None:
        verify_token(token, secret=secret, what=f"{TOKEN_HEADER} header")
    else:
        verify_token((query or {}).get(SECRET_PARAM), secret=secret,
                     what=f"{SIGNATURE_HEADER} header, {TOKEN_HEADER} header or {SECRET_PARAM!r} query parameter")


def parse_webhook(event: str, headers: MappingABC[str, str], body: dict[str, Any], *,
                  mapping: Mapping = DEFAULT_MAPPING) -> Parsed:
    if event == "jira:issue_deleted":
        return Parsed.skip("jira:issue_deleted: deleted issues are kept as they were last seen")
    if event not in EVENTS:
        return Parsed.skip(f"event {event or '(none)'!r} is not one Sluice reads ({', '.join(EVENTS)})")
    issue = req_obj(body, "issue")
    # Webhook changelogs carry no `created`: the delivery's `timestamp` (epoch ms) is the change
    # time. Some relays rewrite it as a string (the Cloud fixture's logger did); then the issue's
    # own `updated`, which Jira set in the same change, is the best time there is.
    stamp = body.get("timestamp")
    at = (from_epoch_ms(stamp, "timestamp") if isinstance(stamp, int) and not isinstance(stamp, bool)
          else parse_timestamp(req(issue, "fields", "updated"), "issue.fields.updated"))
    changelog = opt(body, "changelog")
    histories = [{"id": req(changelog, "id"), "items": opt_list(changelog, "items"), "at": at}] if changelog else []
    return Parsed.of([_work_item(issue, histories, mapping=mapping, truncated=False)])


def parse_issue(issue: dict[str, Any], *, mapping: Mapping = DEFAULT_MAPPING,
                base_url: str | None = None) -> NormalizedWorkItem:
    """An issue from REST (``GET /issue/{key}?expand=changelog`` or a search result), with its
    status history from the embedded changelog."""
    changelog = opt(issue, "changelog") or {}
    histories = [
        {"id": req(h, "id"), "items": opt_list(h, "items"),
         "at": parse_timestamp(req(h, "created"), f"changelog.histories[{i}].created")}
        for i, h in enumerate(opt_list(changelog, "histories"))
    ]
    total = changelog.get("total")
    truncated = isinstance(total, int) and total > len(histories)
    return _work_item(issue, histories, mapping=mapping, truncated=truncated, base_url=base_url)


def parse_search(body: dict[str, Any], *, mapping: Mapping = DEFAULT_MAPPING,
                 base_url: str | None = None) -> list[NormalizedWorkItem]:
    """Both search envelopes (v2 ``{startAt, total, issues}`` and Cloud ``{issues, isLast}``)."""
    return [parse_issue(issue, mapping=mapping, base_url=base_url) for issue in opt_list(body, "issues")]


def _browse_url(issue: dict[str, Any], key: str, base_url: str | None) -> str | None:
    self_link = text(issue.get("self"))
    if self_link and "/rest/api/" in self_link:
        base_url = self_link.split("/rest/api/", 1)[0]
    return f"{base_url.rstrip('/')}/browse/{key}" if base_url else None


def _work_item(issue: dict[str, Any], histories: list[dict[str, Any]], *, mapping: Mapping, truncated: bool,
               base_url: str | None = None) -> NormalizedWorkItem:
    fields = req_obj(issue, "fields")
    key = req(issue, "key")
    status_name = req(fields, "status", "name")
    category_key = opt(fields, "status", "statusCategory", "key")
    category = mapping.status_category(status_name, category_key)

    def category_of(name: str | None) -> StatusCategory | None:
        if name is None:
            return None
        # The current status's category key also files that name when it appears in history.
        return mapping.status_category(name, category_key if name == status_name else None)

    transitions = []
    for history in sorted(histories, key=lambda h: h["at"]):
        for item in history["items"]:
            if item.get("field") != "status":
                continue
            to_status = req(item, "toString")
            to_category = category_of(to_status)
            transitions.append(NormalizedTransition(
                external_id=str(history["id"]),
                at=history["at"],
                from_status=text(item.get("fromString")),
                to_status=to_status,
                from_category=category_of(text(item.get("fromString"))),
                to_category=to_category,
                to_waiting=mapping.is_waiting(to_status, to_category),
            ))
    priority = text(opt(fields, "priority", "name"))
    type_raw = req(fields, "issuetype", "name")
    return NormalizedWorkItem(
        source=SOURCE,
        external_id=text(issue.get("id")) or key,
        key=key,
        title=text(fields.get("summary")) or "",
        type_raw=type_raw,
        flow_type=mapping.flow_type(type_raw),
        status_raw=status_name,
        status_category=category,
        waiting=mapping.is_waiting(status_name, category),
        priority_raw=priority,
        severity=mapping.priority_severity(priority),
        project=text(opt(fields, "project", "key")),
        components=tuple(req(c, "name") for c in opt_list(fields, "components")),
        labels=tuple(str(label) for label in opt_list(fields, "labels")),
        fix_versions=tuple(req(v, "name") for v in opt_list(fields, "fixVersions")),
        parent_key=text(opt(fields, "parent", "key")),
        assignee=_person(fields.get("assignee")),
        created_at=parse_timestamp(fields.get("created"), "fields.created"),
        updated_at=parse_timestamp(fields.get("updated"), "fields.updated"),
        resolved_at=parse_timestamp(fields.get("resolutiondate"), "fields.resolutiondate"),
        url=_browse_url(issue, key, base_url),
        transitions=tuple(transitions),
        history_truncated=truncated,
    )


def _person(user: Any) -> str | None:
    """Cloud users have only an accountId and a display name; Server users also a name."""
    if not isinstance(user, dict):
        return None
    return text(user.get("displayName")) or text(user.get("name")) or text(user.get("accountId"))


# Pull ------------------------------------------------------------------------------------------

class Client:
    """Pull the issues a JQL filter selects, oldest update first, with their changelogs.

    ``api="v2"`` pages ``/rest/api/2/search`` by ``startAt`` (Server/Data Center); ``api="cloud"``
    pages ``/rest/api/3/search/jql`` by ``nextPageToken``. JQL reads dates in the account's time
    zone at minute precision, so ``time_zone`` must be the account's (see
    :meth:`account_time_zone`); the cursor itself is UTC.

    Cursor: mid-sync ``{"since", "start_at" | "page_token", "high_water"}``; after the last page
    ``{"since": <latest issue update seen>}``. ``startAt`` paging shares the page-shift limit
    described in :func:`integrations.connectors.http.paged_by_link`.
    """

    def __init__(self, *, base_url: str, credentials: Credentials, jql: str = "", api: Literal["v2", "cloud"] = "v2",
                 page_size: int = 50, time_zone: str = "UTC", mapping: Mapping = DEFAULT_MAPPING,
                 **http_options: Any):
        self.base_url = base_url.rstrip("/")
        self.jql = jql.strip()
        self.api = api
        self.page_size = page_size
        self.time_zone = ZoneInfo(time_zone)
        self.mapping = mapping
        self.http = HttpClient(self.base_url, headers=credentials.authorization(), secrets=credentials.secrets(),
                               **http_options)

    def account_time_zone(self) -> str:
        """The time zone JQL dates are read in (the account's profile setting)."""
        body, _ = self.http.get_json("/rest/api/2/myself")
        return text(body.get("timeZone")) or "UTC"

    def query(self, since: datetime | None) -> str:
        clauses = [f"({self.jql})"] if self.jql else []
        if since is not None:
            # Floor to the minute: JQL cannot say seconds, and re-reading a boundary is harmless.
            local = since.astimezone(self.time_zone).strftime("%Y-%m-%d %H:%M")
            clauses.append(f'updated >= "{local}"')
        return " ".join(filter(None, [" AND ".join(clauses), "ORDER BY updated ASC, key ASC"]))

    def issue_pages(self, cursor: dict[str, Any] | None = None) -> Iterator[Page]:
        cursor = dict(cursor or {})
        since = parse_timestamp(cursor.get("since"), "cursor.since")
        high_water = parse_timestamp(cursor.get("high_water"), "cursor.high_water")
        params: dict[str, Any] = {"jql": self.query(since), "maxResults": self.page_size,
                                  "fields": ",".join(FIELDS), "expand": "changelog"}
        start_at = int(cursor.get("start_at") or 0)
        token = cursor.get("page_token")
        path = "/rest/api/2/search" if self.api == "v2" else "/rest/api/3/search/jql"
        while True:
            if self.api == "v2":
                params["startAt"] = start_at
            elif token:
                params["nextPageToken"] = token
            body, _ = self.http.get_json(path, params)
            if not isinstance(body, dict):
                raise PayloadError(f"{path}: expected a JSON object, got {type(body).__name__}")
            records = parse_search(body, mapping=self.mapping, base_url=self.base_url)
            high_water = max(filter(None, [high_water, *(r.updated_at for r in records)]), default=None)
            if self.api == "v2":
                start_at += len(records)
                done = not records or start_at >= int(body.get("total") or 0)
                position = {"start_at": start_at}
            else:
                token = text(body.get("nextPageToken"))
                done = bool(body.get("isLast")) or not token
                position = {"page_token": token}
            resting = high_water or since
            yield Page(records, {"since": resting.isoformat() if resting else None} if done else {
                "since": since.isoformat() if since else None, **position,
                "high_water": high_water.isoformat() if high_water else None})
            if done:
                return
