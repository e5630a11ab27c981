"""Read-only iCalendar feeds of an environment's or a team's bookings, for Outlook and Google
Calendar, which cannot sign in.

The credential is in the URL: an HMAC (SHA-256, keyed with SECRET_KEY) of the organization, the
kind of feed and the object's id. Nothing is stored, so a feed URL can be shown on every visit;
the price is that a leaked URL is revoked only by rotating SECRET_KEY (which revokes every feed).
These views are outside the sign-in of /o/<org>/ pages: they resolve the organization and run
inside its tenant context themselves, and any wrong part of the URL answers 404.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views import View
from icalendar import Calendar, Event

from environments.models import Booking, Environment, Outage
from environments.selectors import booking_list, environment_get, outage_list
from vsm.catalog.models import Team
from vsm.tenancy.context import request_context
from vsm.tenancy.selectors import organization_get

PAST = timedelta(days=31)
FUTURE = timedelta(days=366)


def make_feed_token(*, kind: str, org_id: int, object_id: int) -> str:
    return salted_hmac("sluice.environments.feed", f"{org_id}:{kind}:{object_id}", algorithm="sha256").hexdigest()[:40]


def feed_path(*, org_slug: str, environment: Environment | None = None, team: Team | None = None) -> str:
    if environment is not None:
        token = make_feed_token(kind="environment", org_id=environment.organization_id, object_id=environment.pk)
        return reverse("environments:environment_feed",
                       kwargs={"org_slug": org_slug, "env_slug": environment.slug, "feed_token": token})
    token = make_feed_token(kind="team", org_id=team.organization_id, object_id=team.pk)
    return reverse("environments:team_feed", kwargs={"org_slug": org_slug, "team_slug": team.slug,
                                                     "feed_token": token})


def _event(uid: str, stamp, row: Booking | Outage) -> Event:
    event = Event()
    event.add("uid", f"{uid}@sluice")
    event.add("dtstamp", stamp)
    event.add("dtstart", row.start)
    event.add("dtend", row.end)
    return event


def _booking_event(booking: Booking, stamp) -> Event:
    event = _event(f"booking-{booking.pk}", stamp, booking)
    holder = booking.team.name if booking.team_id else booking.requester_label
    event.add("summary", f"{booking.environment.name}: {holder}"
                         + (" (awaiting approval)" if booking.status == Booking.Status.REQUESTED else ""))
    event.add("description", f"{booking.get_kind_display()}: {booking.purpose}\nRequested by {booking.requester_label}")
    event.add("status", "TENTATIVE" if booking.status == Booking.Status.REQUESTED else "CONFIRMED")
    event.add("location", booking.environment.name)
    return event


def _outage_event(outage: Outage, stamp) -> Event:
    event = _event(f"outage-{outage.pk}", stamp, outage)
    event.add("summary", f"{outage.environment.name}: {outage.get_kind_display().lower()}")
    event.add("description", outage.reason)
    event.add("location", outage.environment.name)
    return event


def _calendar(name: str, bookings, outages=()) -> HttpResponse:
    calendar = Calendar()
    calendar.add("prodid", "-//Sluice//Environment bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for booking in bookings:
        calendar.add_component(_booking_event(booking, stamp))
    for outage in outages:
        calendar.add_component(_outage_event(outage, stamp))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


class _FeedView(View):
    """No sign-in: the organization comes from the URL and the secret in it is checked in its
    tenant context. Any mismatch answers 404, exactly like a missing feed."""

    # Read by the isolation walker: anonymous visitors get 404 here, not a login redirect.
    public_with_secret = True
    kind = ""

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Read-only, and no hint to strangers about which organizations exist.
        raise Http404

    def get(self, request, org_slug: str, feed_token: str, **kwargs):
        org = organization_get(slug=org_slug)
        if org is None:
            raise Http404
        with request_context(org):
            subject = self.subject(**kwargs)
            if subject is None or not hmac.compare_digest(
                    feed_token, make_feed_token(kind=self.kind, org_id=org.pk, object_id=subject.pk)):
                raise Http404
            now = timezone.now()
            return self.render(subject, start=now - PAST, end=now + FUTURE)

    def subject(self, **kwargs):
        raise NotImplementedError

    def render(self, subject, *, start, end) -> HttpResponse:
        raise NotImplementedError


_SHOWN = [Booking.Status.APPROVED, Booking.Status.REQUESTED]


class EnvironmentFeedView(_FeedView):
    kind = "environment"

    def subject(self, *, env_slug: str):
        return environment_get(slug=env_slug)

    def render(self, environment, *, start, end):
        bookings = booking_list().filter(environment=environment, period__overlap=(start, end), status__in=_SHOWN)
        outages = outage_list().filter(environment=environment, period__overlap=(start, end))
        return _calendar(f"{environment.name} bookings", bookings, outages)


class TeamFeedView(_FeedView):
    kind = "team"

    def subject(self, *, team_slug: str):
        return Team.objects.filter(slug=team_slug).first()

    def render(self, team, *, start, end):
        bookings = booking_list().filter(team=team, period__overlap=(start, end), status__in=_SHOWN)
        return _calendar(f"{team.name} environment bookings", bookings)
