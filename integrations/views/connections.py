"""Connections: the list, add and edit (with "test connection" and the webhook URL), the
mapping editor, "sync now" and archive."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from integrations import connection_selectors as selectors
from integrations.connectors import WEBHOOKS
from integrations.connectors.plans import pulls
from integrations.forms import KIND_HELP, ConnectionForm, MappingForm
from integrations.mapping import DEFAULTS, Mapping
from integrations.services import connections as services
from integrations.views.base import IntegrationsPage
from vsm.errors import DomainError
from vsm.tenancy.pages import paginate


class ConnectionListView(IntegrationsPage):
    def get(self, request):
        return render(request, "integrations/connections.html", {
            **paginate(request, selectors.connection_list(include_archived=bool(request.GET.get("archived"))), 25),
            "tab": "connections"})


class _ConnectionFormPage(IntegrationsPage):
    def show(self, form, connection=None, status: int = 200, revealed: str | None = None):
        kind = connection.kind if connection is not None else (form["kind"].value() or "github")
        return render(self.request, "integrations/connection_form.html", {
            "form": form, "connection": connection, "kind_help": KIND_HELP, "selected_kind": kind,
            "webhook_url": self.webhook_url(connection) if connection is not None else None,
            "receives_webhooks": kind in WEBHOOKS, "pulls": pulls(kind), "revealed_secret": revealed,
            "tab": "connections"}, status=status)


class ConnectionCreateView(_ConnectionFormPage):
    def get(self, request):
        return self.show(ConnectionForm(initial={"kind": request.GET.get("kind", "github")}))

    def post(self, request):
        form = ConnectionForm(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            connection = services.connection_create(actor=self.actor, **form.service_arguments())
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.show(form, status=error.status)
        messages.success(request, f"{connection.name} was added.")
        # Rendered, not redirected: a generated webhook secret is shown this once and never again.
        return self.show(ConnectionForm(connection=connection, initial=_initial(connection)), connection,
                         revealed=connection.revealed_webhook_secret)


def _initial(connection) -> dict:
    return {name: getattr(connection, name) for name in ("name", "base_url", "options", "sync_enabled",
                                                         "sync_interval_minutes", "writeback_enabled")}


class ConnectionEditView(_ConnectionFormPage):
    def get(self, request, connection_id: int):
        connection = self.connection(connection_id)
        return self.show(ConnectionForm(connection=connection, initial=_initial(connection)), connection)

    def post(self, request, connection_id: int):
        connection = self.connection(connection_id)
        form = ConnectionForm(request.POST, connection=connection)
        if not form.is_valid():
            return self.show(form, connection, status=400)
        try:
            connection = services.connection_update(actor=self.actor, connection=connection,
                                                    **form.service_arguments())
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.show(form, connection, status=error.status)
        revealed = getattr(connection, "revealed_webhook_secret", None)
        if revealed:
            return self.show(ConnectionForm(connection=connection, initial=_initial(connection)), connection,
                             revealed=revealed)
        messages.success(request, f"{connection.name} was saved.")
        return redirect(self.url("connection_edit", connection_id=connection.pk))


class ConnectionTestView(IntegrationsPage):
    """htmx: the answer of "test connection", as a fragment."""

    def post(self, request, connection_id: int):
        answer = services.connection_test(actor=self.actor, connection=self.connection(connection_id))
        return render(request, "integrations/_probe.html", {"answer": answer})


class ConnectionSyncView(IntegrationsPage):
    def post(self, request, connection_id: int):
        connection = self.connection(connection_id)
        try:
            run = services.connection_sync_request(connection=connection, actor=self.actor)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(self.url("connection_edit", connection_id=connection.pk))
        return redirect(self.url("sync_run", sync_run_id=run.pk))


class ConnectionArchiveView(IntegrationsPage):
    def get(self, request, connection_id: int):
        return render(request, "integrations/archive_confirm.html", {
            "connection": self.connection(connection_id), "tab": "connections"})

    def post(self, request, connection_id: int):
        connection = services.connection_archive(actor=self.actor, connection=self.connection(connection_id))
        messages.success(request, f"{connection.name} was archived; the records it brought in stay.")
        return redirect(self.url("connections"))


class MappingView(IntegrationsPage):
    def show(self, connection, form, status: int = 200):
        try:
            effective = Mapping.from_overrides(connection.mapping).as_dict()
        except DomainError:
            effective = DEFAULTS
        overrides = connection.mapping or {}
        sections = [{"name": name, "rows": [
            {"raw": raw, "value": value, "overridden": raw in {k.casefold() for k in overrides.get(name, {})}}
            for raw, value in (table.items() if isinstance(table, dict) else enumerate(table))]}
            for name, table in effective.items()]
        return render(self.request, "integrations/mapping.html", {
            "connection": connection, "form": form, "sections": sections, "tab": "connections"}, status=status)

    def get(self, request, connection_id: int):
        connection = self.connection(connection_id)
        return self.show(connection, MappingForm(initial={"mapping": connection.mapping}))

    def post(self, request, connection_id: int):
        connection = self.connection(connection_id)
        form = MappingForm(request.POST)
        if not form.is_valid():
            return self.show(connection, form, status=400)
        try:
            services.connection_update(actor=self.actor, connection=connection, mapping=form.cleaned_data["mapping"])
        except DomainError as error:
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error("mapping", f"{field}: {problem}")
            return self.show(connection, form, status=error.status)
        messages.success(request, "The mapping was saved and re-applied to the stored records.")
        return redirect(self.url("connection_mapping", connection_id=connection.pk))
