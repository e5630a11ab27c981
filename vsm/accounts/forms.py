from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, _unicode_ci_compare

from vsm.accounts.models import User
from vsm.forms import NonFieldErrorsConcern
from vsm.tenancy.models import TIME_ZONE_CHOICES

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


class EmailAuthenticationForm(NonFieldErrorsConcern, AuthenticationForm):
    """The email travels in a field named `username`: django-axes reads that name to count
    failed attempts per person."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Check both, or reset your password.",
    }

    non_field_errors_concern = ("username", "password")

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "username", "maxlength": EMAIL_MAX_LENGTH})

    def clean_username(self) -> str:
        # Django sets the field's max_length after construction, so nothing enforces it; an
        # overlong name would reach the lockout table's column and fail there.
        if len(self.cleaned_data["username"]) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(f"An email address has at most {EMAIL_MAX_LENGTH} characters.")
        # One spelling per person, so "Ana@X" and "ana@x" share the same lockout counter.
        return self.cleaned_data["username"].lower()


class InvitedUserPasswordResetForm(PasswordResetForm):
    """Django's form skips accounts without a usable password; Sluice creates exactly those for
    invited members and single sign-on users, and the reset link is how they set one."""

    def get_users(self, email):
        # Django's own guard against look-alike Unicode addresses matching someone else's account.
        return (user for user in User.objects.filter(email__iexact=email, is_active=True)
                if _unicode_ci_compare(email, user.email))


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=200, required=False, label="Name",
                                help_text="shown to your colleagues in approvals, sign-offs and the audit log")
    time_zone = forms.ChoiceField(
        choices=[("", "My organization's time zone"), *TIME_ZONE_CHOICES], required=False,
        help_text="dates and times on every page are shown in this zone",
    )
