"""What the integrations pages share: the permission, and loading a connection of the URL."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from integrations import connection_selectors as selectors
from integrations.models import Connection
from vsm.tenancy.pages import OrgView
from vsm.tenancy.roles import Perm

PAGE_SIZE = 25


class IntegrationsPage(OrgView):
    permission = Perm.MANAGE_CONNECTIONS
    write_permission = Perm.MANAGE_CONNECTIONS

    @staticmethod
    def found(row, noun: str):
        """The row, or a 404 naming what was not found (another organization's id looks the same)."""
        if row is None:
            raise Http404(f"No such {noun}.")
        return row

    def connection(self, connection_id: int) -> Connection:
        return self.found(selectors.connection_get(connection_id=connection_id), "connection")

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"integrations:{name}", kwargs={"org_slug": self.org.slug, **kwargs})

    def webhook_url(self, connection: Connection) -> str:
        return self.request.build_absolute_uri(reverse("webhook-receive", kwargs={"connection_id": connection.pk}))
