from __future__ import annotations

from django import forms

from vsm.tenancy.models import TIME_ZONE_CHOICES
from vsm.tenancy.roles import Role


class MemberAddForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=200, required=False, label="Name")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ENGINEER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="what uses it, e.g. 'github-actions deploy job'")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ENGINEER)
    expires_at = forms.DateTimeField(
        required=False, label="Expires", help_text="empty: never (revoke it when no longer needed)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class OrganizationForm(forms.Form):
    """A plain form, not a ModelForm: the service compares before and after, so the form must not
    change the organization it was built from."""

    name = forms.CharField(max_length=200)
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, help_text="metric windows and shown times use it")
