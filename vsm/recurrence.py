"""Repeating things as people choose and read them: the picker of a form that asks for a
recurrence (freeze windows, release slot windows, repeating bookings), the RRULE it builds on
the server, the rule in words, and the next occurrences as a preview.

The picker offers daily; weekly on chosen days; monthly by date or by weekday; ending never, on a
date, or after a count. Anything else (RFC 5545 as typed) goes in the advanced field, which wins
when filled. The services keep taking an RRULE string; only forms and pages know the picker.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, tzinfo

from dateutil.rrule import rrulestr
from django import forms, template
from django.utils import timezone

from vsm.moments import moment_text

WEEKDAYS = [("MO", "Monday"), ("TU", "Tuesday"), ("WE", "Wednesday"), ("TH", "Thursday"), ("FR", "Friday"),
            ("SA", "Saturday"), ("SU", "Sunday")]
_DAY_NAMES = dict(WEEKDAYS)
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
REPEATS = [("", "Does not repeat"), ("daily", "Daily"), ("weekly", "Weekly, on the days chosen"),
           ("monthly_date", "Monthly, on the same date"), ("monthly_weekday", "Monthly, on the same weekday")]
ENDS = [("never", "Never"), ("until", "On a date"), ("count", "After a number of times")]
PREVIEW_COUNT = 5


def _parts(rule: str) -> dict[str, str]:
    parts = {}
    for item in rule.strip().removeprefix("RRULE:").split(";"):
        key, _, value = item.partition("=")
        if key:
            parts[key.strip().upper()] = value.strip()
    return parts


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _nth_weekday(value: str) -> tuple[int, str] | None:
    sign = -1 if value.startswith("-") else 1
    digits = value.lstrip("+-")[:-2]
    if not digits.isdigit() or value[-2:] not in _DAY_NAMES:
        return None
    return sign * int(digits), value[-2:]


def rule_words(rule: str | None) -> str:
    """An RRULE as a sentence ("every 2 weeks on Tuesday and Thursday, 10 times"); a rule the
    picker cannot build reads "repeats by a custom rule"."""
    if not rule:
        return "does not repeat"
    parts = _parts(rule)
    known = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}
    freq = parts.get("FREQ", "")
    units = {"DAILY": ("day", "daily"), "WEEKLY": ("week", "weekly"), "MONTHLY": ("month", "monthly")}
    if set(parts) - known or freq not in units:
        return "repeats by a custom rule"
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
    unit, adverb = units[freq]
    text = adverb if interval == 1 else f"every {interval} {unit}s"
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if freq == "WEEKLY" and days:
        if not all(d in _DAY_NAMES for d in days):
            return "repeats by a custom rule"
        text += " on " + _and([_DAY_NAMES[d] for d in days])
    elif freq == "MONTHLY" and parts.get("BYMONTHDAY"):
        text += f" on day {parts['BYMONTHDAY']}"
    elif freq == "MONTHLY" and len(days) == 1 and _nth_weekday(days[0]):
        nth, day = _nth_weekday(days[0])
        text += f" on the {_ORDINALS.get(nth, f'{nth}th')} {_DAY_NAMES[day]}"
    elif days:
        return "repeats by a custom rule"
    if parts.get("COUNT"):
        text += f", {parts['COUNT']} times"
    elif parts.get("UNTIL"):
        until = parts["UNTIL"][:8]
        if until.isdigit():
            text += f", until {moment_text(date(int(until[:4]), int(until[4:6]), int(until[6:8])), 'date')}"
    return text


def build_rule(*, repeat: str, interval: int, weekdays: list[str], start: datetime, ends: str,
               until=None, count: int | None = None) -> str:
    """The RRULE of a picker's choices; `start` (in the rule's zone) gives the weekday and date
    a monthly rule follows."""
    if not repeat:
        return ""
    freq = {"daily": "DAILY", "weekly": "WEEKLY"}.get(repeat, "MONTHLY")
    parts = [f"FREQ={freq}"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if repeat == "weekly":
        chosen = [code for code, _ in WEEKDAYS if code in weekdays] or [WEEKDAYS[start.weekday()][0]]
        parts.append("BYDAY=" + ",".join(chosen))
    elif repeat == "monthly_date":
        parts.append(f"BYMONTHDAY={start.day}")
    elif repeat == "monthly_weekday":
        nth = (start.day - 1) // 7 + 1
        parts.append(f"BYDAY={'-1' if nth == 5 else nth}{WEEKDAYS[start.weekday()][0]}")
    if ends == "count" and count:
        parts.append(f"COUNT={count}")
    elif ends == "until" and until:
        # Through the whole last day in the rule's zone; RFC 5545 wants UNTIL in UTC beside a
        # start with a zone.
        last = datetime.combine(until, time(23, 59, 59), tzinfo=start.tzinfo).astimezone(UTC)
        parts.append(f"UNTIL={last:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def next_occurrences(rule: str, start: datetime, zone: tzinfo, count: int = PREVIEW_COUNT) -> list[datetime]:
    """The first `count` starts of `rule` from `start`, as wall-clock times in `zone`."""
    local = start.astimezone(zone)
    try:
        occurrences = rrulestr(rule, dtstart=local, forceset=True)
    except (ValueError, TypeError):
        return []
    found: list[datetime] = []
    try:
        for occurrence in occurrences:
            found.append(occurrence)
            if len(found) == count:
                break
    except (ValueError, OverflowError):  # dateutil gives up on some rules mid-way (a day 0, past year 9999)
        pass
    return found


# A template builtin (vsm/settings/base.py): `{{ window.rrule|rule_words }}`.
register = template.Library()
register.filter("rule_words", rule_words)


class RecurrenceForm(forms.Form):
    """A form that asks for a recurrence. Subclasses name their start field and, if they have
    one, the field holding the rule's zone; `cleaned_data["rrule"]` is the rule to save, and
    `preview` the next occurrences once the form is valid. A submit named "preview" only shows
    them (`previewing`)."""

    recurrence_start_field = "start"
    recurrence_zone_field: str | None = None

    repeat = forms.ChoiceField(choices=REPEATS, required=False, label="Repeat")
    interval = forms.IntegerField(min_value=1, max_value=99, initial=1, required=False, label="Every",
                                  help_text="1: every day, week or month; 2: every other one; …")
    weekdays = forms.MultipleChoiceField(choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple,
                                         label="On", help_text="for weekly: the days (none: the start's weekday)")
    ends = forms.ChoiceField(choices=ENDS, initial="never", required=False, label="Ends")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Last day",
                            help_text="for “on a date”")
    count = forms.IntegerField(min_value=1, max_value=500, required=False, label="Times",
                               help_text="for “after a number of times”")
    rrule = forms.CharField(max_length=500, required=False, label="Custom rule (RRULE)",
                            help_text="RFC 5545, e.g. FREQ=MONTHLY;BYDAY=-1FR; when filled it replaces the choices "
                                      "above (times stay local)")
    advanced_fields = ("rrule",)
    recurrence_fields = ("repeat", "interval", "weekdays", "ends", "until", "count")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The form's own fields first, then the picker, then the custom rule.
        picker = [*self.recurrence_fields, *self.advanced_fields]
        self.order_fields([name for name in self.fields if name not in picker] + picker)
        # A saved rule is kept as it was typed (under "advanced") and read in words above it.
        self.preview: list[datetime] = []
        self.rule_text = rule_words(self.initial.get("rrule") or "") if self.initial.get("rrule") else ""

    @property
    def previewing(self) -> bool:
        return bool(self.data.get("preview"))

    def rule_zone(self) -> tzinfo:
        name = self.cleaned_data.get(self.recurrence_zone_field) if self.recurrence_zone_field else None
        if name and name in zoneinfo.available_timezones():
            return zoneinfo.ZoneInfo(name)
        return timezone.get_current_timezone()

    def clean(self):
        data = super().clean()
        start = data.get(self.recurrence_start_field)
        typed = (data.get("rrule") or "").strip()
        if typed or not data.get("repeat") or start is None:
            data["rrule"] = typed
        else:
            if data.get("ends") == "until" and not data.get("until"):
                self.add_error("until", "Give the last day.")
            if data.get("ends") == "count" and not data.get("count"):
                self.add_error("count", "Give how many times.")
            zone = self.rule_zone()
            local_start = timezone.make_aware(timezone.make_naive(start), zone)
            data["rrule"] = build_rule(repeat=data["repeat"], interval=data.get("interval") or 1,
                                       weekdays=data.get("weekdays") or [], start=local_start,
                                       ends=data.get("ends") or "never", until=data.get("until"),
                                       count=data.get("count"))
        if data["rrule"] and start is not None:
            zone = self.rule_zone()
            # A rule that does not parse previews nothing; the services refuse it naming `rrule`.
            self.preview = next_occurrences(data["rrule"], timezone.make_aware(timezone.make_naive(start), zone), zone)
            self.rule_text = rule_words(data["rrule"])
        # What the form means is the rule: the picker's fields are not passed on.
        for name in self.recurrence_fields:
            data.pop(name, None)
        return data

    def preview_texts(self) -> list[str]:
        """The preview in the viewer's zone (the active one on pages)."""
        return [moment_text(moment) for moment in self.preview]
