"""A push to the configuration repository (the real GitHub and GitLab push payloads of
tests/fixtures/) plans and applies the file at the pushed commit, and reports the result on the
commit as a status, against a local server standing in for the vendor's API."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from orgconfig.models import ChangeSet, RepositorySource
from tests.factories import MembershipFactory, UserFactory
from tests.integrations.factories import ConnectionFactory
from tests.integrations.hooks_support import post
from tests.orgconfig.test_api import SAMPLE
from vsm.catalog.models import Service
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GITHUB = (FIXTURES / "github" / "push.branch.json").read_bytes()
GITLAB = (FIXTURES / "gitlab" / "push.json").read_bytes()
GITHUB_SHA = json.loads(GITHUB)["after"]
GITLAB_SHA = json.loads(GITLAB)["checkout_sha"]
GITHUB_FILE = "/repos/Codertocat/Hello-World/contents/README.md"
GITHUB_STATUS = f"/repos/Codertocat/Hello-World/statuses/{GITHUB_SHA}"
GITLAB_FILE = "/projects/mike%2Fdiaspora/repository/files/app%2Fcontroller%2Fapplication.rb"
GITLAB_STATUS = f"/projects/mike%2Fdiaspora/statuses/{GITLAB_SHA}"


def _content(data: bytes) -> dict:
    return {"content": base64.b64encode(data).decode(), "encoding": "base64"}


@pytest.fixture
def repository(org_a, in_org, tool):
    """The file lives at README.md of Codertocat/Hello-World (what the GitHub fixture's push
    changes) and at app/controller/application.rb of mike/diaspora (the GitLab fixture's)."""
    for email in ("lead@acme.test", "dev@acme.test"):
        MembershipFactory(organization=org_a, user=UserFactory(email=email), role=Role.ENGINEER)
    with in_org(org_a):
        github = ConnectionFactory(organization=org_a, kind="github", name="GitHub", base_url=tool.url)
        gitlab = ConnectionFactory(organization=org_a, kind="gitlab", name="GitLab", base_url=tool.url)
    return {"github": github, "gitlab": gitlab}


def _source(org, in_org, connection, **fields) -> None:
    defaults = ({"repository": "Codertocat/Hello-World", "path": "README.md", "branch": "master"}
                if connection.kind == "github" else
                {"repository": "mike/diaspora", "path": "app/controller/application.rb", "branch": "master"})
    with in_org(org):
        RepositorySource.objects.create(connection=connection, **{**defaults, **fields})


def test_a_github_push_applies_the_file_and_reports_success(client, org_a, in_org, tool, repository,
                                                            django_capture_on_commit_callbacks):
    _source(org_a, in_org, repository["github"])
    tool.answer("GET", GITHUB_FILE, 200, _content(SAMPLE))
    tool.answer("POST", GITHUB_STATUS, 201, {"id": 1})
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, repository["github"], "github", "push.branch.json", GITHUB).status_code == 200
    with in_org(org_a):
        change_set = ChangeSet.objects.get()
        assert (change_set.origin, change_set.source) == ("repository", GITHUB_SHA)
        assert Service.objects.filter(slug="payments-api").exists()
    (status,) = tool.writes()
    assert status.path == GITHUB_STATUS
    assert status.body["state"] == "success" and status.body["context"] == "sluice/config"
    assert status.body["description"].startswith("Applied ")
    assert status.headers["Authorization"] == "Bearer token-123"


def test_an_invalid_file_fails_the_commit_and_changes_nothing(client, org_a, in_org, tool, repository,
                                                              django_capture_on_commit_callbacks):
    _source(org_a, in_org, repository["github"])
    tool.answer("GET", GITHUB_FILE, 200, _content(SAMPLE.replace(b"team: core\n- slug", b"team: nobody\n- slug")))
    tool.answer("POST", GITHUB_STATUS, 201, {"id": 1})
    with django_capture_on_commit_callbacks(execute=True):
        post(client, repository["github"], "github", "push.branch.json", GITHUB)
    (status,) = tool.writes()
    assert status.body["state"] == "failure"
    assert status.body["description"].startswith("line 20: services[0].team: No team 'nobody'")
    with in_org(org_a):
        assert not Service.objects.filter(slug="payments-api").exists() and not ChangeSet.objects.exists()


def test_a_gitlab_push_is_only_planned_when_a_person_must_approve(client, org_a, in_org, tool, repository,
                                                                  django_capture_on_commit_callbacks):
    _source(org_a, in_org, repository["gitlab"], apply_on_push=False)
    tool.answer("GET", GITLAB_FILE, 200, _content(SAMPLE))
    tool.answer("POST", GITLAB_STATUS, 201, {"id": 1})
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, repository["gitlab"], "gitlab", "push.json", GITLAB).status_code == 200
    (status,) = tool.writes()
    assert (status.path, status.body["state"], status.body["name"]) == (GITLAB_STATUS, "pending", "sluice/config")
    assert "planned; a person applies them" in status.body["description"]
    with in_org(org_a):
        assert not Service.objects.filter(slug="payments-api").exists() and not ChangeSet.objects.exists()


@pytest.mark.parametrize("fields", [{"path": "sluice.yaml"}, {"branch": "main"}, {"repository": "other/repo"}])
def test_a_push_that_does_not_change_the_file_is_left_alone(client, org_a, in_org, tool, repository, fields,
                                                            django_capture_on_commit_callbacks):
    _source(org_a, in_org, repository["github"], **fields)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, repository["github"], "github", "push.branch.json", GITHUB)
    assert tool.requests == []
