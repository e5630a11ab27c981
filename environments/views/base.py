"""Self-service pages: find, book, hold and give back environments; approve; mark outages;
request new environments; and the environment managers' pages that create and edit environments
and groups. Times are shown and typed in the viewer's time zone."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from environments import selectors
from environments.models import (
    Environment,
)
from vsm.errors import found
from vsm.tenancy.pages import OrgView, paginate

PAGE_SIZE = 25


class EnvPage(OrgView):
    """OrgView already renders, and reads form times, in the viewer's zone."""

    def environment(self, slug: str) -> Environment:
        return found(selectors.environment_get(slug=slug), "environment")

    def managed_environment(self, slug: str) -> Environment:
        """The environment, if the viewer may change it: by role, or as a manager of its owning
        team (the same rule the update service applies)."""
        env = self.environment(slug)
        if not selectors.is_environment_manager(actor=self.actor, environment=env):
            raise PermissionDenied("Only the environment's managers may change it.")
        return env

    def url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs={"org_slug": self.org.slug, **kwargs})


def page_of(request, rows, size: int = PAGE_SIZE):
    return paginate(request, rows, size)["page_obj"]
