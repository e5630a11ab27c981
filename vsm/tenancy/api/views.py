"""Members, invitations, API tokens and the organization, for people and scripts that administer
it. Every write goes through vsm.tenancy.services, which checks the role again and audits the
change."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from vsm.api.base import OrgAPIMixin, OrgViewSet
from vsm.tenancy import services
from vsm.tenancy.api.serializers import (
    InvitationSerializer,
    MemberAddSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    OrganizationSerializer,
    OrganizationUpdateSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)
from vsm.tenancy.models import ApiToken, Invitation, Membership, Organization
from vsm.tenancy.roles import Perm, Role
from vsm.tenancy.selectors import api_token_list, invitation_list, membership_list


class _ListRetrieveViewSet(OrgViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    pass


@extend_schema_view(
    list=extend_schema(summary="Members and their roles"),
    retrieve=extend_schema(summary="One member"),
    create=extend_schema(
        summary="Invite a person by email", request=MemberAddSerializer, responses={201: InvitationSerializer},
        description="Nobody is added yet: the person gets an emailed link and becomes a member when they "
                    "accept it. 409 when the address is already a member or has a pending invitation.",
        examples=[OpenApiExample("A new engineer", request_only=True, value={
            "email": "ana@example.com", "role": Role.ENGINEER})],
    ),
    partial_update=extend_schema(summary="Change a member's role", request=MemberRoleSerializer,
                                 responses={200: MemberSerializer}),
    destroy=extend_schema(summary="Remove a member"),
)
class MemberViewSet(_ListRetrieveViewSet):
    """Owners and administrators only, as on the Members page. Adding a person invites them: the
    answer is the invitation (address, role, status), never anything about an account."""

    queryset = Membership.objects.all()
    serializer_class = MemberSerializer
    permission = Perm.MANAGE_MEMBERS
    write_permission = Perm.MANAGE_MEMBERS

    def get_queryset(self):
        return membership_list()

    def create(self, request, *args, **kwargs):
        invitation = services.invitation_create(actor=self.actor,
                                                **self.valid(MemberAddSerializer))
        location = reverse("api-invitation-detail", kwargs={"org_slug": self.org.slug, "pk": invitation.pk})
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED,
                        headers={"Location": location})

    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        role = self.valid(MemberRoleSerializer)["role"]
        membership = services.membership_change_role(membership=membership, role=role, actor=self.actor)
        return Response(MemberSerializer(membership).data)

    def destroy(self, request, *args, **kwargs):
        services.membership_remove(membership=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Invitations, newest first (pending, expired, accepted and revoked)"),
    retrieve=extend_schema(summary="One invitation"),
    destroy=extend_schema(summary="Revoke an invitation: its link stops working (it stays listed, as revoked)"),
)
class InvitationViewSet(_ListRetrieveViewSet):
    """Invitations are made with POST members/. Owners and administrators only."""

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    permission = Perm.MANAGE_MEMBERS
    write_permission = Perm.MANAGE_MEMBERS

    def get_queryset(self):
        return invitation_list()

    def destroy(self, request, *args, **kwargs):
        services.invitation_revoke(invitation=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="API tokens (never their secrets)"),
    retrieve=extend_schema(summary="One API token (never its secret)"),
    create=extend_schema(
        summary="Create a token; the answer carries its secret, once", request=TokenCreateSerializer,
        responses={201: TokenCreatedSerializer},
        examples=[OpenApiExample("A deploy job's token", request_only=True, value={
            "name": "github-actions deploy", "role": Role.ENGINEER, "expires_at": "2027-01-31T00:00:00Z"})],
    ),
    destroy=extend_schema(summary="Revoke a token (it stays listed, as revoked)"),
    revoke=extend_schema(summary="Revoke a token", request=None, responses={200: TokenSerializer}),
)
class TokenViewSet(_ListRetrieveViewSet):
    """API tokens for CI jobs. Only a hash of a secret is stored: the secret is in the answer to
    the creation, and nowhere else, ever."""

    queryset = ApiToken.objects.all()
    serializer_class = TokenSerializer
    permission = Perm.MANAGE_TOKENS
    write_permission = Perm.MANAGE_TOKENS

    def get_queryset(self):
        return api_token_list()

    def create(self, request, *args, **kwargs):
        data = self.valid(TokenCreateSerializer)
        token, secret = services.api_token_create(actor=self.actor, **data)
        token.token = secret
        # The secret must not linger in any cache between here and the caller.
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED,
                        headers={"Cache-Control": "no-store"})

    def destroy(self, request, *args, **kwargs):
        services.api_token_revoke(token=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        token = services.api_token_revoke(token=self.get_object(), actor=self.actor)
        return Response(TokenSerializer(token).data)


class OrganizationView(OrgAPIMixin, generics.GenericAPIView):
    """The organization named in the URL: any member reads it, managers change it."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    write_permission = Perm.MANAGE_ORGANIZATION

    @extend_schema(operation_id="organization_retrieve", summary="The organization")
    def get(self, request, *args, **kwargs):
        return Response(OrganizationSerializer(self.org).data)

    @extend_schema(operation_id="organization_partial_update", summary="Rename it or change its time zone",
                   request=OrganizationUpdateSerializer, responses={200: OrganizationSerializer},
                   examples=[OpenApiExample("New zone", request_only=True, value={"time_zone": "Europe/Berlin"})])
    def patch(self, request, *args, **kwargs):
        changes = self.valid(OrganizationUpdateSerializer, partial=True)
        organization = services.organization_update(organization=self.org, actor=self.actor, **changes)
        return Response(OrganizationSerializer(organization).data)
