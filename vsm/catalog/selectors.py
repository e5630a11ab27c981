from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from vsm.catalog.models import Service, Team, TeamMember, ValueStream


def value_stream_list() -> QuerySet[ValueStream]:
    return ValueStream.objects.annotate(service_count=Count("services")).order_by("name")


def team_list() -> QuerySet[Team]:
    """Teams with their counts and their members (users fetched along), in two queries."""
    return (
        Team.objects.annotate(member_count=Count("memberships", distinct=True),
                              service_count=Count("services", distinct=True))
        .prefetch_related(Prefetch("memberships", queryset=TeamMember.objects.select_related("user")))
        .order_by("name")
    )


def service_list() -> QuerySet[Service]:
    """Filtered by vsm.catalog.filters.ServiceFilter (API) and ServicePageFilter (the page)."""
    return Service.objects.select_related("value_stream", "team").order_by("name")
