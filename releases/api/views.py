"""The releases API: parse, call one service or selector, answer. The rules live in the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from releases import selectors, services
from releases.api import serializers as s
from releases.filters import ActiveFreezeFilter, DeploymentCheckFilter, FreezeWindowFilter, ReleaseFilter
from releases.models import (
    DeploymentActivity,
    DeploymentCheck,
    FreezeWindow,
    Phase,
    Release,
    ReleaseDependency,
    ReleaseSlotWindow,
    ReleaseTemplate,
    SlotBooking,
)
from vsm.api.base import OrgSettingsView, OrgViewSet
from vsm.api.filters import filtered
from vsm.api.schema import BAD_INPUT, CONFLICT, ErrorSerializer
from vsm.tenancy.roles import Perm

ERROR = ErrorSerializer
SLOT_LOOKAHEAD = timedelta(days=31)


# --- freeze windows -------------------------------------------------------------------------

class FreezeWindowViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Freeze windows (blackouts): one-off or recurring (RRULE in a time zone), for the whole
    organization, a value stream, environments or a tier."""

    queryset = FreezeWindow.objects.all()
    serializer_class = s.FreezeWindowSerializer
    write_permission = Perm.MANAGE_FREEZES
    # Whether this caller may break the glass depends on the release: the service decides.
    action_permissions = {"overrides": Perm.VIEW}
    filtersets = {"list": FreezeWindowFilter, "active": ActiveFreezeFilter}
    selector = staticmethod(selectors.freeze_window_list)

    @extend_schema(responses=s.FreezeWindowSerializer(many=True))
    def list(self, request):
        return self.list_page(s.FreezeWindowSerializer)

    @extend_schema(
        request=s.FreezeWindowInputSerializer, responses={201: s.FreezeWindowSerializer, 400: BAD_INPUT},
        examples=[
            OpenApiExample("Year-end freeze, whole organization", request_only=True, value={
                "name": "Year-end freeze", "starts_at": "2025-12-20T00:00:00+01:00",
                "ends_at": "2026-01-05T00:00:00+01:00", "reason": "Peak trading and reduced staffing"}),
            OpenApiExample("Every weekend, production only", request_only=True, value={
                "name": "Weekend freeze", "scope": "tier", "tier": "production",
                "starts_at": "2025-03-07T16:00:00+01:00", "ends_at": "2025-03-10T08:00:00+01:00",
                "rrule": "FREQ=WEEKLY;BYDAY=FR", "time_zone": "Europe/Berlin",
                "exdates": ["2025-04-18T16:00:00+02:00"]}),
        ])
    def create(self, request):
        window = services.freeze_window_create(actor=self.actor, **self.valid(s.FreezeWindowInputSerializer))
        return Response(s.FreezeWindowSerializer(selectors.freeze_window_get(window_id=window.pk)).data,
                        status=status.HTTP_201_CREATED)

    def _update(self, partial: bool):
        window = self.get_object()
        data = self.valid(s.FreezeWindowInputSerializer, partial=partial)
        window = services.freeze_window_update(actor=self.actor, window=window, **data)
        return Response(s.FreezeWindowSerializer(selectors.freeze_window_get(window_id=window.pk)).data)

    @extend_schema(request=s.FreezeWindowInputSerializer, responses={200: s.FreezeWindowSerializer, 400: BAD_INPUT})
    def update(self, request, pk=None):
        return self._update(partial=False)

    @extend_schema(request=s.FreezeWindowInputSerializer, responses={200: s.FreezeWindowSerializer, 400: BAD_INPUT})
    def partial_update(self, request, pk=None):
        return self._update(partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.freeze_window_delete(actor=self.actor, window=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=s.FreezeOccurrenceSerializer(many=True))
    @action(detail=False, methods=["get"])
    def active(self, request):
        """The freezes in force now (for an environment and value stream, or anywhere), each with
        when deployments may resume."""
        filters = ActiveFreezeFilter(request.query_params, queryset=FreezeWindow.objects.none(), request=request)
        filtered(filters)
        params = filters.form.cleaned_data
        running = selectors.freeze_active(environment=params.get("environment"),
                                          value_stream=params.get("value_stream"))
        return Response(s.FreezeOccurrenceSerializer(running, many=True).data)

    @extend_schema(
        request=s.FreezeOverrideInputSerializer,
        responses={201: s.FreezeOverrideSerializer, 400: BAD_INPUT, 403: OpenApiResponse(ERROR)},
        examples=[OpenApiExample("Hotfix through the weekend freeze", request_only=True, value={
            "release": 42, "reason": "Payment outage INC-1234: hotfix 2.4.1"})])
    @action(detail=True, methods=["post"])
    def overrides(self, request, pk=None):
        """Break the glass: let a release (or deployments into an environment) through this
        freeze until the occurrence in force ends (or `expires_at`). Emergency releases may, as
        may roles allowed to override freezes. Audited."""
        override = services.freeze_override_grant(actor=self.actor, window=self.get_object(),
                                                  **self.valid(s.FreezeOverrideInputSerializer))
        return Response(s.FreezeOverrideSerializer(override).data, status=status.HTTP_201_CREATED)


# --- templates ------------------------------------------------------------------------------

class TemplateViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    queryset = ReleaseTemplate.objects.all()
    serializer_class = s.TemplateSerializer
    write_permission = Perm.MANAGE_RELEASES

    def get_queryset(self):
        return selectors.template_list()

    @extend_schema(responses=s.TemplateSerializer(many=True))
    def list(self, request):
        return self.page(selectors.template_list(), s.TemplateSerializer)

    @extend_schema(
        request=s.TemplateInputSerializer, responses={201: s.TemplateSerializer, 400: BAD_INPUT, 409: CONFLICT},
        examples=[OpenApiExample("Two phases", request_only=True, value={
            "name": "Hotfix", "phases": [
                {"name": "SIT", "tier": "integration", "duration_days": 1,
                 "entry_criteria": [{"title": "SIT booked", "type": "automated", "rule": "phase_environment_booked",
                                     "params": {}}],
                 "exit_criteria": [{"title": "Smoke tests passed", "type": "automated",
                                    "rule": "ci_result_reported",
                                    "params": {"name": "smoke", "subject_from_context": "release_version"}}]},
                {"name": "PROD", "tier": "production", "duration_days": 1,
                 "entry_criteria": [{"title": "Change approved", "type": "manual", "signer_role": "approver"}],
                 "exit_criteria": []}]})])
    def create(self, request):
        template = services.template_create(actor=self.actor, **self.valid(s.TemplateInputSerializer))
        return Response(s.TemplateSerializer(selectors.template_get(template_id=template.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.TemplateInputSerializer, responses={200: s.TemplateSerializer, 400: BAD_INPUT, 409: CONFLICT},
        examples=[OpenApiExample("Rename", request_only=True, value={"name": "Hotfix (two days)"})])
    def partial_update(self, request, pk=None):
        """Change what is given; `phases` replaces every phase. Releases made from the template
        keep the phases and gates they were made with."""
        template = services.template_update(actor=self.actor, template=self.get_object(),
                                            **self.valid(s.TemplateInputSerializer, partial=True))
        return Response(s.TemplateSerializer(selectors.template_get(template_id=template.pk)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.template_delete(actor=self.actor, template=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- releases -------------------------------------------------------------------------------

def _release_detail(release_id: int) -> dict:
    release = selectors.release_get(release_id=release_id)
    context = {"warnings": selectors.dependency_warnings(release=release)}
    return s.ReleaseDetailSerializer(release, context=context).data


def _scope(data: dict) -> dict:
    if "services" in data:
        data["services"] = [(item["service"], item.get("version", "")) for item in data["services"]]
    return data


class ReleaseViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Releases and release trains (an enterprise release with child releases). Phases, gates,
    dependencies and the deployment plan hang off a release."""

    queryset = Release.objects.all()
    serializer_class = s.ReleaseDetailSerializer
    write_permission = Perm.MANAGE_RELEASES
    filtersets = {"list": ReleaseFilter}

    def retrieve(self, request, pk=None):
        return Response(_release_detail(self.get_object().pk))

    @extend_schema(responses=s.ReleaseSerializer(many=True))
    def list(self, request):
        return self.page(self.filter_queryset(selectors.release_list()), s.ReleaseSerializer)

    @extend_schema(
        request=s.ReleaseInputSerializer, responses={201: s.ReleaseDetailSerializer, 400: BAD_INPUT},
        examples=[
            OpenApiExample("From the default template", request_only=True, value={
                "name": "Payments spring release", "version": "2025.04", "value_stream": "payments", "template": 1,
                "planned_start": "2025-04-01T08:00:00+02:00", "parent": 7, "risk": "high",
                "services": [{"service": "payments-api", "version": "2.4.0"}, {"service": "ledger"}]}),
            OpenApiExample("A release train", request_only=True, value={
                "name": "Q2 train", "version": "2025-Q2", "kind": "enterprise", "status": "planned"}),
        ])
    def create(self, request):
        data = _scope(self.valid(s.ReleaseInputSerializer))
        template = data.pop("template", None)
        if template is not None:
            release = services.release_create_from_template(actor=self.actor, template=template, **data)
        else:
            release = services.release_create(actor=self.actor, **data)
        return Response(_release_detail(release.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReleaseUpdateSerializer, responses={200: s.ReleaseDetailSerializer, 400: BAD_INPUT,
                                                                 409: CONFLICT})
    def partial_update(self, request, pk=None):
        release = self.get_object()
        data = _scope(self.valid(s.ReleaseUpdateSerializer))
        services.release_update(actor=self.actor, release=release, **data)
        return Response(_release_detail(release.pk))

    @extend_schema(
        request=s.AdvanceSerializer, responses={200: s.ReleaseDetailSerializer, 409: CONFLICT},
        examples=[OpenApiExample("Refused", status_codes=["409"], response_only=True, value={"error": {
            "code": "conflict", "message": "Not advanced: 'Payments 2025.04 · UAT exit' is not met: "
                                           "Business sign-off (pending).",
            "fields": {"phase": ["Not advanced: ..."]},
            "details": {"gates": [{"gate": 12, "name": "Payments 2025.04 · UAT exit", "kind": "exit", "criteria": [
                {"id": 40, "title": "Business sign-off", "state": "pending", "summary": "0 of 1 approvals"}]}]}}}),
            OpenApiExample("Frozen", status_codes=["409"], response_only=True, value={"error": {
                "code": "conflict", "message": "Not advanced: starting PROD deploys into Payments Production, which "
                                               "is frozen: 'Year-end freeze' until 2026-01-02T00:00:00+00:00. Break "
                                               "the glass with a reason to go ahead.",
                "fields": {"override_reason": ["Not advanced: ..."]},
                "details": {"freezes": [{"freeze_window": 3, "name": "Year-end freeze",
                                         "ends_at": "2026-01-02T00:00:00Z", "reason": ""}],
                            "conflicts_with": ["freeze_window:3"]}}})])
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """Finish the active phase and start the next (or start the first; after the last, the
        release is released). Refused while the active phase's exit gate or the next phase's
        entry gate is not met, or while a freeze is in force on the environment the next phase
        deploys into, unless `override_reason` breaks the glass."""
        release = self.get_object()
        data = self.valid(s.AdvanceSerializer)
        services.release_advance_phase(actor=self.actor, release=release, phase_id=data.get("phase"),
                                       override_reason=data.get("override_reason") or "")
        return Response(_release_detail(release.pk))

    @extend_schema(request=s.PhaseInputSerializer, responses={201: s.PhaseSerializer, 400: BAD_INPUT})
    @action(detail=True, methods=["post"])
    def phases(self, request, pk=None):
        """Add a phase after the last, with its entry and exit gates and their criteria."""
        phase = services.phase_add(actor=self.actor, release=self.get_object(), **self.valid(s.PhaseInputSerializer))
        return Response(s.PhaseSerializer(selectors.phases_with_gates().get(pk=phase.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DependencyInputSerializer, responses={201: s.DependencySerializer, 400: BAD_INPUT,
                                                                   409: CONFLICT})
    @action(detail=True, methods=["post"])
    def dependencies(self, request, pk=None):
        """This release needs another finished (by `needed_by`, default its planned start)."""
        dependency = services.dependency_add(actor=self.actor, release=self.get_object(),
                                             **self.valid(s.DependencyInputSerializer))
        return Response(s.DependencySerializer(dependency).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ActivityInputSerializer, responses={201: s.ActivitySerializer, 400: BAD_INPUT})
    @action(detail=True, methods=["post"])
    def activities(self, request, pk=None):
        """Add a step to the deployment plan."""
        activity = services.activity_add(actor=self.actor, release=self.get_object(),
                                         **self.valid(s.ActivityInputSerializer))
        return Response(s.ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiResponse(description="The compliance evidence pack: every gate, "
                                                                "criterion, decision, evidence and waiver.")})
    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None):
        release = selectors.release_get(release_id=self.get_object().pk)
        return Response(selectors.evidence_pack(release=release))


class PhaseViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    queryset = Phase.objects.all()
    serializer_class = s.PhaseSerializer
    write_permission = Perm.MANAGE_RELEASES

    def get_queryset(self):
        return selectors.phases_with_gates().select_related("release")

    @extend_schema(request=s.PhaseUpdateSerializer, responses={200: s.PhaseSerializer, 400: BAD_INPUT,
                                                               409: CONFLICT})
    def partial_update(self, request, pk=None):
        phase = services.phase_update(actor=self.actor, phase=self.get_object(), **self.valid(s.PhaseUpdateSerializer))
        return Response(s.PhaseSerializer(selectors.phases_with_gates().get(pk=phase.pk)).data)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request, pk=None):
        services.phase_remove(actor=self.actor, phase=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[s.CollisionQuerySerializer], responses={200: OpenApiResponse(description=(
        "freezes, bookings, full release slots (`full_slots`), the environment when it needs a booking and none is "
        "held for the release (`unbooked`, its slug) and late dependencies the move would collide with"))})
    @action(detail=True, methods=["get"])
    def collisions(self, request, pk=None):
        """What moving the phase to these dates (and environment) would collide with, before saving."""
        phase = self.get_object()
        params = self.valid(s.CollisionQuerySerializer, request.query_params)
        found = selectors.phase_collisions(phase=phase, start=params["planned_start"], end=params["planned_end"],
                                           environment=params.get("environment", phase.environment))
        return Response({
            "freezes": [{"freeze_window": o.window.pk, "name": o.window.name, "start": o.start, "end": o.end}
                        for o in found.freezes],
            "bookings": [{"booking": b.pk, "environment": b.environment.slug, "start": b.start, "end": b.end,
                          "team": b.team.slug if b.team_id else None, "purpose": b.purpose} for b in found.bookings],
            "dependencies": [{"dependency": late.dependency.pk, "message": late.message, "needed_by": late.needed_by,
                              "finishes_at": late.finishes_at} for late in found.late],
            "full_slots": [{"slot_window": slot.window.pk, "name": slot.window.name, "start": slot.start,
                            "end": slot.end} for slot in found.full_slots],
            "unbooked": found.unbooked.slug if found.unbooked else None,
        })


class DependencyViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    queryset = ReleaseDependency.objects.all()
    serializer_class = s.DependencySerializer
    write_permission = Perm.MANAGE_RELEASES

    def get_queryset(self):
        return ReleaseDependency.objects.select_related("release", "depends_on")

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.dependency_remove(actor=self.actor, dependency=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivityViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Steps of deployment plans. CI completes automated ones with `complete`."""

    queryset = DeploymentActivity.objects.all()
    serializer_class = s.ActivitySerializer
    write_permission = Perm.MANAGE_RELEASES
    # Manual by their owner or release managers, automated by CI: the service decides.
    action_permissions = {"complete": Perm.VIEW}

    def get_queryset(self):
        return DeploymentActivity.objects.select_related("owner", "release")

    @extend_schema(request=s.ActivityUpdateSerializer, responses={200: s.ActivitySerializer, 400: BAD_INPUT})
    def partial_update(self, request, pk=None):
        activity = services.activity_update(actor=self.actor, activity=self.get_object(),
                                            **self.valid(s.ActivityUpdateSerializer))
        return Response(s.ActivitySerializer(activity).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.activity_remove(actor=self.actor, activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.ActivityCompleteSerializer, responses={200: s.ActivitySerializer, 403: ERROR,
                                                                    409: CONFLICT},
                   examples=[OpenApiExample("CI finished the database migration", request_only=True, value={
                       "status": "done", "evidence_url": "https://ci.example.com/pipelines/991"})])
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the activity done (or skipped); repeating the same completion changes nothing."""
        activity = services.activity_complete(actor=self.actor, activity=self.get_object(),
                                              **self.valid(s.ActivityCompleteSerializer))
        return Response(s.ActivitySerializer(activity).data)


# --- slots and settings ---------------------------------------------------------------------

class SlotWindowViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Production release windows with a capacity; releases book their slots."""

    queryset = ReleaseSlotWindow.objects.all()
    serializer_class = s.SlotWindowSerializer
    write_permission = Perm.MANAGE_RELEASES
    action_permissions = {"bookings": Perm.BOOK_ENVIRONMENTS}

    def get_queryset(self):
        return selectors.slot_window_list()

    @extend_schema(responses=s.SlotWindowSerializer(many=True))
    def list(self, request):
        return self.page(selectors.slot_window_list(), s.SlotWindowSerializer)

    @extend_schema(request=s.SlotWindowInputSerializer, responses={201: s.SlotWindowSerializer, 400: BAD_INPUT},
                   examples=[OpenApiExample("Tuesday and Thursday evenings, three releases each", request_only=True,
                                            value={"name": "Evening release window", "capacity": 3,
                                                   "starts_at": "2025-03-04T18:00:00+01:00",
                                                   "ends_at": "2025-03-04T22:00:00+01:00",
                                                   "rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
                                                   "time_zone": "Europe/Berlin"})])
    def create(self, request):
        window = services.slot_window_create(actor=self.actor, **self.valid(s.SlotWindowInputSerializer))
        return Response(s.SlotWindowSerializer(window).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SlotWindowInputSerializer, responses={200: s.SlotWindowSerializer, 400: BAD_INPUT},
                   examples=[OpenApiExample("Four releases a slot", request_only=True, value={"capacity": 4})])
    def partial_update(self, request, pk=None):
        """Change what is given. Bookings already made keep their slot."""
        window = services.slot_window_update(actor=self.actor, window=self.get_object(),
                                             **self.valid(s.SlotWindowInputSerializer, partial=True))
        return Response(s.SlotWindowSerializer(window).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.slot_window_delete(actor=self.actor, window=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[s.SlotQuerySerializer], responses=s.SlotSerializer(many=True))
    @action(detail=True, methods=["get"])
    def slots(self, request, pk=None):
        """The window's slots in a period (default: the next 31 days), with who booked them."""
        params = self.valid(s.SlotQuerySerializer, request.query_params)
        start = params.get("from") or timezone.now()
        end = params.get("to") or start + SLOT_LOOKAHEAD
        return Response(s.SlotSerializer(selectors.slots_between(start=start, end=end, windows=[self.get_object()]),
                                         many=True).data)

    @extend_schema(request=s.SlotBookInputSerializer, responses={201: s.SlotBookingSerializer, 400: BAD_INPUT,
                                                                 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def bookings(self, request, pk=None):
        """Book a release into the slot starting at `slot_start`; a full slot answers 409."""
        booking = services.slot_book(actor=self.actor, window=self.get_object(),
                                     **self.valid(s.SlotBookInputSerializer))
        return Response(s.SlotBookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class SlotBookingViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    queryset = SlotBooking.objects.all()
    serializer_class = s.SlotBookingSerializer
    write_permission = Perm.BOOK_ENVIRONMENTS

    def get_queryset(self):
        return selectors.slot_booking_list()

    @extend_schema(responses=s.SlotBookingSerializer(many=True))
    def list(self, request):
        return self.page(selectors.slot_booking_list(upcoming=True), s.SlotBookingSerializer)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.slot_booking_cancel(actor=self.actor, booking=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReleaseSettingsView(OrgSettingsView):
    """Whether production deployments need a booked release slot."""

    queryset = Release.objects.none()
    operation_ids = ("release_settings_retrieve", "release_settings_update")
    output_serializer = input_serializer = s.ReleaseSettingsSerializer

    def read(self):
        return selectors.release_settings_get()

    def update(self, **changes):
        return services.release_settings_update(actor=self.actor, **changes)


# --- "may I deploy?" ------------------------------------------------------------------------

class DeploymentCheckViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """ "May I deploy?": CI asks before deploying; every answer is recorded."""

    queryset = DeploymentCheck.objects.all()
    serializer_class = s.DeploymentCheckSerializer
    write_permission = Perm.RECORD_DELIVERY
    filtersets = {"list": DeploymentCheckFilter}
    selector = staticmethod(selectors.deployment_check_list)

    @extend_schema(responses=s.DeploymentCheckSerializer(many=True))
    def list(self, request):
        return self.list_page(s.DeploymentCheckSerializer)

    @extend_schema(
        request=s.DeploymentCheckInputSerializer,
        responses={200: s.DeploymentCheckSerializer, 400: BAD_INPUT},
        examples=[
            OpenApiExample("Ask", request_only=True, value={
                "service": "payments-api", "environment": "payments-prod", "version": "2.4.0"}),
            OpenApiExample("Allowed", status_codes=["200"], response_only=True, value={
                "id": 901, "decision": "allow", "reasons": [], "retry_after": None, "service": "payments-api",
                "environment": "payments-prod", "version": "2.4.0", "release": 42,
                "checked_at": "2025-03-04T18:05:00Z", "checked_by": "token:gitlab-ci"}),
            OpenApiExample("Denied by a freeze and a gate", status_codes=["200"], response_only=True, value={
                "id": 902, "decision": "deny", "retry_after": None, "service": "payments-api",
                "environment": "payments-prod", "version": "2.4.0", "release": 42,
                "checked_at": "2025-03-07T17:00:00Z", "checked_by": "token:gitlab-ci",
                "reasons": [
                    {"code": "freeze_active", "severity": "deny", "until": "2025-03-10T07:00:00Z",
                     "message": "'Weekend freeze' is in force until 2025-03-10T08:00:00+01:00.",
                     "freeze_window": 3, "name": "Weekend freeze", "ends_at": "2025-03-10T07:00:00Z"},
                    {"code": "gate_not_met", "severity": "deny", "until": None,
                     "message": "'Payments 2025.04 · PROD entry' of Payments 2025.04 is not met: "
                                "Change approved (pending).",
                     "release": 42, "phase": "PROD", "gate": 17,
                     "criteria": [{"id": 51, "title": "Change approved", "state": "pending", "summary": ""}]}]}),
        ])
    def create(self, request):
        """May this service version be deployed into this environment now? Always 200 with the
        decision (allow, warn or deny), every reason, and `retry_after` when waiting will do."""
        data = self.valid(s.DeploymentCheckInputSerializer)
        check = services.deployment_check(actor=self.actor, service=data["service"],
                                          environment=data["environment"], version=data["version"],
                                          release_id=data.get("release"),
                                          override_reason=data.get("override_reason", ""))
        return Response(s.DeploymentCheckSerializer(check).data, status=status.HTTP_200_OK)
