"""CI results: idempotent on external_id, never another organization's, and the gates reading a
result are re-evaluated after commit (in-process without a broker, by a real worker with Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.utils import timezone

from gates import services
from gates.models import CIResult, Evaluation, Gate, Status
from gates.tasks import ci_results_sweep, reevaluate_gates_for_ci_result
from tests.celery_support import broker, broker_redis_url, recording_task_runs, wait_for
from tests.gates.factories import CIResultFactory
from vsm import celery_app
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role
from vsm.tenancy.tasks import enqueued_wait

CI_TOKEN = Actor(role=Role.ENGINEER, system="ci")


def report(**fields):
    return services.ci_result_report(actor=CI_TOKEN, **{"name": "integration", "subject": "2.4.0", "passed": True,
                                                        **fields})


def reading_gate(manager, subject_params=None, context=None) -> Gate:
    params = {"name": "integration", **(subject_params or {"subject_from_context": "release_version"})}
    return services.gate_create(actor=manager, name="Go-live", context=context or {"release_version": "2.4.0"},
                                criteria=[{"title": "Integration tests", "type": "automated",
                                           "rule": "ci_result_reported", "params": params}])


@pytest.mark.django_db
def test_the_same_external_id_updates_one_result(in_a, org_a, org_b):
    CIResultFactory(organization=org_b, external_id="run-1", subject="9.9.9")
    first, created = report(passed=False, external_id="run-1", summary="3 failed")
    replay, created_again = report(passed=False, external_id="run-1", summary="3 failed")
    assert (created, created_again) == (True, False) and replay.pk == first.pk
    assert AuditEvent.objects.filter(action__startswith="ciresult.").count() == 1  # a replay writes nothing
    rerun, _ = report(passed=True, external_id="run-1", summary="all green")
    assert rerun.pk == first.pk and (rerun.passed, rerun.summary) == (True, "all green")
    assert CIResult.objects.count() == 1
    assert AuditEvent.objects.get(action="ciresult.updated").before["passed"] is False


def test_without_an_external_id_every_report_is_a_new_result(in_a, org_b, db):
    report()
    report()
    assert CIResult.objects.count() == 2


@pytest.mark.django_db
def test_an_external_id_is_one_result_about_one_thing(in_a, org_b):
    report(external_id="run-1")
    with pytest.raises(Conflict) as refused:
        report(external_id="run-1", subject="2.5.0")
    assert refused.value.status == 409 and list(refused.value.fields) == ["external_id"]


@pytest.mark.django_db
@pytest.mark.parametrize("fields, field", [
    ({"name": " "}, "name"), ({"subject": ""}, "subject"), ({"name": "x" * 201}, "name"),
    ({"evidence_url": "javascript:alert(1)"}, "evidence_url"), ({"evidence_url": "not a url"}, "evidence_url"),
    ({"external_id": "x" * 201}, "external_id"),
])
def test_bad_reports_name_the_field(in_a, org_b, fields, field):
    with pytest.raises(InvalidInput) as refused:
        report(**fields)
    assert list(refused.value.fields) == [field]


@pytest.mark.django_db
def test_reporting_needs_the_record_delivery_permission(in_a, org_b):
    with pytest.raises(PermissionRefused):
        services.ci_result_report(actor=Actor(role=Role.APPROVER, system="x"), name="a", subject="b", passed=True)


@pytest.mark.django_db
def test_a_result_re_evaluates_the_gates_reading_it_after_commit(
        in_a, org_a, org_b, manager, django_capture_on_commit_callbacks):
    by_context = reading_gate(manager)
    by_literal = reading_gate(manager, {"subject": "2.4.0"}, context={})
    other_subject = reading_gate(manager, context={"release_version": "2.5.0"})
    untouched = Evaluation.objects.filter(gate=other_subject).count()
    with tenant_context(org_b):
        gate_b = reading_gate(Actor.for_system("org-b"))

    with django_capture_on_commit_callbacks(execute=True):
        result, _ = report(evidence_url="https://ci.test/8812")

    for gate in (by_context, by_literal, other_subject):
        gate.refresh_from_db()
    assert (by_context.status, by_literal.status, other_subject.status) == (Status.MET, Status.MET, Status.PENDING)
    evidence = by_context.criteria.get().latest_evaluation
    assert evidence.trigger == Evaluation.Trigger.CI_RESULT and evidence.values["ci_result_id"] == result.pk
    assert evidence.values["evidence_url"] == "https://ci.test/8812"
    assert Evaluation.objects.filter(gate=other_subject).count() == untouched
    with tenant_context(org_b):
        gate_b.refresh_from_db()
        assert gate_b.status == Status.PENDING


@pytest.mark.django_db
def test_a_replay_queues_nothing(in_a, org_b, django_capture_on_commit_callbacks):
    report(external_id="run-1")
    with django_capture_on_commit_callbacks() as callbacks:
        report(external_id="run-1")
    assert callbacks == []


@pytest.mark.django_db
def test_the_task_is_safe_to_run_twice_and_for_a_missing_result(in_a, org_a, org_b, manager):
    gate = reading_gate(manager)
    result, _ = report()
    for _ in range(2):
        assert reevaluate_gates_for_ci_result(org_id=org_a.pk, ci_result_id=result.pk) == 1
    gate.refresh_from_db()
    assert gate.status == Status.MET
    assert reevaluate_gates_for_ci_result(org_id=org_a.pk, ci_result_id=999_999) == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_re_evaluates_after_commit(org_a, org_b, owner_a):
    url = broker_redis_url()
    redis.Redis.from_url(url).flushdb()
    with tenant_context(org_a):
        gate = reading_gate(Actor(role=Role.OWNER, user=owner_a))
    with recording_task_runs() as runs, broker(url), \
            start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20), tenant_context(org_a):
        with transaction.atomic():
            report()
        wait_for(lambda: Gate.objects.get(pk=gate.pk).status == Status.MET)
    assert (reevaluate_gates_for_ci_result.name, False, False) in runs


@pytest.mark.django_db
def test_the_sweep_queues_only_reports_whose_gates_were_never_evaluated(in_a, org_a, org_b, manager,
                                                                        django_capture_on_commit_callbacks):
    gate = reading_gate(manager)
    with django_capture_on_commit_callbacks() as sent:  # the task is never run: as if the broker were down
        owed, _ = report(external_id="owed")
    assert len(sent) == 1
    with django_capture_on_commit_callbacks(execute=True):
        paid, _ = report(external_id="paid")  # its task ran in-process: its gates were evaluated
    old, _ = report(external_id="old")
    CIResult.objects.filter(pk=old.pk).update(gates_evaluated_at=None)
    CIResult.objects.filter(pk__in=[owed.pk, paid.pk]).update(reported_at=timezone.now() - timedelta(minutes=2))
    CIResult.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(days=2))
    with tenant_context(org_b):
        CIResultFactory(organization=org_b, reported_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.ci_results_sweep() == 2  # the owed report here and org B's, never paid, too old or young
    with recording_task_runs() as queued:
        for callback in callbacks:
            callback()
    assert [name for name, *_ in queued] == [reevaluate_gates_for_ci_result.name] * 2
    assert CIResult.objects.get(pk=owed.pk).gates_evaluated_at is not None
    gate.refresh_from_db()
    assert gate.status == Status.MET
    with django_capture_on_commit_callbacks() as sent:
        report(external_id="paid", passed=False)
    assert len(sent) == 1 and CIResult.objects.get(pk=paid.pk).gates_evaluated_at is None  # an update owes again


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_report_stored_while_redis_is_down_reaches_its_gate_when_it_returns(own_redis, org_a, org_b, owner_a):
    with tenant_context(org_a):
        gate = reading_gate(Actor(role=Role.OWNER, user=owner_a))
    with broker(own_redis.url):
        own_redis.stop()
        with tenant_context(org_a):
            result, _ = report()  # stored; its task could not be sent
            assert CIResult.objects.get(pk=result.pk).gates_evaluated_at is None
            assert Gate.objects.get(pk=gate.pk).status == Status.PENDING
            CIResult.objects.filter(pk=result.pk).update(reported_at=timezone.now() - timedelta(minutes=2))
        assert enqueued_wait(timeout=30)  # the sender thread tried (and failed) before Redis is back
        own_redis.start()
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            ci_results_sweep.delay()  # what beat sends every minute
            with tenant_context(org_a):
                wait_for(lambda: Gate.objects.get(pk=gate.pk).status == Status.MET, timeout=30)
                assert CIResult.objects.get(pk=result.pk).gates_evaluated_at is not None
