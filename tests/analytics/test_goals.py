"""Metric goals: the API (create, list, change, delete; 400 naming the field, 409 for a twin,
403 for roles that may not), the goals page, and each number shown against its goal on the
dashboards and the breakdown."""

from __future__ import annotations

import pytest

from analytics.models import MetricGoal
from tests.analytics.factories import MetricGoalFactory
from tests.analytics.pages_support import History
from tests.factories import TeamFactory, ValueStreamFactory
from vsm.audit.models import AuditEvent
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db
GOALS = "/api/v1/orgs/acme/metrics/goals/"


def _goals(org, in_org):
    with in_org(org):
        return list(MetricGoal.objects.order_by("pk").values("scope", "metric", "comparison", "target"))


def test_create_list_change_and_delete_a_goal_audited(api_owner_a, org_a, in_org):
    ValueStreamFactory(organization=org_a, slug="shop", name="Shop")
    created = api_owner_a.post(GOALS, {"metric": "change_failure_rate", "comparison": "at_most", "target": 0.1,
                                       "value_stream": "shop"}, format="json")
    assert created.status_code == 201, created.content
    goal = created.json()
    assert goal | {"id": 0, "created_at": ""} == {
        "id": 0, "scope": "value_stream", "value_stream": "shop", "team": None, "metric": "change_failure_rate",
        "comparison": "at_most", "target": 0.1, "created_at": ""}
    org_wide = api_owner_a.post(GOALS, {"metric": "change_lead_time", "comparison": "at_most", "target": 24},
                                format="json")
    assert org_wide.json()["scope"] == "organization"

    assert [g["metric"] for g in api_owner_a.get(GOALS).json()["results"]] == ["change_lead_time",
                                                                                "change_failure_rate"]
    assert [g["id"] for g in api_owner_a.get(f"{GOALS}?scope=value_stream").json()["results"]] == [goal["id"]]
    assert api_owner_a.get(f"{GOALS}?value_stream=shop&metric=change_lead_time").json()["results"] == []

    changed = api_owner_a.patch(f"{GOALS}{goal['id']}/", {"target": 0.05}, format="json")
    assert changed.status_code == 200 and changed.json()["target"] == 0.05
    assert api_owner_a.delete(f"{GOALS}{goal['id']}/").status_code == 204
    assert _goals(org_a, in_org) == [{"scope": "organization", "metric": "change_lead_time",
                                      "comparison": "at_most", "target": 24.0}]
    with in_org(org_a):
        actions = list(AuditEvent.objects.filter(action__startswith="metricgoal.").values_list("action", flat=True))
    assert sorted(actions) == ["metricgoal.created", "metricgoal.created", "metricgoal.deleted",
                               "metricgoal.updated"]


@pytest.mark.parametrize(("body", "field"), [
    ({"comparison": "at_most", "target": 1}, "metric"),
    ({"metric": "lead", "comparison": "at_most", "target": 1}, "metric"),
    ({"metric": "change_lead_time", "comparison": "below", "target": 1}, "comparison"),
    ({"metric": "change_lead_time", "comparison": "at_most", "target": "soon"}, "target"),
    ({"metric": "change_lead_time", "comparison": "at_most", "target": -1}, "target"),
    ({"metric": "change_failure_rate", "comparison": "at_most", "target": 10}, "target"),
    ({"metric": "change_lead_time", "comparison": "at_most", "target": 1, "value_stream": "nope"}, "value_stream"),
    ({"metric": "change_lead_time", "comparison": "at_most", "target": 1, "scope": "team"}, "team"),
    ({"metric": "change_lead_time", "comparison": "at_most", "target": 1, "scope": "organization",
      "value_stream": "shop"}, "value_stream"),
])
def test_bad_input_is_400_naming_the_field(api_owner_a, org_a, in_org, body, field):
    ValueStreamFactory(organization=org_a, slug="shop", name="Shop")
    response = api_owner_a.post(GOALS, body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]
    assert _goals(org_a, in_org) == []


def test_a_second_goal_for_the_same_scope_and_metric_is_409(api_owner_a, org_a):
    body = {"metric": "change_lead_time", "comparison": "at_most", "target": 24}
    first = api_owner_a.post(GOALS, body, format="json").json()
    response = api_owner_a.post(GOALS, {**body, "target": 12}, format="json")
    assert response.status_code == 409
    assert str(first["id"]) in response.json()["error"]["message"]


def test_a_bad_filter_is_400_naming_it(api_owner_a, org_a):
    response = api_owner_a.get(f"{GOALS}?scope=galaxy")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["scope"]


@pytest.mark.parametrize(("role", "status"), [(Role.ENGINEER, 403), (Role.VIEWER, 403), (Role.RELEASE_MANAGER, 201)])
def test_release_managers_administrators_and_owners_set_goals(api_as, org_a, role, status):
    response = api_as(role).post(GOALS, {"metric": "change_lead_time", "comparison": "at_most", "target": 24},
                                 format="json")
    assert response.status_code == status


def test_another_organizations_goals_and_groups_stay_out_of_reach(api_owner_a, org_a, org_b, in_org):
    theirs = MetricGoalFactory(organization=org_b, target=0.2)
    ValueStreamFactory(organization=org_b, slug="theirs", name="Theirs")
    assert api_owner_a.get(GOALS).json()["results"] == []
    assert api_owner_a.get(f"{GOALS}{theirs.pk}/").status_code == 404
    assert api_owner_a.delete(f"{GOALS}{theirs.pk}/").status_code == 404
    response = api_owner_a.post(GOALS, {"metric": "change_lead_time", "comparison": "at_most", "target": 1,
                                        "value_stream": "theirs"}, format="json")
    assert list(response.json()["error"]["fields"]) == ["value_stream"]
    assert _goals(org_b, in_org) == [{"scope": "organization", "metric": "change_failure_rate",
                                      "comparison": "at_most", "target": 0.2}]


def test_the_goals_list_query_budget_does_not_grow(api_owner_a, org_a, django_assert_max_num_queries):
    def budget():
        with django_assert_max_num_queries(8) as queries:
            assert api_owner_a.get(GOALS).status_code == 200
        return len(queries.captured_queries)
    small = budget()
    for n in range(5):
        MetricGoalFactory(organization=org_a, scope="team", team=TeamFactory(organization=org_a, slug=f"t{n}"),
                          metric="change_lead_time")
    assert budget() == small


# --- the page --------------------------------------------------------------------------------

PAGE = "/o/acme/analytics/goals/"


def test_the_page_adds_and_deletes_goals_for_those_who_may(client_a, org_a, in_org):
    assert 'data-testid="goal-form"' in client_a.get(PAGE).content.decode()
    response = client_a.post(PAGE, {"metric": "change_failure_rate", "comparison": "at_most", "target": "0.1"})
    assert response.status_code == 302
    body = client_a.get(PAGE).content.decode()
    assert "the organization" in body and "at most 10.0 %" in body
    refused = client_a.post(PAGE, {"metric": "change_failure_rate", "comparison": "at_most", "target": "0.2"})
    assert refused.status_code == 409 and "already has a goal" in refused.content.decode()
    [goal] = _goals(org_a, in_org)
    with in_org(org_a):
        pk = MetricGoal.objects.get().pk
    assert client_a.post(f"{PAGE}{pk}/delete/").status_code == 302
    assert _goals(org_a, in_org) == []


def test_a_bad_target_is_refused_on_the_form(client_a):
    response = client_a.post(PAGE, {"metric": "change_failure_rate", "comparison": "at_most", "target": "3"})
    assert response.status_code == 400 and "fraction" in response.content.decode()


def test_viewers_see_the_goals_without_the_controls(client, member_factory, org_a):
    client.force_login(member_factory(Role.VIEWER))
    MetricGoalFactory(organization=org_a)
    body = client.get(PAGE).content.decode()
    assert 'data-testid="goal-row"' in body and "goal-form" not in body and "Delete" not in body
    assert client.post(PAGE, {"metric": "change_lead_time", "comparison": "at_most", "target": "1"}).status_code == 403


# --- progress on the dashboards and the breakdown -------------------------------------------

@pytest.fixture
def history(org_a):
    """payments-api: 4 deployments in the last week, one of them failed (25 %)."""
    history = History(org_a)
    for days_ago in (1, 2, 3, 4):
        deployment = history.deploy(days_ago)
        if days_ago == 2:
            history.incident(deployment)
    history.derive()
    return history


def _tile_goal(body: str, metric: str) -> str:
    tile = body.split(f'data-testid="tile-{metric}"', 1)[1].split("</section>", 1)[0]
    return tile.split('data-testid="goal"', 1)[1].split("</div>", 1)[0] if 'data-testid="goal"' in tile else ""


def test_tiles_show_the_target_and_whether_it_is_met(client_a, org_a, history):
    MetricGoalFactory(organization=org_a, metric="change_failure_rate", comparison="at_most", target=0.1)
    MetricGoalFactory(organization=org_a, metric="deployment_frequency", comparison="at_least", target=0.1)
    body = client_a.get("/o/acme/analytics/?window=30").content.decode()
    assert "at most 10.0 %" in _tile_goal(body, "change_failure_rate")
    assert ">missed<" in _tile_goal(body, "change_failure_rate")
    assert ">met<" in _tile_goal(body, "deployment_frequency")
    assert _tile_goal(body, "change_lead_time") == ""


def test_a_value_streams_own_goal_wins_over_the_organizations(client_a, org_a, history):
    MetricGoalFactory(organization=org_a, metric="change_failure_rate", comparison="at_most", target=0.1)
    MetricGoalFactory(organization=org_a, scope="value_stream", value_stream=history.stream,
                      metric="change_failure_rate", comparison="at_most", target=0.3)
    stream_page = client_a.get("/o/acme/analytics/value-streams/payments/?window=30").content.decode()
    assert ">met<" in _tile_goal(stream_page, "change_failure_rate")
    org_page = client_a.get("/o/acme/analytics/?window=30").content.decode()
    assert ">missed<" in _tile_goal(org_page, "change_failure_rate")
    breakdown = client_a.get("/o/acme/analytics/dora/breakdown/?window=30&by=value_stream").content.decode()
    assert 'data-testid="goal-change_failure_rate"' in breakdown and "goal met" in breakdown
    by_service = client_a.get("/o/acme/analytics/dora/breakdown/?window=30&by=service").content.decode()
    assert "goal missed" in by_service, "services are held to the organization's goal"
