"""The events of a work item's way to production that value stream map stages start and end at,
in the order they normally happen, and the built-in stages used until an organization defines
its own (docs/analytics.md, "Value stream map")."""

from __future__ import annotations

from dataclasses import dataclass

# name -> what the page says about it. The order is the order a stage must respect: its end
# event comes after its start event in this list.
EVENTS: dict[str, str] = {
    "work_created": "work item created",
    "work_started": "work started",
    "pr_opened": "pull request opened",
    "pr_first_review": "first review of the pull request",
    "pr_merged": "pull request merged",
    "first_test_deploy": "first deployment to a test environment",
    "gate_passed": "release gate passed",
    "production_deploy": "deployed to production",
    "work_done": "work item done",
}
EVENT_ORDER = {name: position for position, name in enumerate(EVENTS)}


@dataclass(frozen=True)
class Stage:
    name: str
    start_event: str
    end_event: str
    id: int | None = None  # the stored row; None for a built-in stage


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("In progress", "work_started", "pr_opened"),
    Stage("Pull request open", "pr_opened", "pr_merged"),
    Stage("Merged, awaiting a test deployment", "pr_merged", "first_test_deploy"),
    Stage("In test until the release gate", "first_test_deploy", "gate_passed"),
    Stage("Gate passed, awaiting production", "gate_passed", "production_deploy"),
)


EVENT_CHOICES: list[tuple[str, str]] = list(EVENTS.items())


def event_choices() -> list[tuple[str, str]]:
    return EVENT_CHOICES
