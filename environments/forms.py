"""Page forms. Times are typed in the viewer's time zone (the views activate it), so Django makes
them aware in that zone; the services store UTC."""

from __future__ import annotations

from django import forms

from environments.models import (
    BookingKind,
    Environment,
    EnvironmentGroup,
    Outage,
    ProvisioningRequest,
    Tier,
)
from vsm.catalog.models import Team, ValueStream

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)


class EnvironmentFilterForm(forms.Form):
    tier = forms.ChoiceField(choices=[("", "Any tier"), *Tier.choices], required=False)
    group = forms.ModelChoiceField(queryset=EnvironmentGroup.objects.order_by("name"), to_field_name="slug",
                                   required=False, empty_label="Any group")
    value_stream = forms.ChoiceField(required=False, label="Value stream")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value_stream"].choices = [("", "Any value stream"), ("shared", "Shared")] + [
            (vs.slug, vs.name) for vs in ValueStream.objects.order_by("name")]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"tier": data.get("tier") or None, "group": data["group"].slug if data.get("group") else None,
                "value_stream": data.get("value_stream") or None}


class CalendarForm(EnvironmentFilterForm):
    VIEWS = (("day", "Day"), ("week", "Week"), ("month", "Month"))

    view = forms.ChoiceField(choices=VIEWS, required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_date(self):
        day = self.cleaned_data.get("date")
        if day is not None and not 1970 <= day.year <= 2200:
            raise forms.ValidationError("Choose a date between 1970 and 2200.")
        return day


class BookingForm(forms.Form):
    environment = forms.ModelChoiceField(
        queryset=Environment.objects.filter(is_bookable=True).order_by("name"), to_field_name="slug",
        required=False, help_text="or choose a group below")
    group = forms.ModelChoiceField(queryset=EnvironmentGroup.objects.order_by("name"), to_field_name="slug",
                                   required=False, help_text="books every environment of the group")
    start = LocalDateTimeField()
    end = LocalDateTimeField(help_text="the booking ends at this minute; the next one may start then")
    purpose = forms.CharField(max_length=500)
    kind = forms.ChoiceField(choices=BookingKind.choices, initial=BookingKind.CODE)
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), to_field_name="slug", required=False,
                                  help_text="empty: your team, if you are in exactly one")
    release_ref = forms.CharField(max_length=120, required=False, label="Release")
    rrule = forms.CharField(max_length=500, required=False, label="Repeat (RRULE)",
                            help_text="optional RFC 5545 rule, e.g. FREQ=WEEKLY;COUNT=4")

    def clean(self):
        data = super().clean()
        if bool(data.get("environment")) == bool(data.get("group")):
            self.add_error("environment", "Choose an environment or a group (not both).")
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "The end must be after the start.")
        return data


class BookingCheckForm(BookingForm):
    """What the htmx check reads: purpose and kind do not change whether a period is free."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("purpose", "kind"):
            self.fields[name].required = False


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", "Approve"), ("reject", "Reject")))
    note = forms.CharField(max_length=500, required=False)


class BookingActionForm(forms.Form):
    action = forms.ChoiceField(choices=(("cancel", "Cancel"), ("release", "Release early"), ("extend", "Extend")))
    end = LocalDateTimeField(required=False, label="New end")

    def clean(self):
        data = super().clean()
        if data.get("action") == "extend" and not data.get("end"):
            self.add_error("end", "Give the new end.")
        return data


class OutageForm(forms.Form):
    kind = forms.ChoiceField(choices=Outage.Kind.choices, initial=Outage.Kind.MAINTENANCE)
    start = LocalDateTimeField()
    end = LocalDateTimeField()
    reason = forms.CharField(max_length=300, help_text="people see it when a booking or a deployment is refused")


class ProvisioningForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), to_field_name="slug")
    tier = forms.ChoiceField(choices=Tier.choices)
    purpose = forms.CharField(max_length=500)
    needed_by = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ProvisioningAdvanceForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, label) for s, label in ProvisioningRequest.Status.choices
                                        if s != ProvisioningRequest.Status.REQUESTED])
    note = forms.CharField(max_length=500, required=False)


