"""Finding environments: the list, an environment's page, the booking calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.shortcuts import render
from django.utils import timezone

from environments import selectors
from environments.feeds import feed_path
from environments.filters import CalendarFilter, EnvironmentFilter
from environments.views.base import EnvPage, page_of
from vsm.tenancy.pages import filter_page


class EnvironmentListView(EnvPage):
    def get(self, request):
        filters = EnvironmentFilter(request.GET, queryset=selectors.environment_list())
        environments, status = filter_page(filters)
        page = page_of(request, environments)
        availability = selectors.environment_availability(environments=list(page.object_list))
        return render(request, "environments/list.html", {
            "form": filters.form, "filtered": bool(request.GET), "page_obj": page,
            "rows": [(env, availability[env.pk]) for env in page],
        }, status=status)


class EnvironmentDetailView(EnvPage):
    def get(self, request, env_slug: str):
        env = self.environment(env_slug)
        upcoming, history = selectors.environment_bookings(environment=env)
        return render(request, "environments/detail.html", {
            "env": env, "upcoming": upcoming, "history": history,
            "availability": selectors.environment_availability(environments=[env])[env.pk],
            "outages": selectors.outage_list().filter(environment=env, period__endswith__gt=timezone.now())[:20],
            "leases": selectors.lease_list(environment=env, active_only=True)[:20],
            "can_manage": selectors.is_environment_manager(actor=self.actor, environment=env),
            "feed_url": request.build_absolute_uri(feed_path(org_slug=self.org.slug, environment=env)),
        })


# --- calendar -------------------------------------------------------------------------------

def _window(view: str, day: date, zone) -> tuple[datetime, datetime, list[tuple[str, bool]]]:
    """The shown period, in the viewer's zone, and the labels of its columns (label, is_today)."""
    today = timezone.localdate()
    if view == "day":
        first, last = day, day + timedelta(days=1)
        start = datetime.combine(first, time.min, tzinfo=zone)
        return start, datetime.combine(last, time.min, tzinfo=zone), [(f"{h:02d}", False) for h in range(24)]
    if view == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        # Seven days from the day asked for (today unless chosen): what is booked next is in view,
        # even on a Sunday, when the calendar week would be nearly over.
        first, last = day, day + timedelta(days=7)
    days = [first + timedelta(days=n) for n in range((last - first).days)]
    labels = [(d.strftime("%a %d") if view == "week" else d.strftime("%d"), d == today) for d in days]
    return datetime.combine(first, time.min, tzinfo=zone), datetime.combine(last, time.min, tzinfo=zone), labels


def _placed(items, start: datetime, end: datetime) -> list[dict]:
    """Each item's position on the track, in percent of the window (clipped to it)."""
    span = (end - start).total_seconds()
    placed = []
    for item in items:
        lower, upper = max(item.start, start), min(item.end, end)
        placed.append({"item": item, "left": round((lower - start).total_seconds() / span * 100, 3),
                       "width": max(round((upper - lower).total_seconds() / span * 100, 3), 0.4)})
    return placed


class CalendarView(EnvPage):
    STEP = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=31)}
    # What a drag on the timeline snaps to: about one column's width split into a few steps.
    DRAG_STEP_MINUTES = {"day": 15, "week": 60, "month": 24 * 60}

    def get(self, request):
        filters = CalendarFilter(request.GET, queryset=selectors.environment_list())
        environments, status = filter_page(filters)
        form = filters.form
        data = form.cleaned_data if status == 200 else {}
        view = data.get("view") or "week"
        day = data.get("date") or timezone.localdate()
        zone = timezone.get_current_timezone()
        start, end, columns = _window(view, day, zone)
        page = page_of(request, environments, size=20)
        envs = list(page.object_list)
        bookings, outages = selectors.calendar_entries(environments=envs, start=start, end=end)
        rows = [{"env": env, "bookings": _placed(bookings[env.pk], start, end),
                 "outages": _placed(outages[env.pk], start, end)} for env in envs]
        step = self.STEP[view]
        previous_day = (start - timedelta(days=1)).date() if view == "month" else day - step
        return render(request, "environments/calendar.html", {
            "form": form, "view": view, "day": day, "start": start, "last": end - timedelta(seconds=1),
            "columns": columns, "rows": rows, "step_minutes": self.DRAG_STEP_MINUTES[view],
            "start_ms": int(start.timestamp() * 1000), "end_ms": int(end.timestamp() * 1000),
            "zone_key": getattr(zone, "key", "UTC"),
            "page_obj": page,
            "previous_day": previous_day, "next_day": end.date() if view == "month" else day + step,
            "views": CalendarFilter.VIEWS,
        }, status=status)
