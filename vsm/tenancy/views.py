from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, render

from vsm.audit.selectors import audit_event_list
from vsm.catalog.selectors import service_list, team_list, value_stream_list
from vsm.errors import DomainError
from vsm.tenancy import services
from vsm.tenancy.forms import MemberAddForm, MemberRoleForm, OrganizationForm, TokenCreateForm
from vsm.tenancy.models import ApiToken, Membership
from vsm.tenancy.pages import OrgView
from vsm.tenancy.roles import Perm
from vsm.tenancy.selectors import api_token_list, membership_list


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
            "members": membership_list(), "form": form or MemberAddForm(), "role_form": MemberRoleForm(),
        }, status=status)

    def post(self, request):
        form = MemberAddForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        try:
            membership = services.membership_add(actor=self.actor, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, form=form, status=error.status)
        messages.success(request, f"{membership.user.email} is now a {membership.get_role_display()}.")
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
