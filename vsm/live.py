"""Pages that update themselves: the region `#live` of a page polls the page's own address
with `?live=<stamp>` (htmx, templates/partials/live_attrs.html) and is swapped only when the stamp
moved. The stamp is the organization's newest audit event id, since every change a page could
show (a decision, a booking, a CI result's evaluation by a task) writes one in its transaction.
An unchanged stamp answers 204 after one small query, which htmx leaves unswapped."""

from __future__ import annotations

from django.http import HttpResponse

from vsm.audit.selectors import audit_latest_id

LIVE_PARAM = "live"


def live_unchanged(request) -> HttpResponse | None:
    """Call first in a live page's `get` (inside the tenant context): the 204 answer when the
    poll's stamp is current, else None, having set `request.live_url` for the region to poll."""
    stamp = str(audit_latest_id())
    if request.headers.get("HX-Request") and request.GET.get(LIVE_PARAM) == stamp:
        return HttpResponse(status=204)
    query = request.GET.copy()
    query[LIVE_PARAM] = stamp
    request.live_url = f"{request.path}?{query.urlencode()}"
    return None
