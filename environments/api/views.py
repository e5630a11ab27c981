"""The environments API: parse, call one service or selector, answer. Rules live in the services."""

from __future__ import annotations

import math

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from environments import selectors, services
from environments.api import serializers as s
from environments.filters import (
    BookingFilter,
    DeploymentApprovalFilter,
    EnvironmentFilter,
    OutageFilter,
    ProvisioningRequestFilter,
)
from environments.models import (
    Booking,
    DeploymentApprovalRequest,
    Environment,
    EnvironmentGroup,
    Lease,
    Outage,
    ProvisioningRequest,
)
from vsm.api.base import OrgAPIView, OrgViewSet
from vsm.api.schema import ErrorSerializer
from vsm.errors import found
from vsm.tenancy.roles import Perm

ERROR = ErrorSerializer

CONFLICT_EXAMPLE = OpenApiExample("Conflict", status_codes=["409"], response_only=True, value={"error": {
    "code": "booking_conflict",
    "message": "SIT 1 is already booked by Checkout from 2025-03-03T09:00:00+00:00 to 2025-03-03T12:00:00+00:00.",
    "details": {
        "conflicts": [{"id": 41, "environment": "sit-1", "status": "approved", "team": "checkout",
                       "requester": "qa@acme.test", "start": "2025-03-03T09:00:00Z", "end": "2025-03-03T12:00:00Z",
                       "purpose": "regression"}],
        "outages": [],
        "occurrences": [{"environment": "sit-1", "start": "2025-03-03T10:00:00Z", "end": "2025-03-03T12:00:00Z"}],
        "next_free_slot": {"start": "2025-03-03T12:00:00Z", "end": "2025-03-03T14:00:00Z"},
        "alternative_environment": {"slug": "sit-2", "name": "SIT 2"},
    }}})


class EnvironmentViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Environments. Created by environment managers (and setup scripts with such a token)."""

    queryset = Environment.objects.all()
    serializer_class = s.EnvironmentSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"
    action_permissions = {"create": Perm.MANAGE_ENVIRONMENTS, "partial_update": Perm.VIEW}
    filtersets = {"list": EnvironmentFilter}
    selector = staticmethod(selectors.environment_list)

    @extend_schema(responses=s.EnvironmentSerializer(many=True))
    def list(self, request):
        return self.list_page(s.EnvironmentSerializer)

    @extend_schema(request=s.EnvironmentInputSerializer, responses={201: s.EnvironmentSerializer, 400: ERROR},
                   examples=[OpenApiExample("A shared SIT environment", request_only=True, value={
                       "name": "SIT 1", "slug": "sit-1", "tier": "integration", "is_production": False,
                       "status": "available", "capacity": 1, "requires_approval": True})])
    def create(self, request, org_slug=None):
        data = self.valid(s.EnvironmentInputSerializer)
        env = services.environment_create(actor=self.actor, **data)
        return Response(s.EnvironmentSerializer(env).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EnvironmentInputSerializer, responses={200: s.EnvironmentSerializer, 400: ERROR})
    def partial_update(self, request, slug=None):
        env = self.get_object()
        data = self.valid(s.EnvironmentInputSerializer, partial=True)
        env = services.environment_update(actor=self.actor, environment=env, **data)
        return Response(s.EnvironmentSerializer(env).data)


class GroupViewSet(OrgViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Environment groups: booking a group (`POST bookings/` with `group`) books every member."""

    queryset = EnvironmentGroup.objects.all()
    serializer_class = s.GroupSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"
    write_permission = Perm.MANAGE_ENVIRONMENTS

    def get_queryset(self):
        return selectors.group_list().prefetch_related("environments")

    @extend_schema(request=s.GroupInputSerializer, responses={201: s.GroupSerializer, 400: ERROR})
    def create(self, request):
        group = services.group_create(actor=self.actor, **self.valid(s.GroupInputSerializer))
        return Response(s.GroupSerializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.GroupInputSerializer, responses={200: s.GroupSerializer, 400: ERROR})
    def partial_update(self, request, slug=None):
        group = self.get_object()
        data = self.valid(s.GroupInputSerializer, partial=True)
        group = services.group_update(actor=self.actor, group=group, name=data.get("name"),
                                      description=data.get("description"), environments=data.get("environments"))
        return Response(s.GroupSerializer(selectors.group_list().prefetch_related("environments").get(pk=group.pk)
                                          ).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, slug=None):
        services.group_delete(actor=self.actor, group=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class BookingViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Bookings: request (one environment, a group, or a recurrence), then approve, reject,
    cancel, extend, shorten or release early."""

    queryset = Booking.objects.all()
    serializer_class = s.BookingSerializer
    lookup_value_converter = "int"
    action_permissions = {"create": Perm.BOOK_ENVIRONMENTS, "cancel": Perm.BOOK_ENVIRONMENTS,
                          "extend": Perm.BOOK_ENVIRONMENTS, "shorten": Perm.BOOK_ENVIRONMENTS,
                          "release": Perm.BOOK_ENVIRONMENTS,
                          # whether this person approves this environment is the service's call
                          "approve": Perm.VIEW, "reject": Perm.VIEW}
    filtersets = {"list": BookingFilter}
    selector = staticmethod(selectors.booking_list)

    @extend_schema(responses=s.BookingSerializer(many=True))
    def list(self, request):
        return self.list_page(s.BookingSerializer)

    @extend_schema(
        request=s.BookingRequestSerializer,
        responses={201: s.BookingCreatedSerializer, 400: ERROR, 409: ERROR},
        examples=[
            OpenApiExample("Book an environment", request_only=True, value={
                "environment": "sit-1", "start": "2025-03-03T10:00:00+01:00", "end": "2025-03-03T13:00:00+01:00",
                "purpose": "Regression for release 2025.03", "kind": "regression", "team": "checkout"}),
            OpenApiExample("Every Monday morning for six weeks", request_only=True, value={
                "environment": "perf-1", "start": "2025-03-03T08:00:00Z", "end": "2025-03-03T10:00:00Z",
                "purpose": "Weekly load test", "kind": "performance", "rrule": "FREQ=WEEKLY;COUNT=6"}),
            OpenApiExample("Book a whole group", request_only=True, value={
                "group": "checkout-stack", "start": "2025-03-03T09:00:00Z", "end": "2025-03-03T17:00:00Z",
                "purpose": "End-to-end tests", "kind": "regression"}),
            OpenApiExample("Approved", status_codes=["201"], response_only=True, value={
                "id": 42, "environment": "sit-1", "team": "checkout", "requester": "token:gitlab-ci",
                "purpose": "Regression for release 2025.03", "kind": "regression", "release_ref": "",
                "start": "2025-03-03T09:00:00Z", "end": "2025-03-03T12:00:00Z", "status": "approved",
                "series": None, "group": None, "decided_by": None, "decided_by_token": None, "decided_at": None,
                "decision_note": "", "created_at": "2025-02-28T15:02:11Z",
                "bookings": [{"id": 42, "environment": "sit-1", "start": "2025-03-03T09:00:00Z",
                              "end": "2025-03-03T12:00:00Z", "status": "approved"}]}),
            CONFLICT_EXAMPLE,
        ],
    )
    def create(self, request):
        data = self.valid(s.BookingRequestSerializer)
        bookings = services.booking_request(actor=self.actor, time_zone=self.org.time_zone, **data)
        context = {**self.get_serializer_context(), "all_bookings": bookings}
        return Response(s.BookingCreatedSerializer(bookings[0], context=context).data, status=status.HTTP_201_CREATED)

    def _act(self, service, serializer_class=None, **extra):
        booking = self.get_object()
        data = self.valid(serializer_class) if serializer_class else {}
        booking = service(actor=self.actor, booking=booking, **data, **extra)
        return Response(s.BookingSerializer(selectors.booking_list().get(pk=booking.pk)).data)

    @extend_schema(request=s.DecisionSerializer, responses={200: s.BookingSerializer, 403: ERROR, 409: ERROR},
                   examples=[CONFLICT_EXAMPLE])
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a waiting booking (not your own); its period is checked again."""
        return self._act(services.booking_approve, s.DecisionSerializer)

    @extend_schema(request=s.DecisionSerializer, responses={200: s.BookingSerializer, 403: ERROR, 409: ERROR})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(services.booking_reject, s.DecisionSerializer)

    @extend_schema(request=s.DecisionSerializer, responses={200: s.BookingSerializer, 403: ERROR, 409: ERROR})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(services.booking_cancel, s.DecisionSerializer)

    @extend_schema(request=s.ExtendSerializer, responses={200: s.BookingSerializer, 400: ERROR, 409: ERROR})
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Move the end later, if the added time is free."""
        return self._act(services.booking_extend, s.ExtendSerializer)

    @extend_schema(request=s.ShortenSerializer, responses={200: s.BookingSerializer, 400: ERROR, 409: ERROR})
    @action(detail=True, methods=["post"])
    def shorten(self, request, pk=None):
        """Move the end earlier (still after the start and in the future); the time after it is
        free again and leases under the booking end with it."""
        return self._act(services.booking_shorten, s.ShortenSerializer)

    @extend_schema(request=None, responses={200: s.BookingSerializer, 409: ERROR})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Release early: the booking ends now and the environment is free again."""
        return self._act(services.booking_release)


class OutageViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Maintenance and outage windows; they block bookings and leases."""

    queryset = Outage.objects.all()
    serializer_class = s.OutageSerializer
    lookup_value_converter = "int"
    # Environment managers by role, or managers of the owning team: the service decides.
    write_permission = Perm.VIEW
    filtersets = {"list": OutageFilter}
    selector = staticmethod(selectors.outage_list)

    @extend_schema(responses=s.OutageSerializer(many=True))
    def list(self, request):
        return self.list_page(s.OutageSerializer)

    @extend_schema(request=s.OutageInputSerializer, responses={201: s.OutageSerializer, 400: ERROR, 403: ERROR})
    def create(self, request):
        outage = services.outage_create(actor=self.actor, **self.valid(s.OutageInputSerializer))
        return Response(s.OutageSerializer(outage).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 403: ERROR})
    def destroy(self, request, pk=None):
        services.outage_delete(actor=self.actor, outage=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeploymentApprovalViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Deployments into environments whose managers approve each one."""

    queryset = DeploymentApprovalRequest.objects.all()
    serializer_class = s.DeploymentApprovalSerializer
    lookup_value_converter = "int"
    action_permissions = {"create": Perm.BOOK_ENVIRONMENTS, "approve": Perm.VIEW, "reject": Perm.VIEW}
    filtersets = {"list": DeploymentApprovalFilter}
    selector = staticmethod(selectors.deployment_approval_list)

    @extend_schema(responses=s.DeploymentApprovalSerializer(many=True))
    def list(self, request):
        return self.list_page(s.DeploymentApprovalSerializer)

    @extend_schema(
        request=s.DeploymentApprovalInputSerializer,
        responses={201: s.DeploymentApprovalSerializer, 200: s.DeploymentApprovalSerializer, 400: ERROR},
        examples=[
            OpenApiExample("A CI job asks", request_only=True, value={
                "environment": "uat", "service": "payments-api", "version": "2.14.0",
                "note": "pipeline https://ci.example.com/p/991"}),
            OpenApiExample("Waiting", status_codes=["201"], response_only=True, value={
                "id": 7, "environment": "uat", "service": "payments-api", "version": "2.14.0",
                "status": "requested", "requester": "token:gitlab-ci", "requested_at": "2025-03-03T09:00:00Z",
                "decided_by": None, "decided_by_token": None, "decided_at": None,
                "note": "pipeline https://ci.example.com/p/991"}),
        ],
        description="Asking again for the same version while a request waits answers 200 with that request.",
    )
    def create(self, request):
        data = self.valid(s.DeploymentApprovalInputSerializer)
        approval, created = services.deployment_approval_request(
            actor=self.actor, environment=data["environment"], service_slug=data["service"],
            version=data["version"], note=data["note"])
        return Response(s.DeploymentApprovalSerializer(approval).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _decide(self, approve: bool):
        approval = services.deployment_approval_decide(actor=self.actor, approval=self.get_object(), approve=approve,
                                                       note=self.valid(s.DecisionSerializer)["note"])
        return Response(s.DeploymentApprovalSerializer(approval).data)

    @extend_schema(request=s.DecisionSerializer, responses={200: s.DeploymentApprovalSerializer, 403: ERROR,
                                                            409: ERROR})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(True)

    @extend_schema(request=s.DecisionSerializer, responses={200: s.DeploymentApprovalSerializer, 403: ERROR,
                                                            409: ERROR})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(False)


class ProvisioningRequestViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Requests for new environments; each step keeps its time."""

    queryset = ProvisioningRequest.objects.all()
    serializer_class = s.ProvisioningRequestSerializer
    lookup_value_converter = "int"
    action_permissions = {"create": Perm.BOOK_ENVIRONMENTS, "advance": Perm.MANAGE_ENVIRONMENTS}
    filtersets = {"list": ProvisioningRequestFilter}
    selector = staticmethod(selectors.provisioning_request_list)

    @extend_schema(responses=s.ProvisioningRequestSerializer(many=True))
    def list(self, request):
        return self.list_page(s.ProvisioningRequestSerializer)

    @extend_schema(request=s.ProvisioningInputSerializer, responses={201: s.ProvisioningRequestSerializer,
                                                                     400: ERROR})
    def create(self, request):
        item = services.provisioning_request_create(actor=self.actor, **self.valid(s.ProvisioningInputSerializer))
        return Response(s.ProvisioningRequestSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ProvisioningAdvanceSerializer, responses={200: s.ProvisioningRequestSerializer,
                                                                       409: ERROR})
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """Move the request on: provisioning, ready or declined."""
        item = services.provisioning_request_advance(actor=self.actor, request=self.get_object(),
                                                     **self.valid(s.ProvisioningAdvanceSerializer))
        return Response(s.ProvisioningRequestSerializer(item).data)


# --- leases ---------------------------------------------------------------------------------

LEASE_DENIED_EXAMPLE = OpenApiExample("Denied", status_codes=["409"], response_only=True, value={"error": {
    "code": "lease_denied",
    "message": "No lease on SIT 1: SIT 1 is booked by Checkout until 2025-03-03T12:00:00+00:00.",
    "details": {
        "reasons": [{"code": "booked_by_other_team", "team": "checkout", "booking": 41,
                     "until": "2025-03-03T12:00:00Z", "message": "SIT 1 is booked by Checkout until ..."}],
        "retry_after": "2025-03-03T12:00:00Z",
    }}})


class _LeaseView(OrgAPIView):
    """Denials answer 409 with `reasons` and `retry_after` in the body, and a Retry-After header
    (seconds) when waiting will help."""

    queryset = Lease.objects.all()
    write_permission = Perm.BOOK_ENVIRONMENTS

    def environment(self, env_slug: str) -> Environment:
        return found(selectors.environment_get(slug=env_slug), "environment")

    def lease(self, env_slug: str, lease_id: int) -> Lease:
        return get_object_or_404(Lease.objects.select_related("environment"), pk=lease_id,
                                 environment=self.environment(env_slug))

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        retry_after = getattr(exc, "details", {}).get("retry_after") if isinstance(exc, services.LeaseDenied) else None
        if retry_after is not None:
            response["Retry-After"] = str(max(1, math.ceil((retry_after - timezone.now()).total_seconds())))
        return response


class LeaseListView(_LeaseView):
    @extend_schema(operation_id="environment_leases_list", responses=s.LeaseSerializer(many=True))
    def get(self, request, env_slug: str):
        """The environment's leases in force."""
        leases = selectors.lease_list(environment=self.environment(env_slug), active_only=True)
        return Response(s.LeaseSerializer(leases[:100], many=True).data)

    @extend_schema(
        operation_id="environment_leases_acquire",
        request=s.LeaseRequestSerializer,
        responses={201: s.LeaseGrantedSerializer, 400: ERROR, 409: ERROR},
        examples=[
            OpenApiExample("With the booking id", request_only=True, value={"booking": 42, "version": "2.14.0"}),
            OpenApiExample("With the service deployed", request_only=True,
                           value={"service": "payments-api", "version": "2.14.0", "ttl_seconds": 1800}),
            OpenApiExample("Granted", status_codes=["201"], response_only=True, value={
                "id": 9, "environment": "sit-1", "booking": 42, "team": "checkout", "service": "payments-api",
                "version": "2.14.0", "holder": "token:gitlab-ci", "acquired_at": "2025-03-03T10:00:00Z",
                "expires_at": "2025-03-03T10:15:00Z", "released_at": None, "is_valid": True,
                "token": "sll_3Jr0..."}),
            LEASE_DENIED_EXAMPLE,
        ],
    )
    def post(self, request, env_slug: str):
        """Take a lease before deploying: granted when your approved booking covers now (name it,
        or the service you deploy), or when the environment needs no booking."""
        environment = self.environment(env_slug)
        data = self.valid(s.LeaseRequestSerializer)
        lease, secret = services.lease_acquire(
            actor=self.actor, environment=environment, booking_id=data.get("booking"),
            service_slug=data.get("service"), version=data["version"], ttl_seconds=data.get("ttl_seconds"))
        return Response(s.LeaseGrantedSerializer(lease, context={"secret": secret}).data,
                        status=status.HTTP_201_CREATED)


class LeaseRenewView(_LeaseView):
    @extend_schema(operation_id="environment_leases_renew", request=s.LeaseTokenSerializer,
                   responses={200: s.LeaseSerializer, 403: ERROR, 409: ERROR},
                   examples=[OpenApiExample("Renew", request_only=True, value={"token": "sll_3Jr0...",
                                                                               "ttl_seconds": 900}),
                             LEASE_DENIED_EXAMPLE])
    def post(self, request, env_slug: str, lease_id: int):
        """Keep holding the environment: pushes the expiry out (never past the booking's end)."""
        lease = self.lease(env_slug, lease_id)
        data = self.valid(s.LeaseTokenSerializer)
        lease = services.lease_renew(actor=self.actor, lease=lease, secret=data["token"],
                                     ttl_seconds=data.get("ttl_seconds"))
        return Response(s.LeaseSerializer(lease).data)


class LeaseReleaseView(_LeaseView):
    @extend_schema(operation_id="environment_leases_release", request=s.LeaseTokenSerializer,
                   responses={200: s.LeaseSerializer, 403: ERROR},
                   examples=[OpenApiExample("Release", request_only=True, value={"token": "sll_3Jr0..."})])
    def post(self, request, env_slug: str, lease_id: int):
        """Done deploying: the environment is free for the next job at once."""
        lease = self.lease(env_slug, lease_id)
        data = self.valid(s.LeaseTokenSerializer)
        lease = services.lease_release(actor=self.actor, lease=lease, secret=data["token"])
        return Response(s.LeaseSerializer(lease).data)
