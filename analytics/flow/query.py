"""The parameters of a flow question: the metrics API's window and scope
(analytics.query.metric_query_parse) plus `flow_type` (repeatable)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from analytics.flow.scope import FLOW_TYPES
from analytics.query import MetricQuery, metric_query_parse, param_values
from vsm.errors import InvalidInput


@dataclass(frozen=True)
class FlowQuery(MetricQuery):
    flow_types: tuple[str, ...] = ()

    @classmethod
    def narrowed(cls, query: MetricQuery, flow_types: tuple[str, ...]) -> FlowQuery:
        """`query`'s window and scope, narrowed to `flow_types` (none: every type)."""
        return cls(**{field.name: getattr(query, field.name) for field in dataclasses.fields(MetricQuery)},
                   flow_types=flow_types)


def flow_types_parse(params: Mapping) -> tuple[str, ...]:
    """flow_type: one of feature, defect, risk, debt (repeatable); InvalidInput names it."""
    flow_types = tuple(dict.fromkeys(param_values(params, "flow_type")))
    for value in flow_types:
        if value not in FLOW_TYPES:
            raise InvalidInput.field("flow_type", f"'{value}' is not one of {', '.join(FLOW_TYPES)}.")
    return flow_types


def flow_query_parse(*, params: Mapping, org) -> FlowQuery:
    """from, to, value_stream, service, team as for every metric, and flow_type. InvalidInput
    names the parameter at fault."""
    return FlowQuery.narrowed(metric_query_parse(params=params, org=org), flow_types_parse(params))
