"""The base of every page under /o/<org_slug>/: resolves the organization and the membership
before any view code runs, runs the view (and renders its template) inside tenant_context,
and answers 404 to anyone who is not a member, exactly as for an organization that does not exist."""

from __future__ import annotations

import logging

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from vsm.api.filters import filtered
from vsm.errors import DomainError, InvalidInput, StatementTimedOut
from vsm.tenancy.actor import Actor, RequestActorMixin
from vsm.tenancy.context import request_context, statement_timed_out
from vsm.tenancy.roles import Perm, Role, roles_with
from vsm.tenancy.selectors import membership_get, organization_get

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class OrgPageMixin(RequestActorMixin, LoginRequiredMixin):
    """Declare `permission` (what the page needs to be seen) and `write_permission` (what a POST
    needs); both default to what any member may do."""

    permission: Perm = Perm.VIEW
    write_permission: Perm | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        org = organization_get(slug=kwargs.pop("org_slug"))
        if org is None:
            raise Http404("No such organization.")
        with request_context(org):
            membership = membership_get(user=request.user)
            if membership is None:
                raise Http404("No such organization.")
            request.organization = org
            request.membership = membership
            request.actor = Actor(role=membership.role, user=request.user)
            missing = self.missing_permission(membership, request.method)
            if missing is not None:
                return refusal(request, missing, membership)
            # Times are shown, and form input is read, in the viewer's zone (else the organization's).
            with timezone.override(request.user.tzinfo or org.tzinfo):
                try:
                    response = super().dispatch(request, *args, **kwargs)
                    # Templates must render while the tenant context (and the zone) is still in force.
                    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                        response.render()
                except DatabaseError as error:
                    if not statement_timed_out(error):
                        raise
                    logger.warning("statement cancelled by its timeout: %s", request.path)
                    response = render(request, "statement_timeout.html", {"message": StatementTimedOut().message},
                                      status=StatementTimedOut.status)
            return response

    @classmethod
    def missing_permission(cls, membership, method: str) -> Perm | None:
        """What `membership` lacks to send `method` to this page (None: nothing). The one rule
        for both the refusal above and the templates' choice of controls (`|may`, roles tags)."""
        needed = [cls.permission] + ([cls.write_permission] if cls.write_permission and method not in SAFE_METHODS
                                     else [])
        return next((perm for perm in needed if not membership.has(perm)), None)

    def org_redirect(self, name: str, **kwargs):
        return redirect(name, org_slug=self.org.slug, **kwargs)

    def domain_error_to_form(self, form, error: DomainError) -> None:
        domain_error_to_form(form, error)


class OrgView(OrgPageMixin, View):
    pass


def refusal_reason(perm: Perm, membership) -> str:
    """Who may do what `membership` may not, in one sentence (the 403 page, the htmx line and a
    control shown disabled all say it the same way)."""
    return (f"To {perm.value.replace('_', ' ')} you need one of these roles: {', '.join(roles_with(perm))}. "
            f"Your role here is {Role(membership.role).label}.")


def refusal(request, perm: Perm, membership):
    """403 naming the roles that may do it: the page in the site's layout, or for htmx the line
    the requesting control shows beside itself (static/js/sluice.js)."""
    template = "partials/refusal.html" if getattr(request, "htmx", False) else "403.html"
    return render(request, template, {"reason": refusal_reason(perm, membership)}, status=403)


def domain_error_to_form(form, error: DomainError) -> None:
    """Put a service's refusal on the form: field errors where it names fields."""
    placed = False
    for field, field_messages in error.fields.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def filter_page(filterset) -> tuple[QuerySet, int]:
    """A list page's rows and status: the filterset's rows (200), or none (400) when a parameter
    does not parse; the filterset's form, rendered by the page, carries the error on that field."""
    try:
        return filtered(filterset), 200
    except InvalidInput:
        return filterset.queryset.none(), 400


def paginate(request, queryset, per_page: int = 50) -> dict:
    """The page named by ?page= (out of range gives the nearest page, not an error), as
    templates/partials/pagination.html expects it; the partial keeps the other query parameters."""
    return {"page_obj": Paginator(queryset, per_page).get_page(request.GET.get("page"))}
