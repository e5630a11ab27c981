"""The pages: change sets with their diff and source in the organization's settings, and the
warning on the edit pages of objects a file manages."""

from __future__ import annotations

import pytest

from orgconfig.models import ChangeSet
from orgconfig.services import config_apply
from releases.models import FreezeWindow, ReleaseSlotWindow, ReleaseTemplate
from tests.factories import MembershipFactory, ServiceFactory, UserFactory
from tests.orgconfig.test_api import SAMPLE
from vsm.moments import moment_text
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def applied(org_a, owner_a, in_org):
    for email in ("lead@acme.test", "dev@acme.test"):
        MembershipFactory(organization=org_a, user=UserFactory(email=email), role=Role.ENGINEER)
    with in_org(org_a):
        config_apply(actor=Actor(role=Role.OWNER, user=owner_a), data=SAMPLE, source="3f2a9c1")
        edited = SAMPLE.replace(b"name: Ledger", b"name: General ledger")
        config_apply(actor=Actor(role=Role.OWNER, user=owner_a), data=edited, source="9be01d7")


def test_settings_list_the_change_sets_with_diff_and_source(client_a, org_a, applied, in_org, assert_max_queries):
    with assert_max_queries(14):
        response = client_a.get(f"/o/{org_a.slug}/settings/config/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3f2a9c1" in page and "9be01d7" in page
    assert "<code>name</code>: Ledger → General ledger" in page
    assert "from API" in page and "updated" in page
    assert "16 objects managed by a file" in page
    with in_org(org_a):
        applied_at = ChangeSet.objects.latest("applied_at").applied_at
    assert f"<strong>{moment_text(applied_at, zone=org_a.tzinfo)}</strong>" in page  # the viewer's zone, in words


def test_the_page_is_for_those_who_manage_the_organization(client, org_a, member_factory):
    client.force_login(member_factory(Role.ENGINEER))
    assert client.get(f"/o/{org_a.slug}/settings/config/").status_code == 403


def test_edit_pages_of_managed_objects_warn(client_a, org_a, applied, in_org):
    with in_org(org_a):
        freeze = FreezeWindow.objects.get(name="Year-end freeze").pk
        slot = ReleaseSlotWindow.objects.get().pk
        template = ReleaseTemplate.objects.get().pk
        ServiceFactory(organization=org_a, slug="by-hand", name="By hand")
    managed = ["catalog/services/ledger/edit/", "catalog/teams/core/edit/", "catalog/value-streams/payments/edit/",
               "environments/payments-sit/edit/", f"releases/freezes/{freeze}/",
               f"releases/slots/windows/{slot}/", f"releases/templates/{template}/"]
    for path in managed:
        response = client_a.get(f"/o/{org_a.slug}/{path}")
        assert response.status_code == 200, path
        assert b'data-testid="managed-by-file"' in response.content, path
    unmanaged = client_a.get(f"/o/{org_a.slug}/catalog/services/by-hand/edit/")
    assert unmanaged.status_code == 200 and b"managed-by-file" not in unmanaged.content


def test_the_repository_is_set_on_the_page(client_a, org_a, in_org):
    from orgconfig.models import RepositorySource
    from tests.integrations.factories import ConnectionFactory
    with in_org(org_a):
        github = ConnectionFactory(organization=org_a, kind="github", name="GitHub")
        jira = ConnectionFactory(organization=org_a, kind="jira", name="Jira")
    url = f"/o/{org_a.slug}/settings/config/"
    refused = client_a.post(url, {"connection": jira.pk, "repository": "acme/config", "path": "sluice.yaml",
                                  "branch": "main"})
    assert refused.status_code == 400 and b"Select a valid choice" in refused.content
    saved = client_a.post(url, {"connection": github.pk, "repository": "acme/config", "path": "sluice.yaml",
                                "branch": "main"})
    assert saved.status_code == 302
    with in_org(org_a):
        source = RepositorySource.objects.get()
    assert (source.repository, source.apply_on_push) == ("acme/config", False)  # an unticked box: plan only
    assert b"plans it, and a person applies it" in client_a.get(url).content
