"""Forms of the checklist's buttons. Their errors are shown on the criterion they concern."""

from __future__ import annotations

from django import forms

from gates.models import SignOff


class _ReturnForm(forms.Form):
    # Where a plain (non-htmx) post goes back to: the page that shows the checklist.
    next = forms.CharField(required=False, max_length=2000)


class SignOffForm(_ReturnForm):
    decision = forms.ChoiceField(choices=SignOff.Decision.choices)
    comment = forms.CharField(required=False, max_length=2000)


class WaiverForm(_ReturnForm):
    reason = forms.CharField(max_length=2000)
    expires_at = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
