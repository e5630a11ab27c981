"""The demo's pull requests and work items (see integrations.demo): every merged pull request
links the tracker item it delivers, whose status history runs from To Do through In Progress and
In Review to Done, now and then held in a waiting status (Blocked, Waiting for QA) for as long
as the service's profile makes people wait. A few items, defects among them, are still open."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from integrations.models import Commit, PullRequest, WorkItem, WorkItemTransition
from releases.models import Release
from vsm.catalog.models import Service
from vsm.tenancy.models import Organization

PEOPLE = ["ana", "bo", "chen", "dita", "emeka", "farah", "gus", "hana"]
FLOW_TYPES = [("feature", "Story", 60), ("defect", "Bug", 22), ("debt", "Task", 12), ("risk", "Risk", 6)]
TITLES = {"feature": ["Add {}", "Support {}", "Show {}"], "defect": ["Fix {}", "{} fails for some users"],
          "debt": ["Refactor {}", "Upgrade the {} library"], "risk": ["Audit {}", "Rotate {} secrets"]}
TOPICS = ["card tokens", "the basket total", "refund reasons", "push opt-in", "currency rounding", "retry backoff",
          "the order history", "address lookup", "3-D Secure", "the receipts email"]
# Hours: (todo before start, blocked, review, waiting for QA) scaled by the profile.
WAITS = {"elite": (8, 2, 1, 0), "steady": (48, 12, 6, 6), "struggling": (160, 72, 30, 60)}
DONE, PROGRESS, TODO = "done", "in_progress", "todo"


@dataclass
class WorkRows:
    pulls: list[PullRequest] = field(default_factory=list)
    items: list[WorkItem] = field(default_factory=list)
    transitions: list[WorkItemTransition] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=dict)

    def next_key(self, service: Service) -> str:
        project = (service.value_stream.slug if service.value_stream_id else service.slug)[:3].upper()
        self.keys[project] = self.keys.get(project, 0) + 1
        return f"{project}-{self.keys[project]}"


def _flow_type(rng: random.Random) -> tuple[str, str]:
    flow, raw, _ = rng.choices(FLOW_TYPES, weights=[w for *_, w in FLOW_TYPES])[0]
    return flow, raw


def _item(rows: WorkRows, org: Organization, rng: random.Random, service: Service, *, created: datetime,
          flow: str | None = None, **fields) -> WorkItem:
    key = rows.next_key(service)
    flow, raw = (flow, dict((f, r) for f, r, _ in FLOW_TYPES)[flow]) if flow else _flow_type(rng)
    title = rng.choice(TITLES[flow]).format(rng.choice(TOPICS))
    item = WorkItem(organization=org, source="jira", external_id=f"demo-{key}", url=f"https://acme.atlassian.test/"
                    f"browse/{key}", key=key, title=title[0].upper() + title[1:], type_raw=raw, flow_type=flow,
                    priority_raw="High" if flow == "defect" else "Medium",
                    severity=rng.choice([1, 2, 3, 3, 4]) if flow == "defect" else None, project=key.split("-")[0],
                    components=[service.slug], service=service, value_stream_id=service.value_stream_id,
                    assignee=rng.choice(PEOPLE), created_at=created, **fields)
    rows.items.append(item)
    return item


def _history(rows: WorkRows, org: Organization, item: WorkItem, steps: list[tuple[str, str, bool, datetime]]) -> None:
    """Transitions through `steps` (status, category, waiting, at), and the item's current state."""
    previous, category = "To Do", TODO
    for index, (status, to_category, waiting, at) in enumerate(steps):
        rows.transitions.append(WorkItemTransition(
            organization=org, work_item=item, external_id=f"{item.external_id}-{index}", at=at, from_status=previous,
            from_category=category, to_status=status, to_category=to_category, to_waiting=waiting))
        previous, category = status, to_category
    last = steps[-1] if steps else ("To Do", TODO, False, item.created_at)
    item.status_raw, item.status_category, item.waiting, item.updated_at = last[0], last[1], last[2], last[3]
    item.started_at = next((at for _, c, _, at in steps if c == PROGRESS), None)
    item.resolved_at = last[3] if last[1] == DONE else None


def from_pull_request(rows: WorkRows, org: Organization, rng: random.Random, *, service: Service, source: str,
                      number: int, commits: list[Commit], merged_at: datetime, profile: str, repo: str,
                      fix_versions: list[str]) -> None:
    """A merged pull request of `commits` and the work item it delivers (in `fix_versions`), done soon after."""
    todo, blocked, review, qa = WAITS[profile]
    started = commits[0].committed_at - timedelta(hours=rng.uniform(0.5, 6))
    item = _item(rows, org, rng, service, created=started - timedelta(hours=rng.uniform(0.5, todo)),
                 fix_versions=fix_versions)
    steps = [("In Progress", PROGRESS, False, started)]
    if rng.random() < 0.25:
        halt = started + (commits[0].committed_at - started) / 2
        steps += [("Blocked", PROGRESS, True, halt),
                  ("In Progress", PROGRESS, False, min(halt + timedelta(hours=rng.uniform(0.5, blocked + 1)),
                                                       commits[0].committed_at))]
    opened = commits[-1].committed_at + timedelta(minutes=5)
    reviewed = opened + timedelta(hours=rng.uniform(0.1, review + 0.5))
    merged_at = max(merged_at, reviewed + timedelta(minutes=10))
    steps.append(("In Review", PROGRESS, False, opened))
    if qa:
        steps.append(("Waiting for QA", PROGRESS, True, merged_at))
    steps.append(("Done", DONE, False, merged_at + timedelta(hours=rng.uniform(1, qa + 2))))
    _history(rows, org, item, steps)
    rows.pulls.append(PullRequest(
        organization=org, source=source, external_id=f"demo-{service.slug}-pr-{number}", url=f"{repo}/pull/{number}",
        service=service, number=number, title=f"{item.key}: {item.title}", state="merged",
        author=commits[0].author, source_branch=f"{item.flow_type}/{item.key.lower()}", target_branch="main",
        head_sha=commits[-1].sha, opened_at=opened, first_review_at=reviewed, merged_at=merged_at,
        closed_at=merged_at, merge_commit_sha=commits[-1].sha, commit_shas=[c.sha for c in commits],
        work_item_keys=[item.key]))


def open_items(rows: WorkRows, org: Organization, rng: random.Random, *, services: list[Service], today: date,
               zone) -> None:
    """Work in flight today: to do, in progress and waiting, and open defects of the planned releases."""
    morning = datetime.combine(today, time(9), tzinfo=zone)
    for service in services:
        for _ in range(rng.randint(3, 6)):
            created = morning - timedelta(days=rng.uniform(1, 30))
            item = _item(rows, org, rng, service, created=created)
            stage = rng.choice(["todo", "progress", "blocked", "qa"])
            steps = [] if stage == "todo" else [("In Progress", PROGRESS, False, created + timedelta(hours=6))]
            if stage in ("blocked", "qa"):
                waiting = "Blocked" if stage == "blocked" else "Waiting for QA"
                steps.append((waiting, PROGRESS, True, created + timedelta(hours=rng.uniform(8, 20))))
            _history(rows, org, item, steps)
    releases = Release.objects.exclude(value_stream=None).exclude(status__in=["released", "cancelled"]).order_by("pk")
    first_service = {service.value_stream_id: service for service in reversed(services)}
    for release in releases:
        service = first_service.get(release.value_stream_id)
        if service is None:
            continue
        item = _item(rows, org, rng, service, created=morning - timedelta(days=4), flow="defect",
                     fix_versions=[release.version])
        item.severity = 2
        _history(rows, org, item, [("In Progress", PROGRESS, False, morning - timedelta(days=2))])


def write(rows: WorkRows) -> None:
    WorkItem.objects.bulk_create(rows.items, batch_size=2000)
    WorkItemTransition.objects.bulk_create(rows.transitions, batch_size=2000)
    PullRequest.objects.bulk_create(rows.pulls, batch_size=2000)
