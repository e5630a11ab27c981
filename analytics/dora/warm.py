"""The reports the pages open with, computed ahead after the rollups change.

Stored reports (analytics.dora.report_cache) are forgotten by every derivation; the first reader
after one paid for them: at a million deployments 8.9–12.4 s for the year-long organization
dashboard, 5.6–7.8 s for its breakdown (bench/README.md, analytics pages). A task computes them
once the derivation has committed, through the functions the pages call with the parameters they
pass (analytics.page_filters), so they are stored under the keys the pages look up.

Which: the organization-wide ones, for the default window and the longest preset: the dashboard
(window, series and the previous window of its trends) and the breakdown by service (the
dashboard's link), both windows. These are the costly ones; a value stream's or a service's
reports read a tenth of the rollups or less and cost a few hundred milliseconds when cold.

When: ``dora_reports_warm_queue`` (on every rollup rewrite) queues the task after commit with a
countdown of WARM_AFTER seconds unless one is already waiting, so a burst of derivations
(ingest of many services, a sync catching up) warms once, after it; the task clears the mark as it
starts, so a derivation during the warm-up, which makes its reports stale, queues the next one. At
most one warm-up per organization starts per WARM_AFTER seconds however often the rollups change.
Without a worker (tasks run eagerly) nothing is queued; see dora_reports_warm_queue.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import QueryDict

from analytics.dora.selectors import dora_breakdowns, dora_reports
from analytics.dora.services import rollup_state
from analytics.models import DoraChange
from analytics.page_filters import DEFAULT_WINDOW, PRESETS, filters_parse
from vsm.tenancy.context import require_org_id
from vsm.tenancy.models import Organization

WARM_AFTER = 60
WARM_WINDOWS = (DEFAULT_WINDOW, PRESETS[-1])
# A mark whose task was lost (a broker outage) lets the next change queue another after this.
_MARK_SECONDS = 10 * WARM_AFTER


def _mark_key(org_id: int) -> str:
    return f"analytics:dora:warm:{org_id}"


def warm_mark(org_id: int) -> bool:
    """Mark a warm-up as waiting; whether it was not already (then the caller queues it)."""
    return cache.add(_mark_key(org_id), 1, timeout=_MARK_SECONDS)


def dora_reports_warm() -> None:
    """Compute (and so store) the current organization's reports of WARM_WINDOWS, as its
    dashboard and its breakdown by service read them. Nothing while the rollups are incomplete:
    reports from the records are never stored, and the rebuild has its own task."""
    org = Organization.objects.get(pk=require_org_id())
    cache.delete(_mark_key(org.pk))  # from here on, a change queues the next warm-up
    state = rollup_state(time_zone=org.time_zone)
    if state is None:
        return
    # Only the newest change names the rollups' state; the older ones only take room.
    DoraChange.objects.filter(id__lt=state).delete()
    for window in WARM_WINDOWS:
        dora_reports(queries=filters_parse(QueryDict(f"window={window}"), org=org).windows())
        dora_breakdowns(queries=filters_parse(QueryDict(f"window={window}"), org=org, series=False).windows(),
                        by="service")
