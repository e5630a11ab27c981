"""The form of a value stream map stage (the page's; rules live in analytics.streammap.services)."""

from __future__ import annotations

from django import forms

from analytics.streammap.events import event_choices
from analytics.streammap.services import NAME_MAX


class ValueStreamStageForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    start_event = forms.ChoiceField(choices=event_choices, help_text="the stage starts when this happens")
    end_event = forms.ChoiceField(choices=event_choices, help_text="and ends when this happens (a later event)")
    position = forms.IntegerField(min_value=1, max_value=999, required=False,
                                  help_text="order on the map; empty: after the last stage")
