"""Being told: a goal crossed (met to missed) or a metric that dropped a DORA level is told once
per crossing; each value stream's weekly digest reaches each subscriber once a week however
often the task runs, by email and once to the chat webhooks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from analytics.goals import services
from analytics.goals.tasks import digests_weekly, goals_check_all
from analytics.models import DigestSent, MetricGoal
from tests.analytics.factories import MetricGoalFactory
from tests.analytics.pages_support import History
from tests.factories import ChatWebhookFactory
from tests.notifications.conftest import chat_server  # noqa: F401  (a fixture)
from vsm.notifications.models import Notification, NotificationKind
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(org_a, owner_a):
    """payments-api: 4 good deployments in the last week."""
    history = History(org_a)
    history.deployments = [history.deploy(days_ago) for days_ago in (1, 2, 3, 4)]
    history.derive()
    return history


@pytest.fixture
def run(org_a, in_org, django_capture_on_commit_callbacks):
    """Call a service in org A, committed, with the queued deliveries run (eagerly)."""
    def call(service, **kwargs):
        with in_org(org_a), django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)
    return call


def _told(org, in_org, kind):
    with in_org(org):
        return list(Notification.objects.filter(kind=kind).order_by("pk").values_list("recipient__email", "title"))


def test_a_crossing_sends_one_notification_and_a_second_run_none(org_a, in_org, history, run, member_factory,
                                                                  mailoutbox):
    manager = member_factory(Role.RELEASE_MANAGER, email="rm@acme.test")
    member_factory(Role.ENGINEER)
    MetricGoalFactory(organization=org_a, metric="change_failure_rate", comparison="at_most", target=0.2)
    assert run(services.goals_check) == 0, "the first check records the state: met, elite"
    for deployment in history.deployments[:2]:
        history.incident(deployment)
    history.derive()

    assert run(services.goals_check) == 2
    told = _told(org_a, in_org, NotificationKind.GOAL_MISSED)
    assert sorted(email for email, _ in told) == sorted(["owner@acme.test", manager.email])
    assert told[0][1] == ("Change failure rate of the organization: now 50.0 %, the goal is at most 20.0 %; "
                          "dropped from elite to low")
    assert len(mailoutbox) == 2
    assert run(services.goals_check) == 0, "no new crossing"
    assert len(_told(org_a, in_org, NotificationKind.GOAL_MISSED)) == 2
    with in_org(org_a):
        assert MetricGoal.objects.values_list("last_met", "last_level").get() == (False, "low")


def test_a_level_drop_is_told_without_a_goal_being_missed(org_a, in_org, history, run):
    MetricGoalFactory(organization=org_a, metric="change_failure_rate", comparison="at_most", target=0.9)
    run(services.goals_check)
    history.incident(history.deployments[0])
    history.derive()
    assert run(services.goals_check) == 1
    [(_, title)] = _told(org_a, in_org, NotificationKind.GOAL_MISSED)
    assert title == "Change failure rate of the organization: dropped from elite to low"


def test_a_goal_met_again_then_missed_again_is_told_again(org_a, in_org, history, run):
    goal = MetricGoalFactory(organization=org_a, metric="change_lead_time", comparison="at_most", target=4,
                             last_met=True, last_level="elite")
    assert run(services.goals_check) == 1, "5 h against at most 4 h"
    with in_org(org_a):
        MetricGoal.objects.filter(pk=goal.pk).update(target=6)
    assert run(services.goals_check) == 0, "met again: nothing to tell"
    with in_org(org_a):
        MetricGoal.objects.filter(pk=goal.pk).update(target=4)
    assert run(services.goals_check) == 1


WEDNESDAY = datetime(2026, 12, 2, 12, tzinfo=timezone.get_fixed_timezone(0))


def test_the_digest_runs_twice_in_a_week_and_sends_once(org_a, in_org, history, run, member_factory, mailoutbox,
                                                        chat_server):  # noqa: F811
    ChatWebhookFactory(organization=org_a, url=chat_server.url())
    member_factory(Role.RELEASE_MANAGER, email="rm@acme.test")
    member_factory(Role.ENGINEER, email="dev@acme.test")
    now = WEDNESDAY
    assert run(services.digest_send, now=now) == 2
    assert run(services.digest_send, now=now + timedelta(minutes=30)) == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["owner@acme.test", "rm@acme.test"]
    assert len(chat_server.received) == 1, "one post per value stream and week"
    with in_org(org_a):
        assert DigestSent.objects.count() == 2
    assert run(services.digest_send, now=now + timedelta(days=7)) == 2, "a new week, a new digest"


@pytest.fixture
def digest_any_hour(monkeypatch):
    """Tests that send the digest at the real time, whatever the day: on a Monday before the
    digest hour it would (rightly) wait, which test_the_digest_waits_for_monday_morning covers."""
    monkeypatch.setattr(services, "DIGEST_HOUR", 0)


def test_the_digest_tells_the_trend_the_goals_missed_and_the_open_incidents(org_a, in_org, history, run,
                                                                           digest_any_hour):
    MetricGoalFactory(organization=org_a, metric="change_failure_rate", comparison="at_most", target=0.1)
    history.incident(history.deployments[0], resolved_after_hours=None, number="INC-7", title="Checkout down",
                     severity=1)
    history.derive()
    run(services.digest_send)
    with in_org(org_a):
        notification = Notification.objects.get(kind=NotificationKind.WEEKLY_DIGEST)
    assert notification.title.startswith("Weekly digest of Payments stream, ")
    body = notification.body
    assert "- Deployment frequency: " in body and "- Change failure rate: 25.0 %" in body
    assert "Goals missed:\n- Change failure rate: 25.0 %, the goal is at most 10.0 %" in body
    assert "Open incidents:\n- INC-7 Checkout down (Sev 1, Payments Api, open since" in body
    assert notification.url == "/o/acme/analytics/value-streams/payments/"


def test_the_digest_waits_for_monday_morning(org_a, in_org, history, run):
    monday_early = datetime(2026, 11, 30, 5, tzinfo=org_a.tzinfo)
    assert run(services.digest_send, now=monday_early) == 0
    assert run(services.digest_send, now=monday_early + timedelta(hours=3)) == 1


def test_beat_queues_each_organization_with_work(org_a, org_b, in_org, history, mailoutbox,
                                                 django_capture_on_commit_callbacks, digest_any_hour):
    MetricGoalFactory(organization=org_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert goals_check_all() == 1
        assert digests_weekly() == 1
    assert len(_told(org_a, in_org, NotificationKind.WEEKLY_DIGEST)) == 1
