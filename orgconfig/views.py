"""The organization settings' page of configuration files: the change sets applied, each with
its diff and source, and the repository whose pushes apply the file."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from orgconfig.forms import RepositorySourceForm
from orgconfig.selectors import change_set_list, managed_keys, repository_source_get
from orgconfig.services import repository_source_set
from vsm.errors import DomainError
from vsm.tenancy.pages import OrgView, domain_error_to_form, paginate
from vsm.tenancy.roles import Perm

PER_PAGE = 20


class ChangeSetListView(OrgView):
    permission = Perm.MANAGE_ORGANIZATION
    write_permission = Perm.MANAGE_ORGANIZATION

    def get(self, request, form=None, status=200):
        managed = managed_keys()
        source = repository_source_get()
        initial = ({"connection": source.connection, "repository": source.repository, "path": source.path,
                    "branch": source.branch, "apply_on_push": source.apply_on_push} if source else None)
        return render(request, "orgconfig/change_sets.html", {
            **paginate(request, change_set_list(), PER_PAGE), "tab": "config", "source": source,
            "form": form or RepositorySourceForm(initial=initial),
            "managed_count": sum(len(keys) for keys in managed.values()),
        }, status=status)

    def post(self, request):
        form = RepositorySourceForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        try:
            repository_source_set(actor=self.actor, **form.cleaned_data)
        except DomainError as error:
            domain_error_to_form(form, error)
            return self.get(request, form=form, status=error.status)
        messages.success(request, "Pushes to the repository now plan the file.")
        return redirect("orgconfig:change_sets", org_slug=self.org.slug)
