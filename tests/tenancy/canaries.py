"""One canary row of every tenant model in organization B, for the isolation tests.

Each app's tests keep their part in tests/<app>/canaries.py with two dicts:
- BUILDERS: model label -> build(org, rows) making one row in `org` (with CANARY text where the
  model has text); `rows` holds what earlier builders made, to link to.
- SAMPLES: URL kwarg -> sample(rows) giving the value that points at org B's row.
A tenant model without a builder fails test_every_tenant_model_has_a_canary; a URL kwarg without
a sample fails the walker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

CANARY = "CANARY-B"

# In dependency order: a later app's builders may link to an earlier app's rows.
APPS = ["tenancy", "audit", "catalog", "notifications", "gates", "environments", "releases",
        "integrations", "analytics", "orgconfig"]


def _collect() -> tuple[dict[str, Callable], dict[str, Callable]]:
    builders: dict[str, Callable] = {}
    samples: dict[str, Callable] = {}
    for app in APPS:
        try:
            module = importlib.import_module(f"tests.{app}.canaries_{app}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{app}.canaries_{app}" and exc.name != f"tests.{app}":
                raise
            continue
        builders.update(module.BUILDERS)
        samples.update(module.SAMPLES)
    return builders, samples


CANARY_BUILDERS, WALKER_SAMPLES = _collect()


def build_canaries(org) -> dict[str, object]:
    rows: dict[str, object] = {}
    for label, build in CANARY_BUILDERS.items():
        rows[label] = build(org, rows)
    return rows
