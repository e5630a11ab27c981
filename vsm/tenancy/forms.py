from __future__ import annotations

from django import forms
from django.contrib.auth.forms import SetPasswordMixin

from vsm.accounts.models import User
from vsm.tenancy.models import TIME_ZONE_CHOICES
from vsm.tenancy.roles import Role


class MemberAddForm(forms.Form):
    """An invitation: the person chooses their own name when they accept."""

    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ENGINEER)


class InvitationSignUpForm(SetPasswordMixin, forms.Form):
    """The account of an invited address that has none: its owner names it and sets a password,
    checked by the password validators against the account it will belong to."""

    full_name = forms.CharField(max_length=200, label="Your name",
                                help_text="shown to your colleagues in approvals, sign-offs and the audit log")
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        self.validate_passwords()
        self.validate_password_for_user(User(email=self.email, full_name=self.cleaned_data.get("full_name", "")))
        return super().clean()


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
