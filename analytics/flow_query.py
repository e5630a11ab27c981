"""The parameters of a flow question: the metrics API's window and scope
(analytics.query.metric_query_parse) plus `flow_type` (repeatable)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analytics.flow_scope import FLOW_TYPES
from analytics.query import MetricQuery, metric_query_parse
from vsm.errors import InvalidInput


@dataclass(frozen=True)
class FlowQuery(MetricQuery):
    flow_types: tuple[str, ...] = ()


def flow_query_parse(*, params: Mapping, org) -> FlowQuery:
    """from, to, value_stream, service, team as for every metric; flow_type one of feature,
    defect, risk, debt (repeatable). InvalidInput names the parameter at fault."""
    query = metric_query_parse(params=params, org=org)
    raw = params.getlist("flow_type") if hasattr(params, "getlist") else [params.get("flow_type") or ""]
    flow_types = tuple(dict.fromkeys(value.strip() for value in raw if value and value.strip()))
    for value in flow_types:
        if value not in FLOW_TYPES:
            raise InvalidInput.field("flow_type", f"'{value}' is not one of {', '.join(FLOW_TYPES)}.")
    return FlowQuery(**{field: getattr(query, field) for field in MetricQuery.__dataclass_fields__},
                     flow_types=flow_types)
