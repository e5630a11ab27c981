from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from vsm.accounts.models import User
from vsm.audit.selectors import audit_event_list
from vsm.catalog.selectors import service_list, team_list, value_stream_list
from vsm.errors import DomainError
from vsm.tenancy import services
from vsm.tenancy.context import tenant_context
from vsm.tenancy.forms import InvitationSignUpForm, MemberAddForm, MemberRoleForm, OrganizationForm, TokenCreateForm
from vsm.tenancy.models import ApiToken, Invitation, Membership
from vsm.tenancy.pages import OrgView
from vsm.tenancy.roles import Perm
from vsm.tenancy.selectors import api_token_list, invitation_by_secret, invitation_list, membership_list


class OrgHomeView(OrgView):
    def get(self, request):
        return render(request, "tenancy/org_home.html", {
            "service_count": service_list().count(),
            "value_streams": value_stream_list(),
            "team_count": team_list().count(),
            "member_count": membership_list().count(),
            "recent_events": audit_event_list()[:8] if request.membership.has(Perm.VIEW_AUDIT) else None,
        })


class MembersView(OrgView):
    permission = Perm.MANAGE_MEMBERS
    write_permission = Perm.MANAGE_MEMBERS

    def get(self, request, form=None, status=200):
        return render(request, "tenancy/members.html", {
            "members": membership_list(), "invitations": invitation_list(open_only=True),
            "form": form or MemberAddForm(), "role_form": MemberRoleForm(),
            "invitation_days": settings.INVITATION_VALID_DAYS,
        }, status=status)

    def post(self, request):
        form = MemberAddForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        try:
            invitation = services.invitation_create(actor=self.actor, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, form=form, status=error.status)
        if invitation.email_error:
            messages.warning(request, f"The invitation of {invitation.email} could not be emailed "
                                      f"({invitation.email_error}). Revoke it and invite again once mail works.")
        else:
            messages.success(request, f"{invitation.email} is invited as {invitation.get_role_display().lower()}; "
                                      "they become a member when they accept the emailed link.")
        return self.org_redirect("tenancy:members")


class InvitationRevokeView(OrgView):
    permission = Perm.MANAGE_MEMBERS
    write_permission = Perm.MANAGE_MEMBERS

    def post(self, request, invitation_id: int):
        invitation = get_object_or_404(Invitation, pk=invitation_id)
        try:
            services.invitation_revoke(invitation=invitation, actor=self.actor)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The invitation of {invitation.email} was revoked; its link no longer works.")
        return self.org_redirect("tenancy:members")


class MemberDetailView(OrgView):
    permission = Perm.MANAGE_MEMBERS
    write_permission = Perm.MANAGE_MEMBERS

    def post(self, request, membership_id: int):
        membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id)
        try:
            if request.POST.get("action") == "remove":
                services.membership_remove(membership=membership, actor=self.actor)
                messages.success(request, f"{membership.user.email} was removed.")
            else:
                form = MemberRoleForm(request.POST)
                if not form.is_valid():
                    messages.error(request, "Choose a valid role.")
                    return self.org_redirect("tenancy:members")
                services.membership_change_role(membership=membership, role=form.cleaned_data["role"],
                                                actor=self.actor)
                messages.success(request, f"{membership.user.email}'s role was changed.")
        except DomainError as error:
            messages.error(request, error.message)
        return self.org_redirect("tenancy:members")


class TokensView(OrgView):
    permission = Perm.MANAGE_TOKENS
    write_permission = Perm.MANAGE_TOKENS

    def get(self, request, form=None, new_secret=None, new_token=None, status=200):
        return render(request, "tenancy/tokens.html", {
            "tokens": api_token_list(), "form": form or TokenCreateForm(),
            "new_secret": new_secret, "new_token": new_token,
        }, status=status)

    def post(self, request):
        form = TokenCreateForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        try:
            token, secret = services.api_token_create(actor=self.actor, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, form=form, status=error.status)
        # Rendered, not redirected: the secret is shown on this one response only.
        response = self.get(request, new_secret=secret, new_token=token)
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(OrgView):
    permission = Perm.MANAGE_TOKENS
    write_permission = Perm.MANAGE_TOKENS

    def post(self, request, token_id: int):
        token = get_object_or_404(ApiToken, pk=token_id)
        services.api_token_revoke(token=token, actor=self.actor)
        messages.success(request, f"Token '{token.name}' was revoked; CI jobs using it are now refused.")
        return self.org_redirect("tenancy:tokens")


class OrganizationSettingsView(OrgView):
    permission = Perm.MANAGE_ORGANIZATION
    write_permission = Perm.MANAGE_ORGANIZATION

    def get(self, request, form=None, status=200):
        initial = {"name": self.org.name, "time_zone": self.org.time_zone}
        return render(request, "tenancy/settings.html", {"form": form or OrganizationForm(initial=initial)},
                      status=status)

    def post(self, request):
        form = OrganizationForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        try:
            services.organization_update(organization=self.org, actor=self.actor, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, form=form, status=error.status)
        messages.success(request, "Organization settings saved.")
        return self.org_redirect("tenancy:settings")


@method_decorator(never_cache, name="dispatch")
class InvitationView(View):
    """/invitations/<secret>/, outside any organization: the person following the link is not a
    member yet. The secret finds the invitation by its hash across organizations (the one
    cross-tenant read, in invitation_by_secret); everything after runs in that organization."""

    template_name = "tenancy/invitation.html"

    def dispatch(self, request, secret: str):
        invitation = invitation_by_secret(secret=secret)
        if invitation is None:
            return render(request, self.template_name, {"invitation": None}, status=404)
        with tenant_context(invitation.organization):
            return super().dispatch(request, invitation)  # pages are rendered before the context closes

    def get(self, request, invitation, form=None, error=None, status=200):
        context = {"invitation": invitation, "error": error, "path": request.path}
        if invitation.status != Invitation.Status.INVITED:
            status = 410
        elif request.user.is_authenticated:
            if request.user.email.lower() != invitation.email:
                status = 403
        elif User.objects.filter(email__iexact=invitation.email).exists():
            context["has_account"] = True
        else:
            context["form"] = form or InvitationSignUpForm(email=invitation.email)
        return render(request, self.template_name, context, status=status)

    def post(self, request, invitation):
        if invitation.status != Invitation.Status.INVITED:
            return self.get(request, invitation)
        form = None
        try:
            if request.user.is_authenticated:
                membership = services.invitation_accept(invitation=invitation, user=request.user)
            elif User.objects.filter(email__iexact=invitation.email).exists():
                return self.get(request, invitation)  # sign in first
            else:
                form = InvitationSignUpForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return self.get(request, invitation, form=form, status=400)
                membership = services.invitation_accept_new_account(
                    invitation=invitation, full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"])
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except DomainError as error:
            return self.get(request, invitation, form=form, error=error.message, status=error.status)
        messages.success(request, f"Welcome to {invitation.organization.name}: you are a "
                                  f"{membership.get_role_display().lower()}.")
        return redirect("tenancy:org_home", org_slug=invitation.organization.slug)
