"""Booking without friction, server-side: shortening (service, API, page), the teams and releases
the booking form offers, conflict links that keep what was typed, errors on the row they concern,
and what a waiting request collides with on the approver's queue."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from environments import services
from environments.models import Booking
from releases.rules import phase_environment_booked
from tests.environments.factories import BookingFactory, EnvironmentFactory, LeaseFactory, OutageFactory
from tests.environments.support import at, local, text
from tests.factories import TeamFactory, TeamMemberFactory
from tests.releases.factories import PhaseFactory, ReleaseFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

PAGES = "/o/acme/environments"
API = "/api/v1/orgs/acme"


# --- shortening ------------------------------------------------------------------------------

def test_shortening_frees_the_time_after_and_ends_leases_with_the_booking(in_org, org_a, env, member_factory):
    me = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER, email="eve@acme.test"))
    other = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER))
    with in_org(org_a):
        current = BookingFactory(organization=org_a, environment=env, requested_by=me.user,
                                 start=timezone.now() - timedelta(hours=1), hours=4)
        lease = LeaseFactory(organization=org_a, environment=env, booking=current,
                             expires_at=current.end - timedelta(minutes=5))
        new_end = timezone.now() + timedelta(hours=1)
        services.booking_shorten(actor=me, booking=current, end=new_end)
        current.refresh_from_db()
        lease.refresh_from_db()
        assert current.end == new_end and lease.expires_at == new_end
        event = AuditEvent.objects.get(action="booking.shortened", object_id=str(current.pk))
        assert event.before["period"] != event.after["period"]
        # The time given back can be booked by someone else at once.
        (theirs,) = services.booking_request(actor=other, environment=env, start=new_end,
                                             end=new_end + timedelta(hours=1), purpose="after")
        assert theirs.status == Booking.Status.APPROVED


@pytest.mark.parametrize(("end", "error", "message"), [
    (lambda b: b.end + timedelta(hours=1), InvalidInput, "before the current end"),
    (lambda b: b.end, InvalidInput, "before the current end"),
    (lambda b: b.start, InvalidInput, "after the start"),
    (lambda b: b.start - timedelta(hours=1), InvalidInput, "after the start"),
])
def test_shortening_keeps_the_end_between_the_start_and_the_current_end(in_org, org_a, env, member_factory,
                                                                         end, error, message):
    me = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER))
    with in_org(org_a):
        booking = BookingFactory(organization=org_a, environment=env, requested_by=me.user, start=at(9), hours=3)
        with pytest.raises(error, match=message):
            services.booking_shorten(actor=me, booking=booking, end=end(booking))
        booking.refresh_from_db()
    assert booking.end == at(12)


def test_shortening_refuses_past_ends_finished_bookings_and_strangers(in_org, org_a, env, member_factory):
    me = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER))
    stranger = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER))
    with in_org(org_a):
        running = BookingFactory(organization=org_a, environment=env, requested_by=me.user,
                                 start=timezone.now() - timedelta(hours=2), hours=4)
        with pytest.raises(InvalidInput, match="release the booking"):
            services.booking_shorten(actor=me, booking=running, end=timezone.now() - timedelta(minutes=30))
        with pytest.raises(PermissionRefused):
            services.booking_shorten(actor=stranger, booking=running, end=timezone.now() + timedelta(hours=1))
        cancelled = BookingFactory(organization=org_a, environment=env, requested_by=me.user, start=at(20),
                                   status=Booking.Status.CANCELLED)
        with pytest.raises(Conflict):
            services.booking_shorten(actor=me, booking=cancelled, end=at(21))


def test_the_api_shortens_and_names_the_field_when_refused(org_a, env, api_as):
    me = api_as(Role.ENGINEER)
    booking = BookingFactory(organization=org_a, environment=env, requested_by=me.user, start=at(9), hours=3)
    response = me.post(f"{API}/bookings/{booking.pk}/shorten/", {"end": at(10).isoformat()}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["end"].startswith(at(10).isoformat()[:19])
    refused = me.post(f"{API}/bookings/{booking.pk}/shorten/", {"end": at(11).isoformat()}, format="json")
    assert refused.status_code == 400 and "end" in refused.json()["error"]["fields"]
    naive = me.post(f"{API}/bookings/{booking.pk}/shorten/", {"end": "2030-01-01T10:00"}, format="json")
    assert naive.status_code == 400 and "end" in naive.json()["error"]["fields"]


def test_the_schema_documents_shortening(client):
    schema = client.get("/api/schema/?format=json").json()
    shorten = schema["paths"]["/api/v1/orgs/{org_slug}/bookings/{id}/shorten/"]["post"]
    assert {"200", "400", "409"} <= set(shorten["responses"])
    body = shorten["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][body]["required"] == ["end"]


def test_the_page_changes_the_end_either_way_and_extends_by_an_hour(org_a, env, login):
    client = login(Role.ENGINEER)
    booking = BookingFactory(organization=org_a, environment=env, requested_by=client.user, start=at(9), hours=3)
    url = f"{PAGES}/bookings/{booking.pk}/"
    assert client.post(url, {"action": "change", "end": local(at(11))}).status_code == 302
    assert client.post(url, {"action": "change", "end": local(at(13))}).status_code == 302
    body = text(client.get(f"{PAGES}/bookings/mine/"))
    assert f'name="end" value="{local(at(14))}"' in body  # the "+1 h" button's end
    assert client.post(url, {"action": "extend", "end": local(at(14))}).status_code == 302
    with tenant_context(org_a):
        booking.refresh_from_db()
        assert booking.end == at(14)
        assert list(AuditEvent.objects.filter(object_id=str(booking.pk)).order_by("id").values_list(
            "action", flat=True)) == ["booking.shortened", "booking.extended", "booking.extended"]
    same = client.post(url, {"action": "change", "end": local(at(14))})
    assert same.status_code == 400 and "That is the current end" in text(same)


# --- errors on the row --------------------------------------------------------------------------

def test_a_refused_change_shows_on_the_row_it_concerns(org_a, env, login):
    client = login(Role.ENGINEER)
    team = TeamFactory(organization=org_a, name="Payments")
    first = BookingFactory(organization=org_a, environment=env, requested_by=client.user, start=at(6))
    mine = BookingFactory(organization=org_a, environment=env, requested_by=client.user, start=at(9), hours=2)
    BookingFactory(organization=org_a, environment=env, team=team, start=at(12), hours=2)
    response = client.post(f"{PAGES}/bookings/{mine.pk}/", {"action": "change", "end": local(at(13))})
    assert response.status_code == 409
    body = text(response)
    row = re.search(rf'<tr data-booking="{mine.pk}".*?</tr>', body).group(0)
    assert 'data-testid="action-error"' in row and "Payments" in row
    other_row = re.search(rf'<tr data-booking="{first.pk}".*?</tr>', body).group(0)
    assert "action-error" not in other_row
    assert body.count('data-testid="action-error"') == 1
    # The forms post to the row's anchor, so the browser comes back to the row with the answer.
    assert f'action="{PAGES}/bookings/{mine.pk}/#booking-{mine.pk}"' in body and f'id="booking-{mine.pk}"' in body


# --- the form's teams and releases -----------------------------------------------------------

def test_the_team_list_holds_the_persons_teams_and_all_for_environment_managers(org_a, env, login, client):
    mine = TeamFactory(organization=org_a, name="Checkout", slug="checkout")
    TeamFactory(organization=org_a, name="Payments", slug="payments")
    dev = login(Role.ENGINEER)
    TeamMemberFactory(organization=org_a, team=mine, user=dev.user)
    body = text(dev.get(f"{PAGES}/book/"))
    team_select = re.search(r'<select name="team".*?</select>', body).group(0)
    assert '<option value="checkout" selected>Checkout</option>' in team_select  # the only team, chosen
    assert "Payments" not in team_select
    refused = dev.post(f"{PAGES}/book/", {"environment": "sit-1", "start": local(at(9)), "end": local(at(10)),
                                          "purpose": "x", "kind": "code", "team": "payments"})
    assert refused.status_code == 400 and "Select a valid choice" in text(refused)

    manager = login(Role.ENVIRONMENT_MANAGER)
    team_select = re.search(r'<select name="team".*?</select>', text(manager.get(f"{PAGES}/book/"))).group(0)
    assert "Checkout" in team_select and "Payments" in team_select


def test_the_release_is_chosen_from_open_releases_and_the_gate_finds_the_booking(org_a, env, login):
    with tenant_context(org_a):
        env.requires_booking = True
        env.save()
    release = ReleaseFactory(organization=org_a, name="Payments", version="2.5.0")
    ReleaseFactory(organization=org_a, name="Ledger", version="1.0.0", status="released")
    phase = PhaseFactory(organization=org_a, release=release, environment=env, planned_start=at(8),
                         planned_end=at(12))
    client = login(Role.ENGINEER)
    body = text(client.get(f"{PAGES}/book/"))
    release_select = re.search(r'<select name="release_ref".*?</select>', body).group(0)
    assert 'value="Payments 2.5.0"' in release_select and "Ledger" not in release_select
    assert client.post(f"{PAGES}/book/", {"environment": "sit-1", "start": local(at(9)), "end": local(at(11)),
                                          "purpose": "SIT", "kind": "code", "release_ref": "Nope 9"}).status_code == 400
    response = client.post(f"{PAGES}/book/", {"environment": "sit-1", "start": local(at(9)), "end": local(at(11)),
                                              "purpose": "SIT", "kind": "code", "release_ref": "Payments 2.5.0"})
    assert response.status_code == 302
    with tenant_context(org_a):
        assert Booking.objects.get().release_ref == "Payments 2.5.0"
        gate = type("Gate", (), {"context": {"phase_id": phase.pk}})()
        assert phase_environment_booked(gate, None, {}).met


# --- conflict links keep what was typed -------------------------------------------------------

def test_use_this_slot_and_free_instead_carry_everything_typed(org_a, env, login):
    team = TeamFactory(organization=org_a, name="Checkout", slug="checkout")
    EnvironmentFactory(organization=org_a, name="SIT 2", slug="sit-2", tier="integration")
    BookingFactory(organization=org_a, environment=env, team=team, start=at(9), hours=2)
    client = login(Role.ENGINEER)
    TeamMemberFactory(organization=org_a, team=team, user=client.user)
    typed = {"environment": "sit-1", "start": local(at(10)), "end": local(at(12)), "purpose": "Checkout regression",
             "kind": "regression", "team": "checkout"}
    for response in (client.get(f"{PAGES}/book/check/", typed), client.post(f"{PAGES}/book/", typed)):
        body = response.content.decode()
        slot = re.search(r'data-testid="use-slot" href="([^"]+)"', body).group(1).replace("&amp;", "&")
        alternative = re.search(r'data-testid="alternative">Free instead: <a href="([^"]+)"', body).group(1)
        slot_query = parse_qs(urlsplit(slot).query)
        assert slot_query["purpose"] == ["Checkout regression"] and slot_query["team"] == ["checkout"]
        assert slot_query["kind"] == ["regression"] and slot_query["environment"] == ["sit-1"]
        assert slot_query["start"] == [local(at(11))] and slot_query["end"] == [local(at(13))]
        alt_query = parse_qs(urlsplit(alternative.replace("&amp;", "&")).query)
        assert alt_query["environment"] == ["sit-2"] and alt_query["start"] == [local(at(10))]
        assert alt_query["purpose"] == ["Checkout regression"] and alt_query["team"] == ["checkout"]
    # Following the link shows the form with those values.
    form = text(client.get(slot))
    assert 'value="Checkout regression"' in form and f'value="{local(at(11))}"' in form
    assert '<option value="regression" selected>' in form and '<option value="checkout" selected>' in form


# --- the approver's queue ---------------------------------------------------------------------

def test_the_queue_row_says_what_the_request_collides_with(org_a, env, login, member_factory):
    with tenant_context(org_a):
        env.requires_approval = True
        env.save()
    team = TeamFactory(organization=org_a, name="Payments")
    rick = member_factory(Role.ENGINEER, email="rick@acme.test")
    ann = member_factory(Role.ENGINEER, email="ann@acme.test")
    BookingFactory(organization=org_a, environment=env, team=team, start=at(9), hours=2)
    OutageFactory(organization=org_a, environment=env, start=at(20), reason="Disk swap")
    clashing = BookingFactory(organization=org_a, environment=env, requested_by=rick, start=at(10),
                              status="requested", purpose="UAT sign-off")
    rival = BookingFactory(organization=org_a, environment=env, requested_by=ann, start=at(15), hours=2,
                           status="requested", purpose="Perf run")
    rival_two = BookingFactory(organization=org_a, environment=env, requested_by=rick, start=at(16), hours=2,
                               status="requested", purpose="Soak")
    free = BookingFactory(organization=org_a, environment=env, requested_by=rick, start=at(30),
                          status="requested", purpose="Smoke")
    blocked = BookingFactory(organization=org_a, environment=env, requested_by=rick, start=at(20),
                             status="requested", purpose="Patch test")
    body = text(login(Role.APPROVER).get(f"{PAGES}/approvals/"))

    def row(booking):
        return re.search(rf'<tr data-booking="{booking.pk}".*?</tr>', body).group(0)

    assert 'data-testid="queue-collision"' in row(clashing) and "booked by Payments" in row(clashing)
    assert "also requested by ann@acme.test" in row(rival_two) and "also requested by rick@acme.test" in row(rival)
    assert "Disk swap" in row(blocked)
    assert 'data-testid="queue-free"' in row(free) and "queue-collision" not in row(free)
