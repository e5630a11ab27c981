"""The environment managers' pages: create and edit environments, change their status, and keep
environment groups. Every write goes through the services, so each leaves an audit event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from environments.models import Environment, EnvironmentGroup
from tests.environments.factories import BookingFactory, EnvironmentFactory, EnvironmentGroupFactory
from tests.environments.support import text
from tests.factories import TeamFactory, TeamMemberFactory, ValueStreamFactory
from vsm.audit.models import AuditEvent
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

PAGES = "/o/acme/environments"

MANAGER_PAGES = ["new/", "sit-1/edit/", "sit-1/status/", "groups/", "groups/new/", "groups/stack/edit/",
                 "groups/stack/delete/"]


@pytest.fixture
def world(org_a, org_b):
    """Org A: a stack group holding SIT 1, a team, a value stream. Org B: rows with other slugs,
    some of them taken by nothing in A, so a 404 or a refused choice cannot be a coincidence."""
    stack = EnvironmentGroupFactory(organization=org_a, name="Checkout stack", slug="stack")
    env = EnvironmentFactory(organization=org_a, name="SIT 1", slug="sit-1", tier="integration", group=stack)
    TeamFactory(organization=org_a, name="Checkout", slug="checkout")
    ValueStreamFactory(organization=org_a, name="Payments", slug="payments")
    b_group = EnvironmentGroupFactory(organization=org_b, name="CANARY-B stack", slug="b-stack")
    EnvironmentFactory(organization=org_b, name="CANARY-B env", slug="b-env", group=b_group)
    TeamFactory(organization=org_b, name="CANARY-B team", slug="b-team")
    ValueStreamFactory(organization=org_b, name="CANARY-B stream", slug="b-stream")
    return env


@pytest.fixture
def manager(login):
    return login(Role.ENVIRONMENT_MANAGER)


def events(org, action: str) -> list[AuditEvent]:
    with tenant_context(org):
        return list(AuditEvent.objects.filter(action=action))


def environment(org, slug: str) -> Environment:
    with tenant_context(org):
        return Environment.objects.select_related("group", "owning_team", "value_stream").get(slug=slug)


def as_post(form) -> dict:
    """What a browser sends back for an untouched form: its shown values (ticked boxes only)."""
    data = {}
    for field in form:
        value = field.value()
        if field.widget_type == "checkbox":
            if value:
                data[field.name] = "on"
        elif field.widget_type == "checkboxselectmultiple":
            data[field.name] = [str(v) for v in value or []]
        else:
            data[field.name] = "" if value is None else str(value)
    return data


ENVIRONMENT = {"name": "UAT 2", "slug": "uat-2", "tier": "uat", "is_production": "False", "value_stream": "payments",
               "owning_team": "checkout", "group": "stack", "url": "https://uat-2.acme.test",
               "description": "The second UAT", "is_bookable": "on", "requires_booking": "True",
               "requires_approval": "on", "requires_deployment_approval": "on", "max_booking_hours": "48",
               "capacity": "2"}


# --- who may see and use the pages ------------------------------------------------------------

@pytest.mark.parametrize("path", MANAGER_PAGES)
def test_each_page_renders_for_a_manager(world, manager, path):
    response = manager.get(f"{PAGES}/{path}")
    assert response.status_code == 200
    assert "CANARY-B" not in text(response)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER, Role.APPROVER, Role.RELEASE_MANAGER])
@pytest.mark.parametrize("path", MANAGER_PAGES)
def test_each_page_refuses_other_roles(org_a, world, login, path, role, method):
    client = login(role)
    response = getattr(client, method)(f"{PAGES}/{path}", ENVIRONMENT if method == "post" else None)
    assert response.status_code == 403
    with tenant_context(org_a):
        assert not AuditEvent.objects.exists()
        assert EnvironmentGroup.objects.filter(slug="stack").exists()


@pytest.mark.parametrize(("role", "shown"), [(Role.ENVIRONMENT_MANAGER, True), (Role.OWNER, True),
                                             (Role.ENGINEER, False), (Role.VIEWER, False)])
def test_manager_links_show_only_to_those_allowed(world, login, role, shown):
    client = login(role)
    listing, detail = text(client.get(f"{PAGES}/")), text(client.get(f"{PAGES}/sit-1/"))
    assert ("New environment" in listing) is shown
    assert (f'href="{PAGES}/groups/"' in listing) is shown
    assert (f'href="{PAGES}/sit-1/edit/"' in detail) is shown
    assert (f'href="{PAGES}/sit-1/status/"' in detail) is shown


def test_the_owning_teams_managers_edit_their_environment_but_create_nothing(org_a, world, login):
    """The page applies the update service's rule: managers of the owning team count as managers."""
    client = login(Role.ENGINEER)
    team = TeamFactory(organization=org_a, slug="qa")
    TeamMemberFactory(organization=org_a, team=team, user=client.user, is_manager=True)
    with tenant_context(org_a):
        Environment.objects.filter(pk=world.pk).update(owning_team=team)
    assert f'href="{PAGES}/sit-1/edit/"' in text(client.get(f"{PAGES}/sit-1/"))
    response = client.post(f"{PAGES}/sit-1/status/", {"status": "down", "reason": "Disk full"})
    assert response.status_code == 302
    assert environment(org_a, "sit-1").status == "down"
    assert client.get(f"{PAGES}/sit-1/edit/").status_code == 200
    assert client.get(f"{PAGES}/new/").status_code == 403


# --- creating and editing environments ----------------------------------------------------------

def test_creating_an_environment_writes_every_field_through_the_service(org_a, world, manager):
    response = manager.post(f"{PAGES}/new/", ENVIRONMENT)
    assert response.status_code == 302 and response["Location"] == f"{PAGES}/uat-2/"
    env = environment(org_a, "uat-2")
    assert (env.name, env.tier, env.value_stream.slug, env.owning_team.slug, env.group.slug) == (
        "UAT 2", "uat", "payments", "checkout", "stack")
    assert (env.url, env.description, env.max_booking_hours, env.capacity) == (
        "https://uat-2.acme.test", "The second UAT", 48, 2)
    assert env.is_bookable and env.requires_approval and env.requires_deployment_approval
    assert not env.is_production and env.requires_booking
    (event,) = events(org_a, "environment.created")
    assert event.object_id == str(env.pk) and event.actor_user == manager.user
    assert event.after["slug"] == "uat-2" and event.after["capacity"] == 2


@pytest.mark.parametrize(("choices", "production", "requires_booking", "bookable"), [
    ({"tier": "production"}, True, False, True),
    ({"tier": "production", "is_production": "False", "requires_booking": "True"}, False, True, True),
    ({"tier": "test", "is_production": "True", "is_bookable": ""}, True, False, False),
])
def test_yes_no_choices_left_empty_are_derived_by_the_service(org_a, world, manager, choices, production,
                                                             requires_booking, bookable):
    data = {**ENVIRONMENT, "is_production": "", "requires_booking": "", **choices}
    assert manager.post(f"{PAGES}/new/", {k: v for k, v in data.items() if v != ""}).status_code == 302
    env = environment(org_a, "uat-2")
    assert (env.is_production, env.requires_booking, env.is_bookable) == (production, requires_booking, bookable)


def test_a_slug_may_be_left_to_the_service_and_org_bs_slugs_are_free_in_a(org_a, world, manager):
    assert manager.post(f"{PAGES}/new/", {**ENVIRONMENT, "name": "Perf Lab", "slug": ""}).status_code == 302
    assert environment(org_a, "perf-lab").name == "Perf Lab"
    assert manager.post(f"{PAGES}/new/", {**ENVIRONMENT, "slug": "b-env"}).status_code == 302


def test_the_edit_form_shows_the_current_values_and_saves_changes(org_a, world, manager):
    page = manager.get(f"{PAGES}/sit-1/edit/")
    form = page.context["form"]
    assert form["name"].value() == "SIT 1" and form["group"].value() == "stack"
    assert '<option value="False" selected>No</option>' in page.content.decode()
    data = {**as_post(form), "slug": "sit-one", "capacity": "3", "group": "", "owning_team": "checkout",
            "requires_approval": "on"}
    response = manager.post(f"{PAGES}/sit-1/edit/", data)
    assert response.status_code == 302 and response["Location"] == f"{PAGES}/sit-one/"
    env = environment(org_a, "sit-one")
    assert (env.capacity, env.group, env.owning_team.slug, env.requires_approval) == (3, None, "checkout", True)
    (event,) = events(org_a, "environment.updated")
    assert (event.before["slug"], event.after["slug"]) == ("sit-1", "sit-one")
    assert event.before["group_id"] is not None and event.after["group_id"] is None


def test_an_untouched_edit_changes_nothing_and_records_nothing(org_a, world, manager):
    form = manager.get(f"{PAGES}/sit-1/edit/").context["form"]
    assert manager.post(f"{PAGES}/sit-1/edit/", as_post(form)).status_code == 302
    assert events(org_a, "environment.updated") == []


BAD_ENVIRONMENT_INPUT = [
    ("name", ""), ("name", "x" * 121),
    ("slug", "not a slug!"), ("slug", "new"), ("slug", "x" * 61),
    ("tier", "moon"),
    ("is_production", "maybe"), ("requires_booking", "maybe"),
    ("value_stream", "nope"), ("value_stream", "b-stream"),
    ("owning_team", "nope"), ("owning_team", "b-team"),
    ("group", "nope"), ("group", "b-stack"),
    ("url", "not a url"), ("url", "https://acme.test/" + "x" * 200),
    ("description", "x" * 5001),
    ("max_booking_hours", "0"), ("max_booking_hours", "soon"), ("max_booking_hours", "9" * 12),
    ("capacity", "0"), ("capacity", "1001"), ("capacity", "many"), ("capacity", ""),
]


@pytest.mark.parametrize("path", ["new/", "sit-1/edit/"])
@pytest.mark.parametrize(("field", "value"), BAD_ENVIRONMENT_INPUT)
def test_bad_environment_input_answers_400_naming_the_field(org_a, world, manager, path, field, value):
    response = manager.post(f"{PAGES}/{path}", {**ENVIRONMENT, field: value})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert errors[field][0] in response.content.decode().replace("&#x27;", "'")
    assert "CANARY-B" not in text(response)
    with tenant_context(org_a):
        assert not AuditEvent.objects.exists()
        assert not Environment.objects.filter(slug="uat-2").exists()


@pytest.mark.parametrize("field", ["slug", "is_production", "requires_booking"])
def test_an_edit_must_keep_a_slug_and_say_yes_or_no(world, manager, field):
    response = manager.post(f"{PAGES}/sit-1/edit/", {**ENVIRONMENT, field: ""})
    assert response.status_code == 400 and response.context["form"].errors == {field: ["This field is required."]}


def test_only_a_new_environment_may_leave_yes_or_no_to_the_tier(world, manager):
    assert "Only if the tier is production" in text(manager.get(f"{PAGES}/new/"))
    assert "Only if the tier is production" not in text(manager.get(f"{PAGES}/sit-1/edit/"))


@pytest.mark.parametrize("path", ["new/", "sit-1/edit/"])
def test_a_taken_slug_is_a_409_on_the_slug(org_a, world, manager, path):
    EnvironmentFactory(organization=org_a, slug="uat-2")
    response = manager.post(f"{PAGES}/{path}", ENVIRONMENT)
    assert response.status_code == 409
    assert list(response.context["form"].errors) == ["slug"] and "taken" in text(response)


def test_lowering_the_capacity_below_the_overlapping_bookings_is_a_409(org_a, world, manager):
    with tenant_context(org_a):
        Environment.objects.filter(pk=world.pk).update(capacity=2)
    start = timezone.now() + timedelta(days=1)
    BookingFactory.create_batch(2, organization=org_a, environment=environment(org_a, "sit-1"), start=start)
    form = manager.get(f"{PAGES}/sit-1/edit/").context["form"]
    response = manager.post(f"{PAGES}/sit-1/edit/", {**as_post(form), "capacity": "1"})
    assert response.status_code == 409
    assert list(response.context["form"].errors) == ["capacity"] and "overlap" in text(response)
    assert environment(org_a, "sit-1").capacity == 2
    assert manager.post(f"{PAGES}/sit-1/edit/", {**as_post(form), "capacity": "3"}).status_code == 302


# --- status ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "reason"), [("maintenance", "Patching"), ("down", "Disk full"),
                                                ("available", "")])
def test_the_status_changes_through_the_service(org_a, world, manager, status, reason):
    with tenant_context(org_a):
        Environment.objects.filter(pk=world.pk).update(status="down", status_reason="Was down")
    response = manager.post(f"{PAGES}/sit-1/status/", {"status": status, "reason": reason})
    assert response.status_code == 302 and response["Location"] == f"{PAGES}/sit-1/"
    env = environment(org_a, "sit-1")
    assert (env.status, env.status_reason) == (status, reason)
    (event,) = events(org_a, "environment.updated")
    assert event.after["status"] == status and event.actor_user == manager.user


@pytest.mark.parametrize(("data", "field"), [
    ({"status": "maintenance", "reason": ""}, "reason"),
    ({"status": "down", "reason": "   "}, "reason"),
    ({"status": "down", "reason": "x" * 301}, "reason"),
    ({"status": "exploded", "reason": "Boom"}, "status"),
    ({"reason": "Boom"}, "status"),
])
def test_bad_status_input_answers_400_naming_the_field(org_a, world, manager, data, field):
    response = manager.post(f"{PAGES}/sit-1/status/", data)
    assert response.status_code == 400 and list(response.context["form"].errors) == [field]
    assert environment(org_a, "sit-1").status == "available"


def test_the_status_form_starts_from_the_current_status(org_a, world, manager):
    with tenant_context(org_a):
        Environment.objects.filter(pk=world.pk).update(status="maintenance", status_reason="Upgrade to 18")
    form = manager.get(f"{PAGES}/sit-1/status/").context["form"]
    assert (form["status"].value(), form["reason"].value()) == ("maintenance", "Upgrade to 18")


# --- groups ----------------------------------------------------------------------------------

def members(org, slug: str) -> list[str]:
    with tenant_context(org):
        return sorted(Environment.objects.filter(group__slug=slug).values_list("slug", flat=True))


def test_creating_a_group_with_members_moves_them_and_audits(org_a, world, manager):
    EnvironmentFactory(organization=org_a, slug="uat-1")
    response = manager.post(f"{PAGES}/groups/new/", {"name": "Release stack", "description": "SIT and UAT",
                                                     "environments": ["sit-1", "uat-1"]})
    assert response.status_code == 302 and response["Location"] == f"{PAGES}/groups/"
    assert members(org_a, "release-stack") == ["sit-1", "uat-1"] and members(org_a, "stack") == []
    (created,) = events(org_a, "environmentgroup.created")
    (moved,) = events(org_a, "environmentgroup.members_changed")
    assert created.after["slug"] == "release-stack" and moved.after == {"environments": ["sit-1", "uat-1"]}


def test_editing_a_group_renames_it_and_changes_members_only_when_asked(org_a, world, manager):
    EnvironmentFactory(organization=org_a, slug="uat-1", name="UAT 1")
    page = manager.get(f"{PAGES}/groups/stack/edit/")
    form = page.context["form"]
    assert "slug" not in form.fields and form["environments"].value() == ["sit-1"]
    assert "UAT 1" in text(page) and "SIT 1 (in Checkout stack)" in text(page)
    assert manager.post(f"{PAGES}/groups/stack/edit/", {**as_post(form), "name": "Main stack"}).status_code == 302
    assert events(org_a, "environmentgroup.members_changed") == []
    (renamed,) = events(org_a, "environmentgroup.updated")
    assert (renamed.before["name"], renamed.after["name"]) == ("Checkout stack", "Main stack")
    response = manager.post(f"{PAGES}/groups/stack/edit/", {"name": "Main stack", "environments": ["uat-1"]})
    assert response.status_code == 302
    assert members(org_a, "stack") == ["uat-1"]
    assert len(events(org_a, "environmentgroup.members_changed")) == 1


@pytest.mark.parametrize("path", ["groups/new/", "groups/stack/edit/"])
@pytest.mark.parametrize(("field", "value"), [
    ("name", ""), ("name", "x" * 121), ("description", "x" * 5001),
    ("environments", "nope"), ("environments", "b-env"),
])
def test_bad_group_input_answers_400_naming_the_field(org_a, world, manager, path, field, value):
    response = manager.post(f"{PAGES}/{path}", {"name": "Release stack", "environments": ["sit-1"], field: value})
    assert response.status_code == 400 and list(response.context["form"].errors) == [field]
    assert "CANARY-B" not in text(response)
    assert members(org_a, "stack") == ["sit-1"]
    with tenant_context(org_a):
        assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(("slug", "status"), [("not a slug", 400), ("groups", 400), ("stack", 409)])
def test_a_bad_or_taken_group_slug_is_refused_on_the_slug(world, manager, slug, status):
    response = manager.post(f"{PAGES}/groups/new/", {"name": "Another", "slug": slug})
    assert response.status_code == status and list(response.context["form"].errors) == ["slug"]


def test_deleting_a_group_asks_first_and_keeps_its_environments(org_a, world, manager):
    confirm = text(manager.get(f"{PAGES}/groups/stack/delete/"))
    assert "Delete the environment group Checkout stack?" in confirm and "SIT 1" in confirm
    assert members(org_a, "stack") == ["sit-1"]
    response = manager.post(f"{PAGES}/groups/stack/delete/")
    assert response.status_code == 302 and response["Location"] == f"{PAGES}/groups/"
    with tenant_context(org_a):
        assert not EnvironmentGroup.objects.exists()
    assert environment(org_a, "sit-1").group is None
    (deleted,) = events(org_a, "environmentgroup.deleted")
    assert deleted.before["slug"] == "stack"


@pytest.mark.parametrize("count", [1, 25])
def test_the_group_list_pages_with_flat_queries(org_a, world, manager, count, django_assert_max_num_queries):
    for n in range(count):
        group = EnvironmentGroupFactory(organization=org_a, name=f"Group {n:02d}")
        EnvironmentFactory.create_batch(3, organization=org_a, group=group)
    with django_assert_max_num_queries(14):  # the same bound for 2 groups and for 26
        response = manager.get(f"{PAGES}/groups/")
    body = text(response)
    assert response.status_code == 200 and "SIT 1" in body and "CANARY-B" not in body
    assert body.count("/edit/") == min(count + 1, 25)
    if count == 25:  # 26 groups with the fixture's: the last is on page 2
        assert "Group 24" in text(manager.get(f"{PAGES}/groups/?page=2"))


# --- org B's rows ----------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", ["b-env/edit/", "b-env/status/", "groups/b-stack/edit/", "groups/b-stack/delete/"])
def test_org_bs_ids_answer_404(org_b, world, manager, path, method):
    response = getattr(manager, method)(f"{PAGES}/{path}", {"name": "Taken", "status": "down", "reason": "x"}
                                        if method == "post" else None)
    assert response.status_code == 404 and "CANARY-B" not in text(response)
    with tenant_context(org_b):
        assert EnvironmentGroup.objects.get().name == "CANARY-B stack"
        assert Environment.objects.get().status == "available"
        assert not AuditEvent.objects.exists()
