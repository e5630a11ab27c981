"""The five DORA tiles of a dashboard: each metric's headline number from dora_report, its level,
and its trend against the previous window of the same length."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str            # the report block and the drill-down's `metric`
    label: str
    headline: str       # the field of the block shown big
    unit: str           # "per_day", "hours" or "rate": how the number is written
    higher_is_better: bool


METRICS = (
    Metric("deployment_frequency", "Deployment frequency", "per_day", "per_day", True),
    Metric("change_lead_time", "Change lead time", "median_hours", "hours", False),
    Metric("change_failure_rate", "Change failure rate", "rate", "rate", False),
    Metric("failed_deployment_recovery_time", "Failed deployment recovery time", "median_hours", "hours", False),
    Metric("deployment_rework_rate", "Deployment rework rate", "rate", "rate", False),
)
METRIC_KEYS = tuple(m.key for m in METRICS)
# Changes smaller than this share of the previous value are shown as steady, not as a trend.
STEADY = 0.02


def trend(current: float | None, previous: float | None, *, higher_is_better: bool) -> dict | None:
    """How the number moved since the previous window: `direction` up/down/steady, `change`
    relative to the previous value (None when that was 0), and whether that is `good`."""
    if current is None or previous is None:
        return None
    delta = current - previous
    relative = delta / previous if previous else None
    if delta == 0 or (relative is not None and abs(relative) < STEADY):
        return {"direction": "steady", "change": 0.0, "good": None, "previous": previous}
    return {"direction": "up" if delta > 0 else "down", "change": relative,
            "good": (delta > 0) == higher_is_better, "previous": previous}


def tiles(report: dict, previous: dict) -> list[dict]:
    """One tile per metric: the block, the headline value, its level and its trend."""
    result = []
    for metric in METRICS:
        block, before = report[metric.key], previous[metric.key]
        value = block.get(metric.headline)
        result.append({"metric": metric, "block": block, "value": value, "level": block.get("level"),
                       "trend": trend(value, before.get(metric.headline), higher_is_better=metric.higher_is_better)})
    return result
