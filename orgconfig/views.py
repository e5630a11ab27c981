"""The organization settings' page of configuration files: the change sets applied, each with
its diff and source."""

from __future__ import annotations

from django.shortcuts import render

from orgconfig.selectors import change_set_list, managed_keys
from vsm.tenancy.pages import OrgView, paginate
from vsm.tenancy.roles import Perm

PER_PAGE = 20


class ChangeSetListView(OrgView):
    permission = Perm.MANAGE_ORGANIZATION

    def get(self, request):
        managed = managed_keys()
        return render(request, "orgconfig/change_sets.html", {
            **paginate(request, change_set_list(), PER_PAGE), "tab": "config",
            "managed_count": sum(len(keys) for keys in managed.values()),
        })
