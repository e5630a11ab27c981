"""A read-only iCalendar feed of the organization's releases, phases and freeze windows, for
Outlook and Google Calendar. The same credential scheme as environments.feeds: an HMAC of the
organization and the kind of feed in the URL, nothing stored (rotate SECRET_KEY to revoke)."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views import View
from icalendar import Calendar, Event

from environments.feeds import make_feed_token
from releases.selectors import freeze_occurrences, release_calendar
from vsm.tenancy.context import request_context
from vsm.tenancy.selectors import organization_get

PAST = timedelta(days=31)
FUTURE = timedelta(days=366)
KIND = "releases"


def _event(uid: str, stamp, start, end, summary: str, description: str = "", status: str = "CONFIRMED") -> Event:
    event = Event()
    event.add("uid", f"{uid}@sluice")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("status", status)
    return event


class ReleaseFeedView(View):
    """No sign-in: the organization comes from the URL and the secret in it is checked in its
    tenant context. Any mismatch answers 404, exactly like a missing feed."""

    # Read by the isolation walker: anonymous visitors get 404 here, not a login redirect.
    public_with_secret = True

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise Http404

    def get(self, request, org_slug: str, feed_token: str):
        org = organization_get(slug=org_slug)
        if org is None or not hmac.compare_digest(feed_token, make_feed_token(kind=KIND, org_id=org.pk,
                                                                               object_id=org.pk)):
            raise Http404
        with request_context(org):
            now = timezone.now()
            return self.render(org, start=now - PAST, end=now + FUTURE)

    def render(self, org, *, start, end) -> HttpResponse:
        calendar = Calendar()
        calendar.add("prodid", "-//Sluice//Releases//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", f"{org.name} releases")
        stamp = timezone.now()
        for release in release_calendar(start=start, end=end):
            status = "TENTATIVE" if release.status in ("draft", "planned") else "CONFIRMED"
            calendar.add_component(_event(f"release-{release.pk}", stamp, release.planned_start, release.planned_end,
                                          f"Release {release}", f"{release.get_kind_display()}, "
                                          f"{release.get_status_display().lower()}", status))
            for phase in release.phases.all():
                where = f" in {phase.environment.name}" if phase.environment_id else ""
                calendar.add_component(_event(f"phase-{phase.pk}", stamp, phase.planned_start, phase.planned_end,
                                              f"{release}: {phase.name}{where}", status=status))
        for occurrence in freeze_occurrences(start=start, end=end, everywhere=True):
            window = occurrence.window
            calendar.add_component(_event(f"freeze-{window.pk}-{occurrence.start:%Y%m%dT%H%M%S}", stamp,
                                          occurrence.start, occurrence.end, f"Freeze: {window.name}", window.reason))
        response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=300"
        return response
