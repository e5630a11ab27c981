"""The names of this app's choice sets in the API schema (collected by vsm.api.apps): one name
each, since several models have a `kind` or a `status`."""

ENUM_NAMES = {
    "GateKindEnum": "gates.models.GateKind",
    "GateStatusEnum": "gates.models.Status",
    "SignOffDecisionEnum": "gates.models.SignOff.Decision",
    "CriterionTypeEnum": "gates.models.Criterion.Type",
}
