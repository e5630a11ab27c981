"""Page forms. Times are typed in the viewer's time zone (OrgView activates it); the services
store UTC."""

from __future__ import annotations

from django import forms

from environments.forms import LocalDateTimeField
from environments.models import Environment, Tier
from releases.models import (
    ActivityKind,
    FreezeScope,
    Release,
    ReleaseKind,
    ReleaseSlotWindow,
    ReleaseStatus,
    ReleaseTemplate,
    Risk,
    Strategy,
)
from vsm.accounts.models import User
from vsm.catalog.models import Service, ValueStream
from vsm.forms import JSONField
from vsm.recurrence import RecurrenceForm
from vsm.tenancy.models import Membership


def _members():
    return User.objects.filter(pk__in=Membership.objects.values("user_id")).order_by("email")


class ReleaseForm(forms.Form):
    template = forms.ModelChoiceField(queryset=ReleaseTemplate.objects.order_by("name"), required=False,
                                      empty_label="No template (add phases later)",
                                      help_text="makes the phases, their environments and gates in one step")
    name = forms.CharField(max_length=200)
    version = forms.CharField(max_length=120)
    value_stream = forms.ModelChoiceField(queryset=ValueStream.objects.order_by("name"), to_field_name="slug",
                                          required=False, empty_label="None (a train across value streams)")
    kind = forms.ChoiceField(choices=ReleaseKind.choices, initial=ReleaseKind.PROJECT)
    parent = forms.ModelChoiceField(queryset=Release.objects.filter(kind=ReleaseKind.ENTERPRISE).exclude(
        status__in=[ReleaseStatus.RELEASED, ReleaseStatus.CANCELLED]).order_by("name"), required=False,
        label="Release train", empty_label="Not part of a train")
    owner = forms.ModelChoiceField(queryset=_members(), required=False, to_field_name="email",
                                   empty_label="Me", help_text="the accountable release manager; may not sign off "
                                                               "its gates")
    planned_start = LocalDateTimeField(required=False, help_text="needed with a template: phases follow from it")
    risk = forms.ChoiceField(choices=Risk.choices, initial=Risk.MEDIUM)
    strategy = forms.ChoiceField(choices=Strategy.choices, initial=Strategy.ROLLING, label="Deployment strategy")
    services = forms.ModelMultipleChoiceField(queryset=Service.objects.order_by("name"), to_field_name="slug",
                                              required=False, help_text="shipped at the release's version")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        data = super().clean()
        if data.get("template") and not data.get("planned_start"):
            self.add_error("planned_start", "A release made from a template needs its start.")
        return data


class ReleaseEditForm(forms.Form):
    """A release's own fields; its phases are moved on their own page."""

    name = forms.CharField(max_length=200)
    version = forms.CharField(max_length=120, help_text="fixed once the release has phases: its gates carry it")
    value_stream = ReleaseForm.base_fields["value_stream"]
    kind = forms.ChoiceField(choices=ReleaseKind.choices)
    parent = ReleaseForm.base_fields["parent"]
    owner = forms.ModelChoiceField(queryset=_members(), required=False, to_field_name="email", empty_label="Nobody",
                                   help_text="fixed once the release has phases: it owns their gates")
    planned_start = LocalDateTimeField(required=False, help_text="with phases, the dates follow the phases")
    planned_end = LocalDateTimeField(required=False)
    risk = forms.ChoiceField(choices=Risk.choices)
    strategy = forms.ChoiceField(choices=Strategy.choices, label="Deployment strategy")
    services = ReleaseForm.base_fields["services"]
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PhaseForm(forms.Form):
    name = forms.CharField(max_length=60)
    environment = forms.ModelChoiceField(queryset=Environment.objects.order_by("name"), to_field_name="slug",
                                         required=False, empty_label="No environment")
    planned_start = LocalDateTimeField()
    planned_end = LocalDateTimeField()

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", "The end must be after the start.")
        return data


class AdvanceForm(forms.Form):
    phase = forms.IntegerField(required=False, min_value=1)
    override_reason = forms.CharField(max_length=2000, required=False, label="Reason for breaking the glass")


class DependencyForm(forms.Form):
    depends_on = forms.ModelChoiceField(queryset=Release.objects.exclude(status=ReleaseStatus.CANCELLED).order_by(
        "name", "version"), label="Depends on")
    needed_by = LocalDateTimeField(required=False, help_text="empty: this release's planned start")
    note = forms.CharField(max_length=300, required=False)


class ActivityCompleteForm(forms.Form):
    """The note of completing a step, cut to 500 characters (the status is the service's to check)."""

    note = forms.CharField(required=False, strip=False)

    def clean_note(self):
        return self.cleaned_data["note"][:500]


class ActivityForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ActivityKind.choices, initial=ActivityKind.MANUAL)
    owner = forms.ModelChoiceField(queryset=_members(), required=False, to_field_name="email", empty_label="Nobody")
    planned_at = LocalDateTimeField(required=False)


class FreezeWindowForm(RecurrenceForm):
    recurrence_start_field, recurrence_zone_field = "starts_at", "time_zone"

    name = forms.CharField(max_length=200)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="shown in the banner and to CI when a deployment is denied")
    scope = forms.ChoiceField(choices=FreezeScope.choices, initial=FreezeScope.ORGANIZATION)
    value_stream = forms.ModelChoiceField(queryset=ValueStream.objects.order_by("name"), to_field_name="slug",
                                          required=False, help_text="for scope: value stream")
    tier = forms.ChoiceField(choices=[("", "—"), *Tier.choices], required=False, help_text="for scope: tier")
    environments = forms.ModelMultipleChoiceField(queryset=Environment.objects.order_by("name"), to_field_name="slug",
                                                  required=False, help_text="for scope: environments")
    starts_at = LocalDateTimeField(label="Starts", help_text="or the first occurrence's start, in the time zone below")
    ends_at = LocalDateTimeField(label="Ends", help_text="or the first occurrence's end, in the time zone below")
    time_zone = forms.CharField(max_length=64, required=False,
                                help_text="the zone the rule runs in (default: the organization's)")


class SlotBookForm(forms.Form):
    window = forms.ModelChoiceField(queryset=ReleaseSlotWindow.objects.all(), widget=forms.HiddenInput)
    release = forms.ModelChoiceField(queryset=Release.objects.filter(status__in=[
        ReleaseStatus.DRAFT, ReleaseStatus.PLANNED, ReleaseStatus.IN_PROGRESS]).order_by("name"))
    slot_start = forms.DateTimeField(widget=forms.HiddenInput)


class SettingsForm(forms.Form):
    require_release_slots = forms.BooleanField(required=False, label="Production deployments need a booked slot")


class CalendarForm(forms.Form):
    VIEWS = (("month", "Month"), ("quarter", "Quarter"))

    view = forms.ChoiceField(choices=VIEWS, required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    value_stream = forms.ModelChoiceField(queryset=ValueStream.objects.order_by("name"), to_field_name="slug",
                                          required=False, empty_label="Every value stream")

    def clean_date(self):
        day = self.cleaned_data.get("date")
        if day is not None and not 1970 <= day.year <= 2200:
            raise forms.ValidationError("Choose a date between 1970 and 2200.")
        return day


class SlotWindowForm(RecurrenceForm):
    recurrence_start_field, recurrence_zone_field = "starts_at", "time_zone"

    name = forms.CharField(max_length=200)
    starts_at = LocalDateTimeField(label="First slot starts", help_text="in the time zone below")
    ends_at = LocalDateTimeField(label="First slot ends")
    time_zone = forms.CharField(max_length=64, required=False,
                                help_text="the zone the rule runs in (default: the organization's)")
    capacity = forms.IntegerField(min_value=1, max_value=100, initial=3, help_text="releases per slot")


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class _CriteriaField(JSONField):
    """A gate's criteria as a JSON list, e.g. [{"title": "Change approved", "type": "manual",
    "signer_role": "approver"}]; the services check each criterion."""

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=forms.Textarea(attrs={"rows": 3}), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return []
        if not isinstance(value, list):
            raise forms.ValidationError("A JSON list of criteria, e.g. [{\"title\": ..., \"type\": \"manual\", "
                                        "\"signer_role\": \"approver\"}].")
        return value


class TemplatePhaseForm(forms.Form):
    name = forms.CharField(max_length=60)
    tier = forms.ChoiceField(choices=[("", "—"), *Tier.choices], required=False,
                             help_text="a release's phase targets its value stream's environment of this tier")
    duration_days = forms.IntegerField(min_value=1, max_value=365, initial=5)
    entry_criteria = _CriteriaField(help_text="the entry gate's criteria (JSON list)")
    exit_criteria = _CriteriaField(help_text="the exit gate's criteria (JSON list)")


TemplatePhaseFormSet = forms.formset_factory(TemplatePhaseForm, extra=1, can_delete=True, max_num=20)
