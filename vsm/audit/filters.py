"""The audit trail's filters, for the API and the Audit page."""

from __future__ import annotations

import django_filters
from django import forms

from vsm.audit.models import AuditEvent
from vsm.words import model_words


class _RangeForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end of the range comes before its start.")
        return data


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="startswith", max_length=80, widget=forms.TextInput(
        attrs={"list": "audit-actions", "type": "search", "placeholder": "e.g. service."}),
        help_text="a prefix: 'service.' matches every service change")
    object_type = django_filters.CharFilter(max_length=80, help_text="e.g. catalog.service")
    object_id = django_filters.CharFilter(max_length=64)
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains", max_length=254,
                                      widget=forms.TextInput(attrs={"type": "search"}),
                                      help_text="part of an email or 'token:<name>'")
    since = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte",
                                      widget=forms.DateInput(attrs={"type": "date"}),
                                      help_text="first day, inclusive (UTC)")
    until = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte",
                                      widget=forms.DateInput(attrs={"type": "date"}),
                                      help_text="last day, inclusive (UTC)")

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = _RangeForm


class AuditEventPageFilter(AuditEventFilter):
    """The page offers the object types that occur in the trail; it has no object id box."""

    object_type = django_filters.ChoiceFilter(label="Object type", empty_label="any")
    object_id = None

    class Meta(AuditEventFilter.Meta):
        fields = ["action", "object_type", "actor", "since", "until"]

    def __init__(self, *args, object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["object_type"].extra["choices"] = [(t, model_words(t)) for t in object_types]
