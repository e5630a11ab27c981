"""Bases of every API view under /api/v1/orgs/<org_slug>/ (Sentry-style endpoint bases).

The organization comes from the URL, never from the body. The whole request (authentication,
permissions, the view, rendering) runs inside tenant_context, so a token or a row of another
organization is never even visible: it answers 404 like a missing one.
"""

from __future__ import annotations

from rest_framework import exceptions, mixins, viewsets
from rest_framework.views import APIView

from vsm.moments import reading_zone, zone_for
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import request_context
from vsm.tenancy.roles import Perm
from vsm.tenancy.selectors import membership_get, organization_get


def validated_input(serializer_class, data, **kwargs) -> dict:
    """Parse a request body with an input serializer; bad input raises DRF's ValidationError,
    which the one error handler answers as 400 naming the fields."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class OrgAPIMixin:
    permission: Perm = Perm.VIEW
    write_permission: Perm | None = None

    def get_write_permission(self) -> Perm | None:
        return self.write_permission

    def dispatch(self, request, *args, **kwargs):
        self._organization = organization_get(slug=kwargs.pop("org_slug", ""))
        if self._organization is None:
            return super().dispatch(request, *args, **kwargs)
        # Refusals and messages in answers give times in the zone of the signed-in person (theirs,
        # else the organization's; a token's: the organization's), named, since a CI job or a
        # script cannot assume one. Datetime fields stay ISO-8601 in UTC.
        user = request.user if request.user.is_authenticated else None
        zone = zone_for(user=user, organization=self._organization)
        with request_context(self._organization), reading_zone(zone, name_zone=True):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def initial(self, request, *args, **kwargs):
        if self._organization is None:
            raise exceptions.NotFound("No such organization.")
        request.organization = self._organization
        request.actor = self._resolve_actor(request)
        super().initial(request, *args, **kwargs)

    def _resolve_actor(self, request) -> Actor | None:
        token = request.auth if request.auth is not None and hasattr(request.auth, "digest") else None
        if token is not None:
            return Actor(role=token.role, token=token)
        membership = membership_get(user=request.user)
        if membership is None:
            return None
        return Actor(role=membership.role, user=request.user)

    @property
    def org(self):
        return self.request.organization

    @property
    def actor(self) -> Actor:
        return self.request.actor

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["actor"] = getattr(self.request, "actor", None)
        return context


class OrgAPIView(OrgAPIMixin, APIView):
    pass


class OrgReadOnlyViewSet(OrgAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass


class OrgModelViewSet(
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List and retrieve from the selector; create, update and destroy through services, which
    subclasses wire in `perform_create`/`perform_update`/`perform_destroy`."""

    write_permission = Perm.MANAGE_ORGANIZATION
