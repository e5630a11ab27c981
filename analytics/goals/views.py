"""The goals page: every goal with how it stands over the last CHECK_DAYS days is on the
dashboards; here they are listed, and release managers, administrators and owners add and
remove them."""

from __future__ import annotations

from django.shortcuts import redirect, render

from analytics.goals import services
from analytics.goals.forms import MetricGoalForm
from analytics.goals.selectors import goal_get, goal_list
from analytics.models import MetricGoal
from vsm.errors import DomainError, found
from vsm.tenancy.pages import OrgView


class GoalsView(OrgView):
    queryset = MetricGoal.objects.all()
    write_permission = services.GOAL_PERMISSION

    def _render(self, request, form, status: int = 200):
        can_edit = request.membership.has(services.GOAL_PERMISSION)
        return render(request, "analytics/goals.html",
                      {"goals": goal_list(), "form": form if can_edit else None,
                       "can_edit": can_edit, "check_days": services.CHECK_DAYS},
                      status=status)

    def get(self, request):
        return self._render(request, MetricGoalForm())

    def post(self, request):
        form = MetricGoalForm(request.POST)
        if form.is_valid():
            try:
                services.goal_create(actor=self.actor, **form.cleaned_data)
            except DomainError as error:
                self.domain_error_to_form(form, error)
                return self._render(request, form, status=error.status)
            return redirect("analytics:goals", org_slug=self.org.slug)
        return self._render(request, form, status=400)


class GoalDeleteView(OrgView):
    """Deletes on POST (the list's button asks first)."""

    queryset = MetricGoal.objects.all()
    write_permission = services.GOAL_PERMISSION

    def post(self, request, pk: int):
        goal = found(goal_get(goal_id=pk), "goal")
        services.goal_delete(actor=self.actor, goal=goal)
        return redirect("analytics:goals", org_slug=self.org.slug)
