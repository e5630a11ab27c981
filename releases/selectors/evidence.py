"""A release's compliance evidence pack: every gate of every phase, each criterion with its
decisions (sign-offs), waivers and the full evaluation history, plus the freeze overrides and the
deployment checks made for the release. One structure, rendered as a printable page and as JSON."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from gates.models import Criterion, Evaluation, Gate
from gates.selectors import active_waiver, evaluation_list, gate_detail_list
from releases.models import Release
from releases.selectors.deployments import deployment_check_list
from releases.selectors.freezes import freeze_override_list

MAX_CHECKS = 200


def _evaluation(ev: Evaluation) -> dict[str, Any]:
    return {"id": ev.pk, "outcome": ev.outcome, "summary": ev.summary, "values": ev.values, "rule": ev.rule,
            "params": ev.params, "trigger": ev.trigger, "evaluated_at": ev.evaluated_at,
            "evaluated_by": ev.evaluated_by_label}


def _criterion(criterion: Criterion, history: list[Evaluation], now) -> dict[str, Any]:
    return {
        "id": criterion.pk, "title": criterion.title, "description": criterion.description, "type": criterion.type,
        "signer_role": criterion.signer_role, "required_sign_offs": criterion.required_sign_offs,
        "rule": criterion.rule, "params": criterion.params,
        "state": criterion.display_state(active_waiver(criterion, now)), "summary": criterion.summary,
        "sign_offs": [{"id": s.pk, "by": s.user_label, "role": s.role, "decision": s.decision, "comment": s.comment,
                       "signed_at": s.signed_at} for s in criterion.sign_offs.all()],
        "waivers": [{"id": w.pk, "reason": w.reason, "granted_by": w.granted_by_label, "granted_at": w.granted_at,
                     "expires_at": w.expires_at, "revoked_at": w.revoked_at, "active": w.is_active(now)}
                    for w in criterion.waivers.all()],
        "evaluations": [_evaluation(ev) for ev in history],
    }


def _gate(role: str, gate: Gate, history: dict[int, list[Evaluation]], now) -> dict[str, Any]:
    return {
        "role": role, "id": gate.pk, "name": gate.name, "status": gate.status, "evaluated_at": gate.evaluated_at,
        "owner": gate.owner.email if gate.owner_id else None, "context": gate.context,
        "criteria": [_criterion(c, history[c.pk], now) for c in gate.criteria.all()],
    }


def evidence_pack(*, release: Release) -> dict[str, Any]:
    """`release` as given by release_detail_list() (phases prefetched)."""
    now = timezone.now()
    phases = list(release.phases.all())
    gate_ids = [gid for p in phases for gid in (p.entry_gate_id, p.exit_gate_id) if gid]
    gates = {gate.pk: gate for gate in gate_detail_list().filter(pk__in=gate_ids)}
    history: dict[int, list[Evaluation]] = defaultdict(list)
    for ev in evaluation_list().filter(gate_id__in=gate_ids).order_by("evaluated_at", "id"):
        history[ev.criterion_id].append(ev)
    overrides = freeze_override_list().filter(release=release)
    checks = deployment_check_list().filter(release=release)[:MAX_CHECKS]
    return {
        "generated_at": now,
        "release": {
            "id": release.pk, "name": release.name, "version": release.version, "kind": release.kind,
            "status": release.status, "risk": release.risk, "strategy": release.strategy,
            "value_stream": release.value_stream.slug if release.value_stream_id else None,
            "owner": release.owner.email if release.owner_id else None,
            "planned_start": release.planned_start, "planned_end": release.planned_end,
            "actual_start": release.actual_start, "actual_end": release.actual_end,
            "services": [{"service": link.service.slug, "version": link.version or release.version}
                         for link in release.service_links.all()],
        },
        "phases": [{
            "id": phase.pk, "name": phase.name, "order": phase.order, "status": phase.status,
            "environment": phase.environment.slug if phase.environment_id else None,
            "planned_start": phase.planned_start, "planned_end": phase.planned_end,
            "actual_start": phase.actual_start, "actual_end": phase.actual_end,
            "gates": [_gate(role, gates[gid], history, now)
                      for role, gid in (("entry", phase.entry_gate_id), ("exit", phase.exit_gate_id))
                      if gid in gates],
        } for phase in phases],
        "freeze_overrides": [{
            "id": o.pk, "freeze_window": o.freeze_window.name, "reason": o.reason, "granted_by": o.granted_by_label,
            "granted_at": o.granted_at, "expires_at": o.expires_at,
            "environment": o.environment.slug if o.environment_id else None} for o in overrides],
        "deployment_checks": [{
            "id": c.pk, "service": c.service_slug, "environment": c.environment_slug, "version": c.version,
            "decision": c.decision, "reasons": c.reasons, "checked_at": c.checked_at, "checked_by": c.checked_by_label,
        } for c in checks],
    }
