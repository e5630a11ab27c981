"""Bases of every API view under /api/v1/orgs/<org_slug>/ (Sentry-style endpoint bases).

The organization comes from the URL, never from the body. The whole request (authentication,
permissions, the view, rendering) runs inside tenant_context, so a token or a row of another
organization is never even visible: it answers 404 like a missing one.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from vsm.api.schema import BAD_INPUT
from vsm.moments import reading_zone, zone_for
from vsm.tenancy.actor import Actor, RequestActorMixin
from vsm.tenancy.context import request_context
from vsm.tenancy.roles import Perm
from vsm.tenancy.selectors import membership_get, organization_get


class OrgAPIMixin(RequestActorMixin):
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

    def get_serializer_context(self):
        # A plain APIView has no context of its own: the keys a generic view's would hold.
        parent = getattr(super(), "get_serializer_context", None)
        context = parent() if parent else {"request": self.request, "format": self.format_kwarg, "view": self}
        context["actor"] = getattr(self.request, "actor", None)
        return context

    def valid(self, serializer_class, data=None, **kwargs) -> dict:
        """The one way a view reads input: the request body (or `data`, such as the query
        parameters) through an input serializer; bad input raises DRF's ValidationError, which
        the one error handler answers as 400 naming the fields. Without a context: input
        serializers share their built fields between requests (vsm.api.inputs), so nothing of
        one request may reach them; what input refers to is resolved by the services."""
        serializer = serializer_class(data=self.request.data if data is None else data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class OrgAPIView(OrgAPIMixin, APIView):
    pass


# The base of every viewset (add DRF's list/retrieve mixins as needed): rows by integer id unless
# `lookup_value_converter` says otherwise, a write permission per action where
# `action_permissions` names one, the rows read by `selector` (a staticmethod of the app's
# selectors) where one is named, `list_page()` for a list of them and `page()` for lists an action
# builds itself. (Comments, not a docstring: the schema would show a docstring as every viewset's
# description.)
class OrgViewSet(OrgAPIMixin, viewsets.GenericViewSet):

    lookup_value_converter = "int"
    action_permissions: dict[str, Perm] = {}
    selector = None

    def get_write_permission(self) -> Perm | None:
        return self.action_permissions.get(self.action, self.write_permission)

    def get_queryset(self):
        return super().get_queryset() if self.selector is None else self.selector()

    def list_page(self, serializer_class) -> Response:
        """One page of the rows, filtered by the list's FilterSet."""
        return self.page(self.filter_queryset(self.get_queryset()), serializer_class)

    def page(self, queryset, serializer_class) -> Response:
        rows = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(rows, many=True, context=self.get_serializer_context()
                                                            ).data)


# GET and PATCH of one organization-wide settings row (administrators change it). A subclass
# names its serializers and the `operation_ids` of GET and PATCH, reads the row in `read()` and
# writes the changes through its service in `update(**changes)`; every field of the PATCH is
# optional. Its docstring describes both operations in the schema.
class OrgSettingsView(OrgAPIView):

    write_permission = Perm.MANAGE_ORGANIZATION
    operation_ids: tuple[str, str]
    output_serializer: type
    input_serializer: type

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        extend_schema_view(
            get=extend_schema(operation_id=cls.operation_ids[0], responses=cls.output_serializer),
            patch=extend_schema(operation_id=cls.operation_ids[1], request=cls.input_serializer,
                                responses={200: cls.output_serializer, 400: BAD_INPUT}),
        )(cls)

    def read(self):
        raise NotImplementedError

    def update(self, **changes):
        raise NotImplementedError

    def get(self, request):
        return Response(self.output_serializer(self.read()).data)

    def patch(self, request):
        return Response(self.output_serializer(self.update(**self.valid(self.input_serializer, partial=True))).data)
