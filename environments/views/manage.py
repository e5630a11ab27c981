"""The environment managers' pages: create and edit environments, their status, and groups."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from environments import selectors, services
from environments.forms import (
    EnvironmentForm,
    EnvironmentStatusForm,
    GroupForm,
)
from environments.models import (
    EnvironmentGroup,
)
from environments.views.base import EnvPage, page_of
from vsm.errors import DomainError, found
from vsm.tenancy.roles import Perm

# --- the environment managers' pages: environments and groups -------------------------------

class ManagerFormPage(EnvPage):
    """GET shows the form; POST validates it, calls one service and redirects. Bad input re-renders
    the form with 400; a service's refusal is put on the form with its own status (409 for a
    taken slug or a capacity the bookings already exceed)."""

    submit_label = "Save"

    def load(self, **kwargs):
        """The entity the page changes (None when it creates one); 404/403 are raised here."""
        return None

    def make_form(self, target, data=None):
        raise NotImplementedError

    def save(self, target, form):
        raise NotImplementedError

    def title(self, target) -> str:
        raise NotImplementedError

    def done(self, saved) -> tuple[str, str]:
        """The success message and where to go next."""
        raise NotImplementedError

    def cancel_url(self, target) -> str:
        raise NotImplementedError

    def show(self, target, form, status: int = 200):
        return render(self.request, "environments/form.html", {
            "form": form, "title": self.title(target), "submit_label": self.submit_label,
            "cancel_url": self.cancel_url(target), "target": target,
        }, status=status)

    def get(self, request, **kwargs):
        target = self.load(**kwargs)
        return self.show(target, self.make_form(target))

    def post(self, request, **kwargs):
        target = self.load(**kwargs)
        form = self.make_form(target, request.POST)
        if not form.is_valid():
            return self.show(target, form, status=400)
        try:
            saved = self.save(target, form)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.show(target, form, status=error.status)
        message, url = self.done(saved)
        messages.success(request, message)
        return redirect(url)


class _EnvironmentFormPage(ManagerFormPage):
    def done(self, saved):
        return f"{saved.name} was saved.", self.url("environments:detail", env_slug=saved.slug)

    def cancel_url(self, target):
        return self.url("environments:detail", env_slug=target.slug)


class EnvironmentCreateView(_EnvironmentFormPage):
    permission = Perm.MANAGE_ENVIRONMENTS
    write_permission = Perm.MANAGE_ENVIRONMENTS
    submit_label = "Create environment"

    def make_form(self, target, data=None):
        return EnvironmentForm(data)

    def save(self, target, form):
        return services.environment_create(actor=self.actor, **form.cleaned_data)

    def title(self, target):
        return "New environment"

    def cancel_url(self, target):
        return self.url("environments:list")


class EnvironmentEditView(_EnvironmentFormPage):
    def load(self, env_slug: str):
        return self.managed_environment(env_slug)

    def make_form(self, target, data=None):
        initial = {name: getattr(target, name) for name in EnvironmentForm.base_fields}
        return EnvironmentForm(data, initial=initial, editing=True)

    def save(self, target, form):
        changes = form.changes()
        # Nothing changed: no update, so the trail records no change that did not happen.
        return services.environment_update(actor=self.actor, environment=target, **changes) if changes else target

    def title(self, target):
        return f"Edit {target.name}"


class EnvironmentStatusView(_EnvironmentFormPage):
    submit_label = "Change status"

    def load(self, env_slug: str):
        return self.managed_environment(env_slug)

    def make_form(self, target, data=None):
        return EnvironmentStatusForm(data, initial={"status": target.status, "reason": target.status_reason})

    def save(self, target, form):
        return services.environment_set_status(actor=self.actor, environment=target, **form.cleaned_data)

    def title(self, target):
        return f"Status of {target.name}"

    def done(self, saved):
        return (f"{saved.name} is now {saved.get_status_display().lower()}.",
                self.url("environments:detail", env_slug=saved.slug))


class GroupPage(EnvPage):
    permission = Perm.MANAGE_ENVIRONMENTS
    write_permission = Perm.MANAGE_ENVIRONMENTS

    def load(self, group_slug: str) -> EnvironmentGroup:
        return found(selectors.group_get(slug=group_slug), "group")


class GroupListView(GroupPage):
    def get(self, request):
        groups = selectors.group_list().prefetch_related("environments")
        return render(request, "environments/groups.html", {"page_obj": page_of(request, groups)})


class _GroupFormPage(GroupPage, ManagerFormPage):
    def done(self, saved):
        return f"The group {saved.name} was saved.", self.url("environments:groups")

    def cancel_url(self, target):
        return self.url("environments:groups")


class GroupCreateView(_GroupFormPage):
    submit_label = "Create group"

    def load(self):
        return None

    def make_form(self, target, data=None):
        return GroupForm(data)

    def save(self, target, form):
        return services.group_create(actor=self.actor, **form.cleaned_data)

    def title(self, target):
        return "New environment group"


class GroupEditView(_GroupFormPage):
    def make_form(self, target, data=None):
        initial = {"name": target.name, "description": target.description,
                   "environments": list(target.environments.all())}
        return GroupForm(data, initial=initial, editing=True)

    def save(self, target, form):
        data = form.cleaned_data
        # Members are replaced only when changed, so the trail shows a membership change only then.
        members = data["environments"] if "environments" in form.changed_data else None
        return services.group_update(actor=self.actor, group=target, name=data["name"],
                                     description=data["description"], environments=members)

    def title(self, target):
        return f"Edit group {target.name}"


class GroupDeleteView(GroupPage):
    """GET asks for confirmation; POST deletes. The members stay, outside any group."""

    def get(self, request, group_slug: str):
        group = self.load(group_slug)
        members = [env.name for env in group.environments.all()]
        return render(request, "catalog/confirm_delete.html", {
            "entry": group, "noun": "environment group", "cancel_url": self.url("environments:groups"),
            "consequences": [f"{len(members)} environment(s) will no longer belong to a group: "
                             f"{', '.join(members)}."] if members else [],
        })

    def post(self, request, group_slug: str):
        group = self.load(group_slug)
        services.group_delete(actor=self.actor, group=group)
        messages.success(request, f"The group {group.name} was deleted.")
        return self.org_redirect("environments:groups")
