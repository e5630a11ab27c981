from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import render

from vsm.audit.models import AuditEvent
from vsm.audit.selectors import audit_event_changes, audit_event_get, audit_event_list, audit_filter_choices
from vsm.errors import DomainError
from vsm.tenancy.pages import OrgView, paginate
from vsm.tenancy.roles import Perm

EVENTS_PER_PAGE = 50


class AuditFilterForm(forms.Form):
    # A prefix: "service." finds every service change.
    action = forms.CharField(required=False, max_length=80, widget=forms.TextInput(
        attrs={"list": "audit-actions", "type": "search", "placeholder": "e.g. service."}))
    object_type = forms.ChoiceField(required=False, label="Object type")
    actor = forms.CharField(required=False, max_length=254, widget=forms.TextInput(attrs={"type": "search"}))
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "any"), *((t, t) for t in object_types)]


class AuditListView(OrgView):
    permission = Perm.VIEW_AUDIT

    def get(self, request):
        choices = audit_filter_choices()
        form = AuditFilterForm(request.GET, object_types=choices["object_types"])
        events, status = AuditEvent.objects.none(), 400
        if form.is_valid():
            try:
                events, status = audit_event_list(**form.cleaned_data), 200
            except DomainError as error:
                self.domain_error_to_form(form, error)
        context = paginate(request, events, EVENTS_PER_PAGE)
        rows = []
        for event in context["page_obj"]:
            changes = audit_event_changes(event)
            rows.append((event, changes, sum(c.changed for c in changes)))
        return render(request, "audit/list.html", {
            **context, "rows": rows, "form": form, "actions": choices["actions"],
            "filtered": any(form.data.get(name) for name in form.fields),
        }, status=status)


class AuditDetailView(OrgView):
    permission = Perm.VIEW_AUDIT

    def get(self, request, event_id: int):
        event = audit_event_get(event_id=event_id)
        if event is None:
            raise Http404("No such audit event.")
        return render(request, "audit/detail.html", {"event": event, "changes": audit_event_changes(event)})
