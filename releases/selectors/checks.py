"""Everything "may I deploy?" reads, in one statement.

CI asks before every deployment, so the check's reads are folded into one SQL statement instead
of one ORM query per fact: building a query through the ORM costs about half a millisecond of
Python each, several times what PostgreSQL needs to answer it. The statement is prepared once
per connection (vsm/prepared.py): planning it takes longer than running it. Rows come back as model instances
loaded in full (every concrete field, through the fields' own converters), so the check code
reads them like any other.

Tenancy: every table is filtered on the organization of the tenant context, as the scoped
managers do, and row-level security still applies to the statement.

Other apps add a fact with `register_fact(name, sql)`: a boolean or scalar SQL expression over
the service (alias `s`), the environment (`e`) and the release (`r`), with the parameters
`%(org)s`, `%(at)s`, `%(version)s` and `%(user)s`; its value is `facts.extra[name]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import DEFERRED, Model

from environments.models import Booking, DeploymentApprovalRequest, Environment, Outage
from environments.models import Decision as ApprovalDecision
from gates.models import Gate
from releases.models import Phase, PhaseStatus, Release, ReleaseService, ReleaseSettings, ReleaseStatus, SlotBooking
from vsm.accounts.models import User
from vsm.catalog.models import Service, TeamMember
from vsm.prepared import PreparedStatement
from vsm.tenancy.context import require_org_id


class _Row:
    """The columns of one model under a table alias, and the instance they load: the fields
    the check reads (the others are deferred, loaded if ever touched)."""

    def __init__(self, model: type[Model], alias: str, names: str):
        self.model = model
        self.fields = [model._meta.get_field(name) for name in ["id", *names.split()]]
        self.sql = self.columns(alias)
        self.converters = [(i, f.get_db_converters(connection)) for i, f in enumerate(self.fields)
                           if f.get_db_converters(connection)]
        # Where each read value goes among all the model's fields, the rest deferred.
        self.attnames = [f.attname for f in model._meta.concrete_fields]
        self.positions = [self.attnames.index(f.attname) for f in self.fields]

    def columns(self, alias: str) -> str:
        return ", ".join(f'{alias}."{f.column}"' for f in self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def load(self, values: tuple) -> Model | None:
        if values[0] is None:  # the left join found nothing
            return None
        values = list(values)
        for index, converters in self.converters:
            for convert in converters:
                values[index] = convert(values[index], None, connection)
        every = [DEFERRED] * len(self.attnames)
        for position, value in zip(self.positions, values, strict=True):
            every[position] = value
        return self.model.from_db(connection.alias, self.attnames, every)


# Table names from the models' _meta, as the project's other hand-written SQL takes them; the
# columns the statement loads come from the fields (_Row).
_TABLES = {name: model._meta.db_table for name, model in {
    "services": Service, "team_members": TeamMember, "environments": Environment, "outages": Outage,
    "bookings": Booking, "approval_requests": DeploymentApprovalRequest, "gates": Gate, "releases": Release,
    "release_settings": ReleaseSettings, "release_services": ReleaseService, "phases": Phase,
    "slot_bookings": SlotBooking,
}.items()}

_ROWS = {
    "service": _Row(Service, "s", "organization name slug value_stream team"),
    "environment": _Row(Environment, "e", "organization name slug tier is_production value_stream group status "
                                          "status_reason is_bookable requires_booking requires_deployment_approval "
                                          "capacity"),
    "settings": _Row(ReleaseSettings, "rs", "organization require_release_slots rules_version"),
    "release": _Row(Release, "r", "organization value_stream name version kind parent owner status"),
    "phase": _Row(Phase, "p", "organization release name order environment status entry_gate"),
    "gate": _Row(Gate, "g", "organization name status unmet"),
    "outage": _Row(Outage, "o", "organization environment kind period reason"),
}

# The release: the one named, else the open one whose scope holds the service at this version
# (in progress before planned, then the earliest planned start). The phase: the one of that
# release deploying into the environment that is active, else the next pending, else the last done.
# Each lateral returns its whole row: joining the table again by id invites a scan of it.
_FROM = """
FROM (VALUES (1)) AS one (x)
LEFT JOIN {services} s ON s.organization_id = %(org)s AND s.slug = %(service)s
LEFT JOIN {environments} e ON e.organization_id = %(org)s AND e.slug = %(environment)s
LEFT JOIN {release_settings} rs ON rs.organization_id = %(org)s
LEFT JOIN LATERAL (
    SELECT {named} FROM {releases} named
    WHERE named.organization_id = %(org)s AND named.id = %(release)s::bigint
    UNION ALL
    (SELECT {open} FROM {releases} open
     WHERE %(release)s::bigint IS NULL AND open.organization_id = %(org)s AND open.status = ANY(%(open)s)
       AND EXISTS (SELECT 1 FROM {release_services} link
                   WHERE link.release_id = open.id AND link.service_id = s.id
                     AND (link.version = %(version)s OR (link.version = '' AND open.version = %(version)s)))
     ORDER BY open.status, open.planned_start, open.id LIMIT 1)
) AS r ON true
LEFT JOIN LATERAL (
    SELECT {candidate} FROM {phases} candidate
    WHERE candidate.organization_id = %(org)s AND candidate.release_id = r.id AND candidate.environment_id = e.id
    ORDER BY CASE candidate.status WHEN %(active)s THEN 0 WHEN %(pending)s THEN 1 ELSE 2 END,
             CASE WHEN candidate.status = %(done)s THEN -candidate."order" ELSE candidate."order" END
    LIMIT 1
) AS p ON true
LEFT JOIN {gates} g ON g.organization_id = %(org)s AND g.id = p.entry_gate_id
LEFT JOIN LATERAL (
    SELECT {outage} FROM {outages} outage
    WHERE outage.organization_id = %(org)s AND outage.environment_id = e.id AND outage.period @> %(at)s::timestamptz
    ORDER BY outage.period LIMIT 1
) AS o ON true
""".format(named=_ROWS["release"].columns("named"), open=_ROWS["release"].columns("open"),
           candidate=_ROWS["phase"].columns("candidate"), outage=_ROWS["outage"].columns("outage"), **_TABLES)

# A booking of the environment in force now, held by the service's team, the person asking or
# one of their teams (what environments' booking_covering finds for a deployment).
_BOOKING_HELD = """CASE WHEN e.is_bookable AND e.requires_booking AND NOT e.is_production THEN EXISTS (
    SELECT 1 FROM {bookings} booking
    WHERE booking.organization_id = %(org)s AND booking.environment_id = e.id AND booking.status = %(approved)s
      AND booking.period @> %(at)s::timestamptz
      AND (booking.team_id = s.team_id OR booking.requested_by_id = %(user)s::bigint
           OR booking.team_id IN (SELECT member.team_id FROM {team_members} member
                                  WHERE member.organization_id = %(org)s
                                    AND member.user_id = %(user)s::bigint))) END""".format(**_TABLES)

_DEPLOYMENT_APPROVED = """CASE WHEN e.requires_deployment_approval THEN EXISTS (
    SELECT 1 FROM {approval_requests} approval
    WHERE approval.organization_id = %(org)s AND approval.environment_id = e.id
      AND approval.service_slug = s.slug AND approval.version = %(version)s
      AND approval.status = %(granted)s) END""".format(**_TABLES)

_SLOT_BOOKED = """CASE WHEN e.is_production AND rs.require_release_slots THEN EXISTS (
    SELECT 1 FROM {slot_bookings} slot
    WHERE slot.organization_id = %(org)s AND slot.release_id = r.id AND slot.slot_start <= %(at)s::timestamptz
      AND slot.slot_end > %(at)s::timestamptz) END""".format(**_TABLES)

_CONSTANTS = {
    "open": [ReleaseStatus.IN_PROGRESS.value, ReleaseStatus.PLANNED.value],
    "active": PhaseStatus.ACTIVE.value, "pending": PhaseStatus.PENDING.value, "done": PhaseStatus.DONE.value,
    "approved": Booking.Status.APPROVED.value, "granted": ApprovalDecision.APPROVED.value,
}

EXTRA_FACTS: dict[str, str] = {}
_statement: PreparedStatement | None = None


def register_fact(name: str, sql: str) -> None:
    """Add a fact to the statement (from another app's AppConfig.ready); see the module docstring."""
    global _statement
    EXTRA_FACTS[name] = sql
    _statement = None


def _prepared() -> PreparedStatement:
    global _statement
    if _statement is None:
        columns = [row.sql for row in _ROWS.values()] + [_BOOKING_HELD, _DEPLOYMENT_APPROVED, _SLOT_BOOKED]
        columns += [f'{sql} AS "{name}"' for name, sql in EXTRA_FACTS.items()]
        _statement = PreparedStatement("deployment_check_facts", "SELECT " + ",\n".join(columns) + _FROM)
    return _statement


@dataclass
class CheckFacts:
    service: Service | None
    environment: Environment | None
    settings: ReleaseSettings  # the defaults (unsaved) when none were stored
    release: Release | None
    phase: Phase | None  # with its entry gate loaded
    outage: Outage | None  # in force at the moment of the check
    # Each None where it does not apply: no booking needed, no approval needed, no slot required.
    booking_held: bool | None
    deployment_approved: bool | None
    slot_booked: bool | None
    extra: dict[str, Any] = field(default_factory=dict)


def check_facts(*, service: str, environment: str, version: str, release_id: int | None, at: datetime,
                user: User | None) -> CheckFacts:
    """What a deployment of `service` at `version` into `environment` at `at` depends on, as
    stored now. Unknown slugs or release id read as None."""
    params = {"org": require_org_id(), "service": service, "environment": environment, "version": version,
              "release": release_id, "at": at, "user": user.pk if user is not None else None, **_CONSTANTS}
    with connection.cursor() as cursor:
        _prepared().execute(cursor, params)
        row = cursor.fetchone()
    loaded, start = {}, 0
    for name, columns in _ROWS.items():
        loaded[name] = columns.load(row[start:start + len(columns)])
        start += len(columns)
    phase, gate = loaded["phase"], loaded["gate"]
    if phase is not None and phase.entry_gate_id is not None:
        phase.entry_gate = gate
    booking_held, approved, slot_booked, *extra = row[start:]
    return CheckFacts(
        service=loaded["service"], environment=loaded["environment"],
        settings=loaded["settings"] or ReleaseSettings(), release=loaded["release"], phase=phase,
        outage=loaded["outage"], booking_held=booking_held, deployment_approved=approved, slot_booked=slot_booked,
        extra=dict(zip(EXTRA_FACTS, extra, strict=True)))
