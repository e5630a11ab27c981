from __future__ import annotations

from django.shortcuts import render

from vsm.audit.filters import AuditEventPageFilter
from vsm.audit.selectors import (
    audit_event_changes,
    audit_event_get,
    audit_event_list,
    audit_events_folded,
    audit_filter_choices,
)
from vsm.errors import found
from vsm.tenancy.pages import OrgView, filter_page, paginate
from vsm.tenancy.roles import Perm

EVENTS_PER_PAGE = 50


class AuditListView(OrgView):
    permission = Perm.VIEW_AUDIT

    def get(self, request):
        choices = audit_filter_choices()
        filters = AuditEventPageFilter(request.GET, queryset=audit_event_list(),
                                       object_types=choices["object_types"])
        events, status = filter_page(filters)
        show_all = request.GET.get("all") == "1"
        events, folded = audit_events_folded(events, fold=not show_all)
        form = filters.form
        context = paginate(request, events, EVENTS_PER_PAGE)
        rows = []
        for event in context["page_obj"]:
            changes = audit_event_changes(event)
            rows.append((event, changes, sum(c.changed for c in changes)))
        return render(request, "audit/list.html", {
            **context, "rows": rows, "form": form, "actions": choices["actions"],
            "filtered": any(form.data.get(name) for name in form.fields),
            "folded": folded, "show_all": show_all, "query": request.GET.urlencode(),
        }, status=status)


class AuditDetailView(OrgView):
    permission = Perm.VIEW_AUDIT

    def get(self, request, event_id: int):
        event = found(audit_event_get(event_id=event_id), "audit event")
        return render(request, "audit/detail.html", {"event": event, "changes": audit_event_changes(event)})
