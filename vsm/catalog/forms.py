"""Plain forms, not ModelForms: the services compare an entity before and after a change, so a
form must not change the entity it was built from. Related-model choices use the default
(tenant-scoped) manager, so only this organization's value streams and teams can be chosen."""

from __future__ import annotations

from django import forms

from vsm.catalog.models import Team, ValueStream

DESCRIPTION_MAX = 5000


class CatalogEntryForm(forms.Form):
    """Name, slug and description, shared by value streams, teams and services. The slug may be
    left empty when creating (it is derived from the name); an edit keeps one."""

    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=60, required=False, help_text="in URLs and the API; empty: made from the name")
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["slug"].required = True
            self.fields["slug"].help_text = "in URLs and the API; links that use the old slug stop working"


class ServiceForm(CatalogEntryForm):
    repository_url = forms.URLField(required=False, max_length=200, label="Repository URL", assume_scheme="https")
    value_stream = forms.ModelChoiceField(ValueStream.objects.all(), required=False, to_field_name="slug",
                                          empty_label="(none)")
    team = forms.ModelChoiceField(Team.objects.all(), required=False, to_field_name="slug", empty_label="(none)")

    field_order = ["name", "slug", "value_stream", "team", "repository_url", "description"]


class TeamMembersForm(forms.Form):
    """Choose among the organization's members, by email; the service checks that managers are members."""

    members = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    managers = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, people: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = people
        self.fields["managers"].choices = people
