"""The self-service pages, server-rendered: lists, the calendar, booking with its htmx check,
my bookings, the approval queue, outages and provisioning."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from environments.models import Booking, Outage, ProvisioningRequest
from tests.environments.factories import (
    BookingFactory,
    DeploymentApprovalRequestFactory,
    EnvironmentFactory,
    EnvironmentGroupFactory,
    OutageFactory,
    ProvisioningRequestFactory,
)
from tests.environments.support import BERLIN, at, local, text
from tests.factories import TeamFactory, TeamMemberFactory, ValueStreamFactory
from vsm.audit.models import AuditEvent
from vsm.moments import moment_text
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Membership
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

PAGES = "/o/acme/environments"


# --- lists and calendar ----------------------------------------------------------------------

def test_the_list_shows_who_holds_each_environment_and_when_it_is_free(org_a, env, client_a):
    team = TeamFactory(organization=org_a, name="Checkout")
    now = timezone.now()
    BookingFactory(organization=org_a, environment=env, team=team, start=now - timedelta(hours=1), hours=3)
    free = EnvironmentFactory(organization=org_a, name="UAT 1", tier="uat")
    body = text(client_a.get(f"{PAGES}/"))
    row = re.search(r"SIT 1.*?</tr>", body).group(0)
    assert "Checkout" in row and "until" in row and "free now" not in row
    assert "free now" in re.search(r"UAT 1.*?</tr>", body).group(0)
    assert free.name in body and "CANARY-B" not in body


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("tier=uat", ["UAT 1"], ["SIT 1", "Perf"]),
    ("group=stack", ["SIT 1"], ["UAT 1", "Perf"]),
    ("value_stream=payments", ["Perf"], ["SIT 1", "UAT 1"]),
    ("value_stream=shared", ["SIT 1", "UAT 1"], ["Perf"]),
])
def test_list_filters(org_a, env, client_a, query, shown, hidden):
    env.group = EnvironmentGroupFactory(organization=org_a, slug="stack")
    with tenant_context(org_a):
        env.save()
    EnvironmentFactory(organization=org_a, name="UAT 1", tier="uat")
    EnvironmentFactory(organization=org_a, name="Perf", tier="performance",
                       value_stream=ValueStreamFactory(organization=org_a, slug="payments"))
    body = text(client_a.get(f"{PAGES}/?{query}"))
    assert all(f">{name}<" in body for name in shown)
    assert not any(f">{name}<" in body for name in hidden)


def test_a_bad_filter_answers_400(env, client_a):
    assert client_a.get(f"{PAGES}/?tier=moon").status_code == 400
    assert client_a.get(f"{PAGES}/calendar/?view=year").status_code == 400
    assert client_a.get(f"{PAGES}/calendar/?date=someday").status_code == 400
    assert client_a.get(f"{PAGES}/calendar/?view=month&date=9999-12-31").status_code == 400


def test_list_page_queries_do_not_grow_with_environments(org_a, client_a, django_assert_max_num_queries):
    team = TeamFactory(organization=org_a)
    for _ in range(20):
        env = EnvironmentFactory(organization=org_a, group=EnvironmentGroupFactory(organization=org_a))
        BookingFactory(organization=org_a, environment=env, team=team, start=timezone.now() - timedelta(hours=1))
        OutageFactory(organization=org_a, environment=env)
    with django_assert_max_num_queries(16):
        assert client_a.get(f"{PAGES}/").status_code == 200


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_the_calendar_places_bookings_in_the_viewers_zone(berlin, env, client_a, view,
                                                          django_assert_max_num_queries):
    BookingFactory(organization=berlin, environment=env, start=at(9), hours=2, purpose="Load test")
    BookingFactory(organization=berlin, environment=env, start=at(14), hours=1, purpose="Pending one",
                   status="requested")
    OutageFactory(organization=berlin, environment=env, start=at(20), hours=1, reason="Patching")
    day = at(9).astimezone(BERLIN).date().isoformat()
    with django_assert_max_num_queries(16):
        response = client_a.get(f"{PAGES}/calendar/?view={view}&date={day}")
    body = text(response)
    assert response.status_code == 200
    assert "Load test" in body and "Pending one" in body and "Patching" in body
    if view == "day":  # 09:00 UTC is 10:00 or 11:00 in Berlin: 10/24 or 11/24 of the day
        assert re.search(r'calendar-booking" href="[^"]+" style="left: (41\.667|45\.833)0?%', body), body


def test_calendar_queries_do_not_grow_with_bookings(org_a, client_a, django_assert_max_num_queries):
    for _ in range(15):
        env = EnvironmentFactory(organization=org_a)
        for day in range(5):
            BookingFactory(organization=org_a, environment=env, start=at(24 * day), team=TeamFactory(
                organization=org_a))
    with django_assert_max_num_queries(16):
        assert client_a.get(f"{PAGES}/calendar/?view=week").status_code == 200


def test_the_detail_page_shows_upcoming_history_outages_and_the_feed(org_a, env, client_a):
    BookingFactory(organization=org_a, environment=env, start=at(9), purpose="Upcoming run")
    BookingFactory(organization=org_a, environment=env, start=timezone.now() - timedelta(days=3), purpose="Old run")
    OutageFactory(organization=org_a, environment=env, reason="Kernel patch")
    body = text(client_a.get(f"{PAGES}/sit-1/"))
    upcoming, history = body.split("<h2>History</h2>")
    assert "Upcoming run" in upcoming and "Old run" in history and "Kernel patch" in body
    assert re.search(r"/o/acme/environments/feeds/environment/sit-1/[0-9a-f]{40}\.ics", body)


def test_another_orgs_environment_is_404(org_a, org_b, client_a):
    EnvironmentFactory(organization=org_b, slug="only-b")
    assert client_a.get(f"{PAGES}/only-b/").status_code == 404


# --- booking ---------------------------------------------------------------------------------

def test_booking_from_the_page_reads_times_in_the_viewers_zone(berlin, env, login):
    client = login(Role.ENGINEER)
    response = client.post(f"{PAGES}/book/", {"environment": "sit-1", "start": local(at(9)), "end": local(at(11)),
                                              "purpose": "Regression", "kind": "regression"})
    assert response.status_code == 302 and response["Location"] == f"{PAGES}/bookings/mine/"
    with tenant_context(berlin):
        booking = Booking.objects.get()
    assert (booking.start, booking.end, booking.status) == (at(9), at(11), "approved")
    assert "Booked SIT 1" in text(client.get(f"{PAGES}/bookings/mine/"))


def test_a_conflict_on_submit_shows_the_form_with_the_conflict_and_a_free_slot(org_a, env, login):
    team = TeamFactory(organization=org_a, name="Checkout")
    BookingFactory(organization=org_a, environment=env, team=team, start=at(9), hours=2)
    client = login(Role.ENGINEER)
    response = client.post(f"{PAGES}/book/", {"environment": "sit-1", "start": local(at(10)),
                                              "end": local(at(12)), "purpose": "x", "kind": "code"})
    body = text(response)
    assert response.status_code == 409
    assert "Not free" in body and "Checkout" in body and 'data-testid="next-free-slot"' in body
    assert 'value="x"' in body  # the form keeps what was typed


@pytest.mark.parametrize(("change", "message"), [
    ({"end": "yesterday"}, "Enter a valid date/time"),
    ({"environment": ""}, "Choose an environment or a group"),
    ({"purpose": ""}, "This field is required"),
    ({"rrule": "FREQ=WHENEVER"}, "Not a valid RFC 5545"),
])
def test_bad_booking_form_input_answers_400_with_the_error(env, login, change, message):
    client = login(Role.ENGINEER)
    data = {"environment": "sit-1", "start": local(at(9)), "end": local(at(10)), "purpose": "x", "kind": "code",
            **change}
    response = client.post(f"{PAGES}/book/", data)
    assert response.status_code == 400 and message in text(response)


def test_a_viewer_cannot_book(env, login):
    client = login(Role.VIEWER)
    response = client.post(f"{PAGES}/book/", {"environment": "sit-1", "start": local(at(9)),
                                              "end": local(at(10)), "purpose": "x", "kind": "code"})
    assert response.status_code == 403


@pytest.mark.parametrize(("start", "end", "expected"), [
    (9, 10, 'data-testid="conflict"'),
    (11, 12, 'data-testid="free"'),  # starts when the other ends
])
def test_the_htmx_check_shows_conflicts_before_submitting(org_a, env, login, start, end, expected):
    BookingFactory(organization=org_a, environment=env, start=at(8), hours=3)
    client = login(Role.ENGINEER)
    response = client.get(f"{PAGES}/book/check/", {"environment": "sit-1", "start": local(at(start)),
                                                   "end": local(at(end))}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and expected in response.content.decode()
    assert "<html" not in response.content.decode()  # a fragment, not a page


def test_the_check_explains_incomplete_input_without_failing(env, login):
    client = login(Role.ENGINEER)
    body = client.get(f"{PAGES}/book/check/", {"environment": "sit-1", "start": local(at(9)),
                                               "end": local(at(8))}).content.decode()
    assert "The end must be after the start" in body
    assert "Pick an environment" in client.get(f"{PAGES}/book/check/").content.decode()


# --- my bookings -----------------------------------------------------------------------------

def test_my_bookings_extend_cancel_and_release(org_a, env, login):
    client = login(Role.ENGINEER)
    now = timezone.now()
    current = BookingFactory(organization=org_a, environment=env, requested_by=client.user,
                             start=now - timedelta(hours=1), hours=2)
    later = BookingFactory(organization=org_a, environment=env, requested_by=client.user, start=at(9))
    body = text(client.get(f"{PAGES}/bookings/mine/"))
    assert "Release now" in body and "data-confirm=" in body  # asked by static/js/sluice.js
    url = f"{PAGES}/bookings/{{}}/"
    assert client.post(url.format(later.pk), {"action": "extend", "end": local(at(14))}).status_code == 302
    assert client.post(url.format(current.pk), {"action": "release"}).status_code == 302
    assert client.post(url.format(later.pk), {"action": "cancel"}).status_code == 302
    with tenant_context(org_a):
        current.refresh_from_db()
        later.refresh_from_db()
    assert (current.status, later.status, later.end) == ("released", "cancelled", at(14))


@pytest.mark.parametrize(("data", "status"), [
    ({"action": "explode"}, 400),
    ({"action": "extend"}, 400),
    ({"action": "extend", "end": "tomorrow"}, 400),
])
def test_bad_booking_actions_re_render_my_bookings(org_a, env, login, data, status):
    client = login(Role.ENGINEER)
    booking = BookingFactory(organization=org_a, environment=env, requested_by=client.user, start=at(9))
    response = client.post(f"{PAGES}/bookings/{booking.pk}/", data)
    assert response.status_code == status and 'data-testid="action-error"' in response.content.decode()


def test_extending_into_someone_elses_booking_is_409_with_the_reason(org_a, env, login):
    client = login(Role.ENGINEER)
    mine = BookingFactory(organization=org_a, environment=env, requested_by=client.user, start=at(9))
    BookingFactory(organization=org_a, environment=env, start=at(12))
    response = client.post(f"{PAGES}/bookings/{mine.pk}/", {"action": "extend", "end": local(at(13))})
    assert response.status_code == 409 and "already booked" in text(response)


def test_someone_elses_booking_cannot_be_cancelled(org_a, env, login):
    booking = BookingFactory(organization=org_a, environment=env, start=at(9))
    response = login(Role.ENGINEER).post(f"{PAGES}/bookings/{booking.pk}/", {"action": "cancel"})
    assert response.status_code == 403


def test_my_bookings_page_queries_stay_flat(org_a, env, login, django_assert_max_num_queries):
    client = login(Role.ENGINEER)
    team = TeamFactory(organization=org_a)
    TeamMemberFactory(organization=org_a, team=team, user=client.user)
    for i in range(20):
        BookingFactory(organization=org_a, environment=env, team=team, start=at(3 * i))
        BookingFactory(organization=org_a, environment=env, requested_by=client.user,
                       start=timezone.now() - timedelta(days=10 + i))
    with django_assert_max_num_queries(16):
        body = text(client.get(f"{PAGES}/bookings/mine/"))
    assert body.count("data-booking=") == 20


# --- approvals -------------------------------------------------------------------------------

@pytest.fixture
def waiting(org_a, env, member_factory):
    requester = member_factory(Role.ENGINEER, email="rick@acme.test")
    env.requires_approval = True
    with tenant_context(org_a):
        env.save()
    booking = BookingFactory(organization=org_a, environment=env, requested_by=requester, start=at(9),
                             status="requested", purpose="UAT sign-off")
    deployment = DeploymentApprovalRequestFactory(organization=org_a, environment=env, requested_by=requester,
                                                  version="3.1.4")
    return booking, deployment


def test_the_queue_shows_what_awaits_the_viewer_and_approves(org_a, waiting, login):
    booking, deployment = waiting
    client = login(Role.APPROVER)
    body = text(client.get(f"{PAGES}/approvals/"))
    assert "UAT sign-off" in body and "3.1.4" in body
    response = client.post(f"{PAGES}/approvals/bookings/{booking.pk}/", {"decision": "approve", "note": "ok"})
    assert response.status_code == 302
    response = client.post(f"{PAGES}/approvals/deployments/{deployment.pk}/", {"decision": "reject"})
    assert response.status_code == 302
    body = text(client.get(f"{PAGES}/approvals/"))
    assert "UAT sign-off" not in body and "3.1.4" not in body


def test_an_engineer_has_an_empty_queue_and_cannot_decide(waiting, login):
    booking, _ = waiting
    client = login(Role.ENGINEER)
    assert "UAT sign-off" not in text(client.get(f"{PAGES}/approvals/"))
    assert client.post(f"{PAGES}/approvals/bookings/{booking.pk}/", {"decision": "approve"}).status_code == 403


def test_the_requester_does_not_see_their_own_request_in_the_queue(org_a, waiting, client, org_b):
    booking, _ = waiting
    client.force_login(booking.requested_by)
    with tenant_context(org_a):
        Membership.objects.filter(user=booking.requested_by).update(role=Role.APPROVER)
    assert "UAT sign-off" not in text(client.get(f"{PAGES}/approvals/"))
    response = client.post(f"{PAGES}/approvals/bookings/{booking.pk}/", {"decision": "approve"})
    assert response.status_code == 403 and "your own" in text(response)


def test_a_bad_decision_is_400(waiting, login):
    booking, _ = waiting
    response = login(Role.APPROVER).post(f"{PAGES}/approvals/bookings/{booking.pk}/", {"decision": "maybe"})
    assert response.status_code == 400


def test_approval_queue_queries_stay_flat(org_a, env, login, django_assert_max_num_queries):
    for i in range(15):
        BookingFactory(organization=org_a, environment=env, start=at(2 * i), status="requested",
                       team=TeamFactory(organization=org_a))
        DeploymentApprovalRequestFactory(organization=org_a, environment=env)
    client = login(Role.APPROVER)
    with django_assert_max_num_queries(14):
        body = text(client.get(f"{PAGES}/approvals/"))
    assert body.count("data-booking=") == 15


# --- outages and provisioning ---------------------------------------------------------------

def test_managers_mark_outages_and_others_only_read(org_a, env, login):
    manager = login(Role.ENVIRONMENT_MANAGER)
    response = manager.post(f"{PAGES}/sit-1/outages/", {"kind": "maintenance", "start": local(at(8)),
                                                         "end": local(at(10)), "reason": "Upgrade"})
    assert response.status_code == 302
    with tenant_context(org_a):
        outage = Outage.objects.get()
    assert manager.post(f"{PAGES}/sit-1/outages/", {"kind": "maintenance", "start": local(at(10)),
                                                    "end": local(at(8)), "reason": "x"}).status_code == 400
    engineer = login(Role.ENGINEER)
    assert "Mark a window" not in text(engineer.get(f"{PAGES}/sit-1/outages/"))
    assert engineer.post(f"{PAGES}/sit-1/outages/", {"kind": "maintenance", "start": local(at(8)),
                                                     "end": local(at(10)), "reason": "x"}).status_code == 403
    assert engineer.post(f"{PAGES}/sit-1/outages/{outage.pk}/delete/").status_code == 403
    assert login(Role.ENVIRONMENT_MANAGER).post(f"{PAGES}/sit-1/outages/{outage.pk}/delete/").status_code == 302


def test_provisioning_request_and_steps(org_a, login):
    TeamFactory(organization=org_a, slug="checkout", name="Checkout")
    engineer = login(Role.ENGINEER)
    needed = (timezone.localdate() + timedelta(days=7)).isoformat()
    assert engineer.post(f"{PAGES}/provisioning/", {"team": "checkout", "tier": "performance",
                                                    "purpose": "soak tests", "needed_by": needed}).status_code == 302
    assert engineer.post(f"{PAGES}/provisioning/", {"team": "checkout", "tier": "performance",
                                                    "purpose": "", "needed_by": needed}).status_code == 400
    with tenant_context(org_a):
        item = ProvisioningRequest.objects.get()
    url = f"{PAGES}/provisioning/{item.pk}/"
    assert engineer.post(url, {"status": "provisioning"}).status_code == 403
    manager = login(Role.ENVIRONMENT_MANAGER)
    assert manager.post(url, {"status": "ready"}).status_code == 409
    assert manager.post(url, {"status": "provisioning"}).status_code == 302
    assert manager.post(url, {"status": "ready", "note": "perf-2"}).status_code == 302
    assert "soak tests" in text(manager.get(f"{PAGES}/provisioning/"))


def test_provisioning_page_queries_stay_flat(org_a, client_a, django_assert_max_num_queries):
    ProvisioningRequestFactory.create_batch(15, organization=org_a)
    with django_assert_max_num_queries(14):
        assert client_a.get(f"{PAGES}/provisioning/").status_code == 200


# --- times in the viewer's zone: a Berlin organization, a viewer in Los Angeles -----------------

LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def in_los_angeles(login):
    def as_role(role: str):
        client = login(role)
        client.user.time_zone = "America/Los_Angeles"
        client.user.save(update_fields=["time_zone"])
        return client
    return as_role


def typed_in_los_angeles(moment) -> str:
    return moment.astimezone(LOS_ANGELES).strftime("%Y-%m-%dT%H:%M")


def panel(response) -> str:
    return text(response).split('data-testid="conflict"', 1)[1].split("</div>", 1)[0]


def test_the_conflict_panel_says_when_in_the_viewers_zone(org_a, env, in_los_angeles):
    BookingFactory(organization=org_a, environment=env, team=TeamFactory(organization=org_a, name="Checkout"),
                   start=at(9), hours=2)
    client = in_los_angeles(Role.ENGINEER)
    response = client.post(f"{PAGES}/book/", {"environment": "sit-1", "start": typed_in_los_angeles(at(10)),
                                              "end": typed_in_los_angeles(at(12)), "purpose": "x", "kind": "code"})
    assert response.status_code == 409
    said = panel(response)
    assert (f"already booked by Checkout from {moment_text(at(9), zone=LOS_ANGELES)} to "
            f"{moment_text(at(11), zone=LOS_ANGELES)}") in said
    assert "+00:00" not in said and at(9).strftime("T%H:%M") not in said
    assert at(9).astimezone(BERLIN).strftime("%H:%M") not in said  # the organization's hour, not the viewer's


def test_the_extend_refusal_says_the_current_end_in_the_viewers_zone(org_a, env, in_los_angeles):
    client = in_los_angeles(Role.ENGINEER)
    booking = BookingFactory(organization=org_a, environment=env, requested_by=client.user, start=at(9), hours=2)
    response = client.post(f"{PAGES}/bookings/{booking.pk}/", {"action": "extend", "end": typed_in_los_angeles(at(10))})
    body = text(response)
    assert response.status_code == 400
    assert f"after the current end ({moment_text(at(11), zone=LOS_ANGELES)})" in body
    assert "+00:00" not in body


def test_a_bookings_audit_label_holds_no_time_and_survives_an_extend(org_a, env, in_los_angeles):
    client = in_los_angeles(Role.ENGINEER)
    booking = BookingFactory(organization=org_a, environment=env, requested_by=client.user, start=at(9), hours=2)
    with tenant_context(org_a):
        before = str(booking)
    assert client.post(f"{PAGES}/bookings/{booking.pk}/",
                       {"action": "extend", "end": typed_in_los_angeles(at(13))}).status_code == 302
    with tenant_context(org_a):
        booking.refresh_from_db()
        event = AuditEvent.objects.get(action="booking.extended")
        assert str(booking) == before == event.object_repr == f"booking {booking.pk} of SIT 1"


def test_a_repeating_booking_is_picked_and_previewed_without_saving(org_a, env, in_los_angeles):
    """No RRULE typed: weekly on two days, four times; "Preview" shows the next five starts in
    the viewer's zone (here four: the count) and books nothing."""
    client = in_los_angeles(Role.ENGINEER)
    start = at(9)
    data = {"environment": "sit-1", "start": typed_in_los_angeles(start), "end": typed_in_los_angeles(at(10)),
            "purpose": "nightly load test", "kind": "code", "repeat": "weekly", "interval": "1",
            "weekdays": ["MO", "TH"], "ends": "count", "count": "4", "preview": "1"}
    response = client.post(f"{PAGES}/book/", data)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="recurrence-preview"' in body
    preview = body.split('data-testid="recurrence-preview"', 1)[1].split("</ul>", 1)[0]
    assert preview.count("<li>") == 4 and "Repeats weekly on Monday and Thursday, 4 times." in body
    with tenant_context(org_a):
        assert not Booking.objects.exists()
    del data["preview"]
    assert client.post(f"{PAGES}/book/", data).status_code == 302
    with tenant_context(org_a):
        assert Booking.objects.count() == 4
