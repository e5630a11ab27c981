"""Forms of the checklist's buttons. Their errors are shown on the criterion they concern."""

from __future__ import annotations

from django import forms

from gates.models import SignOff
from vsm.accounts.models import User
from vsm.forms import JSONField
from vsm.tenancy.models import Membership


class _ReturnForm(forms.Form):
    # Where a plain (non-htmx) post goes back to: the page that shows the checklist.
    next = forms.CharField(required=False, max_length=2000)


class SignOffForm(_ReturnForm):
    decision = forms.ChoiceField(choices=SignOff.Decision.choices)
    comment = forms.CharField(required=False, max_length=2000)


class SignOffRequestForm(_ReturnForm):
    note = forms.CharField(required=False, max_length=500)


class WaiverForm(_ReturnForm):
    reason = forms.CharField(max_length=2000)
    expires_at = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])


class GateForm(forms.Form):
    name = forms.CharField(max_length=200)
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(pk__in=Membership.objects.values("user_id")).order_by("email"),
        to_field_name="email", required=False, empty_label="Nobody",
        help_text="accountable for what the gate guards; may not sign off unless the gate policy allows. A new "
                  "owner withdraws the gate's sign-offs, and you may not hand the gate on if that would let you sign "
                  "it")
    context = JSONField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="what automated criteria read, as a JSON object; changing it decides the "
                                        "gate again")

    def clean_context(self):
        context = self.cleaned_data.get("context")
        if context in (None, ""):
            return {}
        if not isinstance(context, dict):
            raise forms.ValidationError("The context is a JSON object, e.g. {\"release_version\": \"2.4.0\"}.")
        return context
