"""Sign-in, sign-out, passwords and the personal profile. These pages sit outside any
organization, so they are plain Django views rather than OrgView."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse_lazy
from django.views.generic import FormView

from vsm.accounts import services
from vsm.accounts.forms import EmailAuthenticationForm, InvitedUserPasswordResetForm, ProfileForm
from vsm.errors import DomainError
from vsm.tenancy.pages import domain_error_to_form


def sso_provider() -> str:
    """The name on the single sign-on button, or "" when single sign-on is off."""
    return settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else ""


class FormErrorsAre400:
    """A form sent back with errors answers 400, as on every other page."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LoginView(FormErrorsAre400, auth_views.LoginView):
    # Django's LoginView already drops a `next` that points to another host.
    template_name = "accounts/login.html"
    form_class = EmailAuthenticationForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_provider"] = sso_provider()
        return context


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


class PasswordChangeView(FormErrorsAre400, auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordResetView(FormErrorsAre400, auth_views.PasswordResetView):
    form_class = InvitedUserPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/password_reset_subject.txt"
    email_template_name = "accounts/password_reset_email.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self) -> dict:
        # The configured address first: the Host header is the requester's to choose.
        return {"site_url": (settings.SITE_URL or self.request.build_absolute_uri("/")).rstrip("/")}


class PasswordResetConfirmView(FormErrorsAre400, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class ProfileView(LoginRequiredMixin, FormErrorsAre400, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm
    success_url = reverse_lazy("accounts:profile")

    def get_initial(self):
        return {"full_name": self.request.user.full_name, "time_zone": self.request.user.time_zone}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_provider"] = sso_provider()
        return context

    def form_valid(self, form):
        try:
            services.user_update(user=self.request.user, **form.cleaned_data)
        except DomainError as error:
            domain_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your profile is saved.")
        return super().form_valid(form)
