"""The value stream map page, the drill-down behind each of its numbers, and the pages where
administrators define the map's stages. The numbers come from analytics.streammap.selectors, the function the
metrics API answers with; the stages are written by analytics.streammap.services."""

from __future__ import annotations

import plotly.graph_objects as go
from django.shortcuts import redirect, render
from django.urls import reverse

from analytics import charts
from analytics.models import ValueStreamStage
from analytics.page_filters import filter_context, filters_from_request
from analytics.query import query_param
from analytics.selectors import scope_choices, value_stream_get
from analytics.streammap.events import DEFAULT_STAGES, EVENTS
from analytics.streammap.forms import ValueStreamStageForm
from analytics.streammap.selectors import (
    value_stream_map,
    value_stream_map_records,
    value_stream_map_stages,
    value_stream_stage_get,
)
from analytics.streammap.services import (
    value_stream_stage_create,
    value_stream_stage_delete,
    value_stream_stage_update,
    value_stream_stages_copy_defaults,
)
from vsm.errors import DomainError, InvalidInput, found
from vsm.tenancy.pages import OrgView, paginate
from vsm.tenancy.roles import Perm

RECORDS_PAGE_SIZE = 50
C = charts.COLORS
# What each event needs, said where the map finds none of it.
EVENT_SOURCES = {
    "work_started": "work items with a status history from your tracker (Jira or another)",
    "pr_opened": "pull requests naming the work item's key (GitHub or GitLab)",
    "pr_first_review": "reviews of those pull requests",
    "pr_merged": "merged pull requests",
    "first_test_deploy": "deployments to test environments listing the merged commits",
    "gate_passed": "releases named in the work items' fix versions, advanced through their phase gates",
    "production_deploy": "production deployments listing the merged commits",
    "work_done": "work items resolved in the tracker",
}


def map_chart(report: dict):
    """The stages left to right, each a bar of its median active (green) and waiting (red) hours."""
    stages = [s for s in report["stages"] if s["items"]]
    if not stages:
        return None
    names = [f"{s['position'] + 1}. {s['name']}" for s in stages]
    figure = go.Figure([
        go.Bar(name="active (median h)", x=names, y=[s["median_active_hours"] for s in stages], marker_color=C["ok"],
               text=[s["median_active_hours"] for s in stages], textposition="inside"),
        go.Bar(name="waiting (median h)", x=names, y=[s["median_waiting_hours"] for s in stages],
               marker_color=C["bad"], text=[s["median_waiting_hours"] for s in stages], textposition="inside"),
    ])
    figure.update_layout(barmode="stack", yaxis_title="hours (median per item)", showlegend=True)
    return charts.figure_html(figure, label="Median active and waiting hours in each stage of the value stream",
                              height=320)


def _missing(report: dict) -> list[dict]:
    """The events no item of the window has, with where that data comes from."""
    events = report["coverage"]["events"]
    used = {name for s in report["stages"] for name in (s["start_event"], s["end_event"])}
    return [{"event": name, "label": EVENTS[name], "source": EVENT_SOURCES.get(name, "")}
            for name in EVENTS if name in used and not events[name]]


class ValueStreamMapView(OrgView):
    """The map of the chosen value stream (or the whole organization) for a window."""

    def get(self, request):
        filters = filters_from_request(request, series=False)
        context = {**filter_context(filters),
                   "can_edit": request.membership.has(Perm.MANAGE_ORGANIZATION)}
        if filters.query is not None:
            report = value_stream_map(query=filters.query)
            records = reverse("analytics:vsm_records", kwargs={"org_slug": self.org.slug})
            for stage in report["stages"]:
                stage["drill"] = f"{records}?{filters.params(stage=stage['position'])}"
            context.update(
                report=report, chart=map_chart(report), missing=_missing(report),
                whole_drill=f"{records}?{filters.params(stage=len(report['stages']))}",
                items_drill=f"{records}?{filters.params()}",
                coverage=[{"event": name, "label": EVENTS[name], "count": count,
                           "drill": f"{records}?{filters.params(event=name)}"}
                          for name, count in report["coverage"]["events"].items()],
                stages_url=reverse("analytics:vsm_stages", kwargs={"org_slug": self.org.slug})
                + (f"?value_stream={filters.values['value_stream']}" if filters.values.get("value_stream") else ""))
        template = "analytics/_vsm_body.html" if request.htmx else "analytics/vsm.html"
        return render(request, template, context, status=400 if filters.errors else 200)


class ValueStreamMapRecordsView(OrgView):
    """The items behind one number of the map: ?stage=<position> (the number of stages: the whole
    map), or the window's items (?event=<name>: those for which it was found)."""

    def get(self, request):
        filters = filters_from_request(request, series=False)
        stage, event = request.GET.get("stage", "").strip(), request.GET.get("event", "").strip()
        context = {**filter_context(filters), "stage": stage, "event": event}
        if filters.query is not None:
            try:
                records = value_stream_map_records(query=filters.query, stage=query_param(request.GET, "stage") or "",
                                                   event=query_param(request.GET, "event") or "")
            except InvalidInput as error:
                filters.errors = error.fields
            else:
                page = paginate(request, records, RECORDS_PAGE_SIZE)["page_obj"]
                columns = [c for c in records.columns if c != "why"]
                map_url = reverse("analytics:vsm", kwargs={"org_slug": self.org.slug})
                context.update(
                    page_obj=page, columns=columns, title=self._title(records, event),
                    rows=[{"cells": [(c, row.get(c)) for c in columns], "why": row["why"], "url": row.get("url")}
                          for row in page.object_list],
                    map_url=f"{map_url}?{filters.params(window='custom')}")
        return render(request, "analytics/vsm_records.html", context, status=400 if filters.errors else 200)

    @staticmethod
    def _title(records, event: str) -> str:
        stage = getattr(records, "stage", None)
        if stage is not None:
            return f"{stage.name}: {EVENTS[stage.start_event]} to {EVENTS[stage.end_event]}"
        return f"Items with: {EVENTS[event]}" if event else "Items of the window"


# --- defining the stages ----------------------------------------------------------------------

class _StagePage(OrgView):
    permission = Perm.MANAGE_ORGANIZATION
    write_permission = Perm.MANAGE_ORGANIZATION
    queryset = ValueStreamStage.objects.all()

    def _stream(self, slug: str | None):
        if not slug:
            return None
        return found(value_stream_get(slug=slug), "value stream")

    def _stage(self, pk: int) -> ValueStreamStage:
        return found(value_stream_stage_get(pk=pk), "stage")

    def _saved(self, form, write) -> bool:
        """Valid input handed to the service `write`; its refusal goes onto the form."""
        if not form.is_valid():
            return False
        try:
            write(**form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return False
        return True

    def _list_redirect(self, stream):
        url = reverse("analytics:vsm_stages", kwargs={"org_slug": self.org.slug})
        return redirect(f"{url}?value_stream={stream.slug}" if stream else url)


class ValueStreamStagesView(_StagePage):
    """The stages of one map (?value_stream=<slug>; none: the organization's default) and a
    form to add one."""

    def _render(self, request, stream, form, status: int = 200):
        stages, origin = value_stream_map_stages(value_stream_id=stream.pk if stream else None)
        context = {"stream": stream, "stages": stages, "origin": origin, "form": form,
                   "built_in": DEFAULT_STAGES, "events": EVENTS,
                   "streams": scope_choices(scopes=("value_stream",))["value_stream"]}
        return render(request, "analytics/vsm_stages.html", context, status=status)

    def get(self, request):
        return self._render(request, self._stream(request.GET.get("value_stream")), ValueStreamStageForm())

    def post(self, request):
        stream = self._stream(request.GET.get("value_stream"))
        if request.POST.get("action") == "copy_defaults":
            try:
                value_stream_stages_copy_defaults(actor=self.actor, value_stream=stream)
            except DomainError as error:
                form = ValueStreamStageForm()
                form.add_error(None, error.message)
                return self._render(request, stream, form, status=409)
            return self._list_redirect(stream)
        form = ValueStreamStageForm(request.POST)
        if self._saved(form, lambda **data: value_stream_stage_create(actor=self.actor, value_stream=stream, **data)):
            return self._list_redirect(stream)
        return self._render(request, stream, form, status=400)


class ValueStreamStageEditView(_StagePage):
    def _render(self, stage, form, status: int = 200):
        return render(self.request, "analytics/vsm_stage_form.html", {"stage": stage, "form": form}, status=status)

    def get(self, request, pk: int):
        stage = self._stage(pk)
        return self._render(stage, ValueStreamStageForm(initial={
            "name": stage.name, "start_event": stage.start_event, "end_event": stage.end_event,
            "position": stage.position}))

    def post(self, request, pk: int):
        stage = self._stage(pk)
        form = ValueStreamStageForm(request.POST)
        if self._saved(form, lambda **data: value_stream_stage_update(actor=self.actor, stage=stage, **data)):
            return self._list_redirect(stage.value_stream)
        return self._render(stage, form, status=400)


class ValueStreamStageDeleteView(_StagePage):
    """Asks first (GET), deletes on POST."""

    def get(self, request, pk: int):
        stage = self._stage(pk)
        return render(request, "analytics/vsm_stage_delete.html", {"stage": stage})

    def post(self, request, pk: int):
        stage = self._stage(pk)
        stream = stage.value_stream
        value_stream_stage_delete(actor=self.actor, stage=stage)
        return self._list_redirect(stream)
