"""The demo's weekly releases (see integrations.demo): the change-controlled services ship on
Wednesdays, after a day on staging, in one release per week whose staging exit gate (the
regression suite and the test lead's sign-off) passes on the release morning. Their work items
name the release as their fix version, which is how the value stream map finds when each item's
release gate passed.

Only the last weeks get a release (the analytics pages' default window), so the releases list is
not a year of past weeks. Written with bulk_create like the rest of the history; the releases
seeder's services write the releases still being worked on.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from gates.builtin_rules import CI_RESULT_REPORTED
from gates.models import CIResult, Criterion, Gate, GateKind, SignOff, Status
from releases.models import Phase, PhaseStatus, Release, ReleaseKind, ReleaseService, ReleaseStatus, Risk
from vsm.accounts.models import User
from vsm.catalog.models import Service
from vsm.tenancy.models import Organization
from vsm.tenancy.roles import Role

WEEKS = 13  # about the 90 days the analytics pages open on
SOAK = timedelta(days=1)  # on staging from the day before the release day
REGRESSION = "regression-tests"


def version_of(at: datetime, today: date) -> str | None:
    """The weekly release a production deployment at `at` ships in; None before the last WEEKS."""
    if at.date() < today - timedelta(weeks=WEEKS):
        return None
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def write(org: Organization, weeks: dict[str, list[tuple[datetime, Service]]]) -> None:
    """The releases of `weeks`: version -> the production deployments (when, of which service) it shipped."""
    signer = User.objects.filter(memberships__organization=org, memberships__role=Role.APPROVER).order_by(
        "email").first()
    releases, gates = [], []
    for version, deployed in sorted(weeks.items()):
        first, last = min(at for at, _ in deployed), max(at for at, _ in deployed)
        start = datetime.combine(first.date() - SOAK, time(8), tzinfo=first.tzinfo)
        releases.append(Release(
            organization=org, name="Weekly release", version=version, kind=ReleaseKind.PROJECT,
            status=ReleaseStatus.RELEASED, risk=Risk.MEDIUM, planned_start=start, planned_end=last + timedelta(hours=1),
            actual_start=start, actual_end=last, created_at=start - timedelta(days=5), updated_at=last,
            description="The change-controlled services' Wednesday release, under their approved change requests."))
        gates.append(Gate(organization=org, name=f"Weekly release {version} · Staging exit", kind=GateKind.EXIT,
                          status=Status.MET, unmet=[], evaluated_at=_gate_passed(first),
                          created_at=start - timedelta(days=5)))
    Release.objects.bulk_create(releases)
    Gate.objects.bulk_create(gates)
    phases, criteria, links, results = [], [], [], []
    for release, gate in zip(releases, gates, strict=True):
        passed = gate.evaluated_at
        staging = Phase(organization=org, release=release, name="Staging", order=1, planned_start=release.actual_start,
                        planned_end=passed, actual_start=release.actual_start, actual_end=passed,
                        status=PhaseStatus.DONE, exit_gate=gate)
        production = Phase(organization=org, release=release, name="PROD", order=2, planned_start=passed,
                           planned_end=release.planned_end, actual_start=passed, actual_end=release.actual_end,
                           status=PhaseStatus.DONE)
        phases += [staging, production]
        links += [ReleaseService(organization=org, release=release, service=service)
                  for service in {service.pk: service for _, service in weeks[release.version]}.values()]
        criteria += [
            Criterion(organization=org, gate=gate, order=1, title="Regression suite passed",
                      type=Criterion.Type.AUTOMATED,
                      rule=CI_RESULT_REPORTED, params={"name": REGRESSION, "subject_from_context": "release_version"},
                      state=Status.MET, summary=f"CI reported '{REGRESSION}' passed", evaluated_at=passed),
            Criterion(organization=org, gate=gate, order=2, title="Test lead sign-off", type=Criterion.Type.MANUAL,
                      signer_role=Role.APPROVER, state=Status.MET, summary="1 of 1 sign-off", evaluated_at=passed)]
        results.append(CIResult(organization=org, name=REGRESSION, subject=release.version, passed=True,
                                summary="Regression suite green on staging", reporter_label="jenkins",
                                reported_at=passed - timedelta(minutes=30), gates_evaluated_at=passed))
    Phase.objects.bulk_create(phases)
    for gate, phase in zip(gates, phases[::2], strict=True):
        gate.context = {"release_id": phase.release_id, "release_version": phase.release.version,
                        "phase_id": phase.pk, "phase": phase.name, "environment": None}
    Gate.objects.bulk_update(gates, ["context"])
    Criterion.objects.bulk_create(criteria)
    ReleaseService.objects.bulk_create(links)
    CIResult.objects.bulk_create(results)
    SignOff.objects.bulk_create(
        [SignOff(organization=org, criterion=criterion, user=signer, user_label=signer.email if signer else "qa lead",
                 role=Role.APPROVER, decision=SignOff.Decision.APPROVE, comment="Regression checked on staging",
                 signed_at=criterion.evaluated_at - timedelta(minutes=10))
         for criterion in criteria if criterion.type == Criterion.Type.MANUAL])


def _gate_passed(first_deployment: datetime) -> datetime:
    """The release morning, before the first production deployment."""
    return datetime.combine(first_deployment.date(), time(8, 30), tzinfo=first_deployment.tzinfo)
