"""Forms of the integrations pages. Secrets are password inputs that start empty: left blank they
keep what is stored, so a page never shows a secret back."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from integrations.models import Connection, ConnectionKind

KIND_HELP = {
    "github": ('{"repositories": ["acme/payments-api"]}', "A token (fine-grained, read access to deployments, "
               "actions, pull requests and contents). API root: https://api.github.com or your GHES /api/v3."),
    "gitlab": ('{"projects": ["acme/payments-api"]}', "A token with read_api. API root: https://gitlab.com or "
               "your instance."),
    "jira": ('{"jql": "project = PAY", "api": "v2", "time_zone": "Europe/Berlin", "writeback_transition": "Done"}',
             "A user and an API token (Cloud) or a personal access token as the secret (Server). Use api: cloud "
             "for Jira Cloud; time_zone must be the sync user's. writeback_transition is optional."),
    "servicenow": ('{"tables": ["incident", "change_request"], "writeback_resolve": false}',
                   "A user with read access to incident and change_request (and write access for write-back); "
                   "give that user the UTC time zone."),
    "jenkins": ('{"jobs": ["team/payments-api"], "with_stages": true}', "A user and an API token."),
    "generic": ("{}", "Push only: CI jobs POST signed deployments and pipeline runs to the webhook URL."),
}


class JSONObjectField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"})

    def prepare_value(self, value: Any) -> Any:
        return json.dumps(value, indent=2, sort_keys=True) if isinstance(value, dict) else value

    def to_python(self, value: Any) -> dict:
        text = (super().to_python(value) or "").strip()
        if not text:
            return {}
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(f"This is not JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise forms.ValidationError("Give a JSON object ({...}).")
        return parsed


class ConnectionForm(forms.Form):
    kind = forms.ChoiceField(choices=ConnectionKind.choices)
    name = forms.CharField(max_length=120)
    base_url = forms.URLField(required=False, label="API root", assume_scheme="https",
                              max_length=Connection._meta.get_field("base_url").max_length)
    username = forms.CharField(required=False, max_length=200, help_text="leave empty for a token")
    secret = forms.CharField(required=False, max_length=500, label="Token or password",
                             widget=forms.PasswordInput(render_value=False))
    webhook_secret = forms.CharField(required=False, max_length=500, widget=forms.PasswordInput(render_value=False),
                                     help_text="leave empty to have Sluice generate one")
    options = JSONObjectField(required=False)
    sync_enabled = forms.BooleanField(required=False, label="Pull on a schedule")
    sync_interval_minutes = forms.IntegerField(min_value=1, initial=15, label="Every (minutes)")
    writeback_enabled = forms.BooleanField(required=False, label="Write back resolutions into this tool")

    def __init__(self, *args, connection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = connection
        if connection is not None:
            del self.fields["kind"]
            self.fields["secret"].help_text = "set — leave empty to keep it" if connection.has_credentials \
                else "not set"
            self.fields["webhook_secret"].help_text = ("set — leave empty to keep it" if connection.has_webhook_secret
                                                       else "not set")
            self.fields["regenerate_webhook_secret"] = forms.BooleanField(
                required=False, label="Generate a new webhook secret (the old one stops working)")

    def service_arguments(self) -> dict[str, Any]:
        """The connection service's arguments; blank secrets are left out (kept)."""
        data = dict(self.cleaned_data)
        username, secret = data.pop("username", ""), data.pop("secret", "")
        if secret:
            data["credentials"] = {"username": username, "password": secret} if username else {"token": secret}
        if not data.get("webhook_secret"):
            data.pop("webhook_secret", None)
        if not data.get("regenerate_webhook_secret"):
            data.pop("regenerate_webhook_secret", None)
        return data


class MappingForm(forms.Form):
    mapping = JSONObjectField(required=False, label="Overrides",
                              help_text='Only what differs from the defaults, e.g. {"status_categories": '
                                        '{"parked": "todo"}}. Saving re-maps the stored records.')


class DeliverySettingsForm(forms.Form):
    attribute_incidents_by_time = forms.BooleanField(
        required=False, label="Attribute an incident with no named cause to its service's last production deployment")
    incident_attribution_hours = forms.IntegerField(min_value=1, label="Within (hours after the deployment)")
