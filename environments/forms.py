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
from vsm.catalog.forms import DESCRIPTION_MAX
from vsm.catalog.models import Team, ValueStream
from vsm.recurrence import RecurrenceForm

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)


class BookingForm(RecurrenceForm):
    recurrence_start_field = "start"

    environment = forms.ModelChoiceField(
        queryset=Environment.objects.filter(is_bookable=True).order_by("name"), to_field_name="slug",
        required=False, help_text="or choose a group below")
    group = forms.ModelChoiceField(queryset=EnvironmentGroup.objects.order_by("name"), to_field_name="slug",
                                   required=False, help_text="books every environment of the group")
    start = LocalDateTimeField()
    end = LocalDateTimeField(help_text="the booking ends at this minute; the next one may start then")
    purpose = forms.CharField(max_length=500)
    kind = forms.ChoiceField(choices=BookingKind.choices, initial=BookingKind.CODE)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug", required=False,
                                  help_text="empty: your team, if you are in exactly one")
    release_ref = forms.CharField(max_length=120, required=False, label="Release")

    def __init__(self, *args, teams, releases: list[tuple[str, str]] | None = None, **kwargs):
        """`teams`: those the person may book for (selectors.bookable_teams). `releases`: the open
        releases to choose from (environments.release_choices); None keeps a text field."""
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if releases is not None:
            self.fields["release_ref"] = forms.ChoiceField(
                choices=[("", "(none)"), *releases], required=False, label="Release",
                help_text="the release this booking serves; its gates look for the booking")

    def clean(self):
        data = super().clean()
        if bool(data.get("environment")) == bool(data.get("group")):
            self.add_error("environment", "Choose an environment or a group (not both).")
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "The end must be after the start.")
        return data


class BookingCheckForm(BookingForm):
    """What the htmx check reads: who books and what for do not change whether a period is free."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, teams=Team.objects.none(), **kwargs)
        for name in ("purpose", "kind", "team", "release_ref"):
            del self.fields[name]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", "Approve"), ("reject", "Reject")))
    note = forms.CharField(max_length=500, required=False)


class BookingActionForm(forms.Form):
    """`change`: move the end to `end`, later (extend) or earlier (shorten), whichever it is."""

    action = forms.ChoiceField(choices=(("cancel", "Cancel"), ("release", "Release early"), ("extend", "Extend"),
                                        ("shorten", "Shorten"), ("change", "Change the end")))
    end = LocalDateTimeField(required=False, label="New end")

    def clean(self):
        data = super().clean()
        if data.get("action") in ("extend", "shorten", "change") and not data.get("end"):
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




# --- the environment managers' forms ------------------------------------------------------
# Plain forms, not ModelForms: the services compare an entity before and after a change, so a
# form must not change the entity it was built from. Related choices come from the default
# (tenant-scoped) managers, so only this organization's rows can be chosen.

class YesNoField(forms.TypedChoiceField):
    """A yes/no choice that may also be left to the service to decide ("derived"). A select, not a
    checkbox: an unticked box would say "no" where the person meant "whatever the tier implies"."""

    def __init__(self, *, derived: str, **kwargs):
        # The values are what str() gives for the booleans, so an initial True selects "Yes".
        super().__init__(choices=[("", derived), ("True", "Yes"), ("False", "No")],
                         coerce=lambda value: value in (True, "True"), empty_value=None, required=False, **kwargs)

    def must_choose(self) -> None:
        """On an edit there is a current value, so "derived" is no longer a choice."""
        self.choices = self.choices[1:]
        self.required = True


class EnvironmentForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=60, required=False, help_text="in URLs and the API; empty: made from the name")
    tier = forms.ChoiceField(choices=Tier.choices, initial=Tier.TEST)
    is_production = YesNoField(derived="Only if the tier is production", label="Production")
    value_stream = forms.ModelChoiceField(ValueStream.objects.order_by("name"), required=False, to_field_name="slug",
                                          empty_label="(shared by every stream)")
    owning_team = forms.ModelChoiceField(Team.objects.order_by("name"), required=False, to_field_name="slug",
                                         empty_label="(none)", help_text="its managers approve bookings")
    group = forms.ModelChoiceField(EnvironmentGroup.objects.order_by("name"), required=False, to_field_name="slug",
                                   empty_label="(none)", help_text="booking the group books every member")
    url = forms.URLField(required=False, max_length=200, label="URL", assume_scheme="https")
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    is_bookable = forms.BooleanField(required=False, initial=True, label="Bookable")
    requires_booking = YesNoField(derived="Unless it is production", label="CI needs a booking",
                                  help_text="a CI job gets a lease only under a booking")
    requires_approval = forms.BooleanField(required=False, label="Bookings need approval")
    requires_deployment_approval = forms.BooleanField(required=False, label="Each deployment needs approval")
    max_booking_hours = forms.IntegerField(required=False, min_value=1, label="Longest booking (hours)",
                                           help_text="empty: no limit")
    capacity = forms.IntegerField(min_value=1, max_value=1000, initial=1,
                                  help_text="how many approved bookings may overlap")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["slug"].required = True
            self.fields["slug"].help_text = "in URLs and the API; links that use the old slug stop working"
            for name in ("is_production", "requires_booking"):
                self.fields[name].must_choose()

    def changes(self) -> dict:
        """The fields the person changed, for the update service (which audits before and after)."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class EnvironmentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Environment.Status.choices)
    reason = forms.CharField(max_length=300, required=False,
                             help_text="required unless available; people see it when they are refused")

    def clean(self):
        data = super().clean()
        if data.get("status") not in (None, Environment.Status.AVAILABLE) and not data.get("reason"):
            self.add_error("reason", "Say why the environment is not available.")
        return data


class EnvironmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, env):
        return f"{env.name} (in {env.group.name})" if env.group else env.name


class GroupForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=60, required=False, help_text="in URLs and the API; empty: made from the name")
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    environments = EnvironmentChoiceField(
        Environment.objects.select_related("group").order_by("name"), required=False, to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text="an environment belongs to one group: choosing it here takes it out of its current one")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the services keep a group's slug
            del self.fields["slug"]
