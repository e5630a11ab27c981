from __future__ import annotations

from django import forms

from vsm.notifications.models import ChatWebhook, NotificationKind


class ChatWebhookForm(forms.Form):
    """Parses the page's input; the service validates it (the same rules for every caller)."""

    name = forms.CharField(max_length=100, help_text="the channel, e.g. '#releases'")
    flavor = forms.ChoiceField(choices=ChatWebhook.Flavor.choices, label="Kind of chat")
    url = forms.CharField(
        label="Incoming webhook URL", max_length=2000,
        help_text="stored encrypted and never shown again",
        widget=forms.URLInput(attrs={"autocomplete": "off", "placeholder": "https://hooks.slack.com/services/…"}),
    )
    kinds = forms.MultipleChoiceField(
        choices=NotificationKind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label="Notifications sent", help_text="none ticked: all of them",
    )
