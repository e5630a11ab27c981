"""Catalog pages: services, value streams and teams.

A refusal from a service is shown on the form with the service's status: 400 for bad input,
409 when the slug is taken, the same statuses the API answers for the same mistakes."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from vsm.audit.selectors import audit_event_list
from vsm.catalog import services
from vsm.catalog.filters import ServicePageFilter
from vsm.catalog.forms import CatalogEntryForm, ServiceForm, TeamMembersForm
from vsm.catalog.models import Team
from vsm.catalog.selectors import service_list, team_list, value_stream_list
from vsm.errors import DomainError
from vsm.tenancy.pages import OrgView, filter_page, paginate
from vsm.tenancy.roles import Perm
from vsm.tenancy.selectors import membership_list

PER_PAGE = 25
RECENT_CHANGES = 10


class ServiceListView(OrgView):
    def get(self, request):
        filters = ServicePageFilter(request.GET, queryset=service_list())
        found, status = filter_page(filters)
        form = filters.form
        return render(request, "catalog/service_list.html", {
            **paginate(request, found, PER_PAGE), "form": form,
            "filtered": any(form.data.get(name) for name in form.fields),
        }, status=status)


class ValueStreamListView(OrgView):
    def get(self, request):
        return render(request, "catalog/value_stream_list.html", paginate(request, value_stream_list(), PER_PAGE))


class TeamListView(OrgView):
    def get(self, request):
        return render(request, "catalog/team_list.html", paginate(request, team_list(), PER_PAGE))


def _recent_changes(request, instance) -> list | None:
    if not request.membership.has(Perm.VIEW_AUDIT):
        return None
    return list(audit_event_list().filter(object_type=instance._meta.label_lower,
                                          object_id=str(instance.pk))[:RECENT_CHANGES])


class ServiceDetailView(OrgView):
    def get(self, request, service_slug: str):
        service = get_object_or_404(service_list(), slug=service_slug)
        return render(request, "catalog/service_detail.html", {
            "service": service, "recent_changes": _recent_changes(request, service),
        })


class TeamDetailView(OrgView):
    def get(self, request, team_slug: str):
        team = get_object_or_404(team_list(), slug=team_slug)
        return render(request, "catalog/team_detail.html", {
            "team": team, "services": service_list().filter(team=team),
            "recent_changes": _recent_changes(request, team),
        })


class TeamMembersView(OrgView):
    permission = Perm.MANAGE_CATALOG
    write_permission = Perm.MANAGE_CATALOG

    def _team(self, team_slug: str) -> Team:
        return get_object_or_404(team_list(), slug=team_slug)

    def _form(self, team: Team, data=None) -> TeamMembersForm:
        people = [(m.user.email, f"{m.user.display_name} <{m.user.email}>") for m in membership_list()]
        current = list(team.memberships.all())
        initial = {"members": [m.user.email for m in current],
                   "managers": [m.user.email for m in current if m.is_manager]}
        return TeamMembersForm(data, people=people, initial=initial)

    def _render(self, team: Team, form: TeamMembersForm, status: int = 200):
        return render(self.request, "catalog/team_members.html", {
            "team": team, "form": form, "rows": list(zip(form["members"], form["managers"], strict=True)),
        }, status=status)

    def get(self, request, team_slug: str):
        team = self._team(team_slug)
        return self._render(team, self._form(team))

    def post(self, request, team_slug: str):
        team = self._team(team_slug)
        form = self._form(team, request.POST)
        if form.is_valid():
            try:
                services.team_set_member_emails(actor=self.actor, team=team, **form.cleaned_data)
            except DomainError as error:
                self.domain_error_to_form(form, error)
                return self._render(team, form, status=error.status)
            messages.success(request, f"The members of {team.name} were saved.")
            return self.org_redirect("catalog:team_detail", team_slug=team.slug)
        return self._render(team, form, status=400)


# --- Create, edit and delete: one page of each per kind of entry, told apart by an entry mixin ---

class EntryPages:
    """What the generic pages need to know about one kind of catalog entry. (Not create/update/
    delete: a View dispatches the HTTP DELETE method to `delete`.)"""

    noun: str
    url_kwarg: str
    list_url: str
    form_class: type[CatalogEntryForm] = CatalogEntryForm

    def entries(self) -> QuerySet:
        raise NotImplementedError

    def get_entry(self):
        slug = self.kwargs.get(self.url_kwarg)
        return None if slug is None else get_object_or_404(self.entries(), slug=slug)

    def create_entry(self, **data):
        raise NotImplementedError

    def update_entry(self, entry, **data):
        raise NotImplementedError

    def delete_entry(self, entry) -> None:
        raise NotImplementedError

    def list_url_for_org(self) -> str:
        return reverse(self.list_url, kwargs={"org_slug": self.org.slug})

    def entry_url(self, entry) -> str:
        return self.list_url_for_org()

    def delete_consequences(self, entry) -> list[str]:
        return []


class EntryFormView(OrgView):
    """Create (no slug in the URL) or edit (a slug in the URL) an entry."""

    permission = Perm.MANAGE_CATALOG
    write_permission = Perm.MANAGE_CATALOG

    def _form(self, entry, data=None) -> CatalogEntryForm:
        if entry is None:
            return self.form_class(data)
        initial = {name: getattr(entry, name) for name in self.form_class.base_fields}
        return self.form_class(data, initial=initial, editing=True)

    def _render(self, form, entry, status: int = 200):
        return render(self.request, "catalog/entry_form.html", {
            "form": form, "entry": entry, "noun": self.noun,
            "cancel_url": self.entry_url(entry) if entry else self.list_url_for_org(),
        }, status=status)

    def get(self, request, **kwargs):
        entry = self.get_entry()
        return self._render(self._form(entry), entry)

    def post(self, request, **kwargs):
        entry = self.get_entry()
        form = self._form(entry, request.POST)
        if not form.is_valid():
            return self._render(form, entry, status=400)
        try:
            saved = (self.create_entry(**form.cleaned_data) if entry is None
                     else self.update_entry(entry, **form.cleaned_data))
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self._render(form, entry, status=error.status)
        messages.success(request, f"The {self.noun} {saved.name} was {'created' if entry is None else 'saved'}.")
        return redirect(self.entry_url(saved))


class EntryDeleteView(OrgView):
    """GET asks for confirmation; POST deletes."""

    permission = Perm.MANAGE_CATALOG
    write_permission = Perm.MANAGE_CATALOG

    def _render(self, entry, error: DomainError | None = None):
        return render(self.request, "catalog/confirm_delete.html", {
            "entry": entry, "noun": self.noun, "consequences": self.delete_consequences(entry),
            "cancel_url": self.entry_url(entry), "error": error,
        }, status=error.status if error else 200)

    def get(self, request, **kwargs):
        return self._render(self.get_entry())

    def post(self, request, **kwargs):
        entry = self.get_entry()
        try:
            self.delete_entry(entry)
        except DomainError as error:
            return self._render(entry, error)
        messages.success(request, f"The {self.noun} {entry.name} was deleted.")
        return self.org_redirect(self.list_url)


def _orphans(entry, noun: str) -> list[str]:
    names = [s.name for s in entry.services.all()]
    return [f"{len(names)} service(s) will no longer belong to a {noun}: {', '.join(names)}."] if names else []


class ServicePages(EntryPages):
    noun = "service"
    url_kwarg = "service_slug"
    list_url = "catalog:service_list"
    form_class = ServiceForm

    def entries(self):
        return service_list()

    def create_entry(self, **data):
        return services.service_create(actor=self.actor, **data)

    def update_entry(self, entry, **data):
        return services.service_update(actor=self.actor, service=entry, **data)

    def delete_entry(self, entry):
        services.service_delete(actor=self.actor, service=entry)

    def entry_url(self, entry):
        return reverse("catalog:service_detail", kwargs={"org_slug": self.org.slug, "service_slug": entry.slug})


class ValueStreamPages(EntryPages):
    noun = "value stream"
    url_kwarg = "value_stream_slug"
    list_url = "catalog:value_stream_list"

    def entries(self):
        return value_stream_list()

    def create_entry(self, **data):
        return services.value_stream_create(actor=self.actor, **data)

    def update_entry(self, entry, **data):
        return services.value_stream_update(actor=self.actor, value_stream=entry, **data)

    def delete_entry(self, entry):
        services.value_stream_delete(actor=self.actor, value_stream=entry)

    def delete_consequences(self, entry):
        return _orphans(entry, "value stream")


class TeamPages(EntryPages):
    noun = "team"
    url_kwarg = "team_slug"
    list_url = "catalog:team_list"

    def entries(self):
        return team_list()

    def create_entry(self, **data):
        return services.team_create(actor=self.actor, **data)

    def update_entry(self, entry, **data):
        return services.team_update(actor=self.actor, team=entry, **data)

    def delete_entry(self, entry):
        services.team_delete(actor=self.actor, team=entry)

    def entry_url(self, entry):
        return reverse("catalog:team_detail", kwargs={"org_slug": self.org.slug, "team_slug": entry.slug})

    def delete_consequences(self, entry):
        people = entry.member_count
        return _orphans(entry, "team") + ([f"Its {people} member(s) will leave the team."] if people else [])


class ServiceFormView(ServicePages, EntryFormView):
    pass


class ServiceDeleteView(ServicePages, EntryDeleteView):
    pass


class ValueStreamFormView(ValueStreamPages, EntryFormView):
    pass


class ValueStreamDeleteView(ValueStreamPages, EntryDeleteView):
    pass


class TeamFormView(TeamPages, EntryFormView):
    pass


class TeamDeleteView(TeamPages, EntryDeleteView):
    pass
