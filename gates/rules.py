"""The rule registry: what automated criteria can check.

An automated criterion names a rule by key and gives it parameters; the rule reads data and says
whether the criterion is met. The app that owns the data registers the rule, in its
AppConfig.ready(), so gates never imports it:

    # environments/apps.py
    class EnvironmentsConfig(AppConfig):
        name = "environments"

        def ready(self):
            from gates.rules import RuleError, RuleOutcome, registry

            def booking_held(gate, criterion, params):
                env_slug = gate.context.get(params["environment_from_context"])
                if env_slug is None:
                    raise RuleError(f"the gate's context has no '{params['environment_from_context']}'")
                booking = ...  # read your own models (the tenant context is already set)
                if booking is None:
                    return RuleOutcome(met=False, summary=f"No booking of {env_slug} is held.")
                return RuleOutcome(met=True, summary=f"Booking {booking.pk} of {env_slug} is held.",
                                   values={"booking_id": booking.pk, "until": booking.end})

            registry.register(
                "booking_held", title="A booking of the phase's environment is held",
                params_schema={"type": "object", "required": ["environment_from_context"],
                               "properties": {"environment_from_context": {"type": "string"}},
                               "additionalProperties": False},
                evaluate=booking_held,
            )

`evaluate(gate, criterion, params)` runs inside the organization's tenant context and inside the
transaction that holds the gate's lock; it must only read. It returns a RuleOutcome: `met`, a
one-line `summary` people read, and `values`, the evidence stored with the decision (keep it
JSON-friendly: ids, names, times, URLs). Set `failed=True` when the data says no (a CI run
failed) rather than "not yet" (no run reported): the checklist then shows failed, not pending.
Raise RuleError when the rule cannot be evaluated (the gate's context lacks what it needs).

`params_schema` is a JSON Schema (draft 2020-12); parameters are checked against it when a
criterion is created or changed, and it is published at GET /api/v1/orgs/<org>/rules/.
A criterion whose rule is no longer registered, or whose rule raises, evaluates to an error
outcome (not met) with the reason in its evidence: never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from vsm.errors import InvalidInput

if TYPE_CHECKING:
    from gates.models import Criterion, Gate


@dataclass(frozen=True)
class RuleOutcome:
    met: bool
    summary: str
    values: dict[str, Any] = field(default_factory=dict)
    failed: bool = False


class RuleError(Exception):
    """The rule cannot decide (missing context, a gate it needs is gone): an error outcome."""


Evaluate = Callable[["Gate", "Criterion", dict[str, Any]], RuleOutcome]


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    params_schema: dict[str, Any]
    evaluate: Evaluate
    description: str = ""


class RuleRegistry:
    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def register(self, key: str, *, title: str, params_schema: dict[str, Any], evaluate: Evaluate,
                 description: str = "") -> Rule:
        """Add a rule. Registering the same key twice with another function is a programming
        error: two apps would fight over what the key means."""
        Draft202012Validator.check_schema(params_schema)
        existing = self._rules.get(key)
        if existing is not None and existing.evaluate is not evaluate:
            raise ValueError(f"gate rule '{key}' is already registered by {existing.evaluate.__module__}")
        rule = Rule(key=key, title=title, params_schema=params_schema, evaluate=evaluate, description=description)
        self._rules[key] = rule
        return rule

    def unregister(self, key: str) -> None:
        """For tests and for apps that are switched off at run time."""
        self._rules.pop(key, None)

    def get(self, key: str) -> Rule | None:
        return self._rules.get(key)

    def all(self) -> list[Rule]:
        return sorted(self._rules.values(), key=lambda rule: rule.key)

    def validate(self, key: str, params: Any) -> None:
        """Raise InvalidInput naming `rule` or `params` when a criterion could never be evaluated."""
        rule = self._rules.get(key)
        if rule is None:
            known = ", ".join(r.key for r in self.all()) or "none"
            raise InvalidInput.field("rule", f"'{key}' is not a registered rule (registered: {known}).")
        errors = sorted(Draft202012Validator(rule.params_schema).iter_errors(params), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            where = "/".join(str(part) for part in first.path)
            raise InvalidInput.field("params", f"{where}: {first.message}" if where else first.message)


registry = RuleRegistry()
