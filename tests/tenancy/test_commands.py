from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import ApiToken, Membership, Organization
from vsm.tenancy.services import api_token_authenticate


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_createorg_with_owner(org_b):
    output = run("createorg", "initech", "--name", "Initech", "--time-zone", "Europe/Berlin",
                 "--owner-email", "boss@initech.test", "--owner-password", "s3cret-Pass")
    org = Organization.objects.get(slug="initech")
    assert "initech" in output and org.time_zone == "Europe/Berlin"
    with tenant_context(org):
        membership = Membership.objects.select_related("user").get()
        assert membership.role == "owner" and membership.user.check_password("s3cret-Pass")


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["createorg", "acme", "--name", "Dup"], "already exists"),
    (["createorg", "newco", "--name", "X", "--time-zone", "Mars/Base"], "time zone"),
])
def test_createorg_errors_are_clear(org_a, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.django_db
def test_create_api_token_prints_only_the_token(org_a, org_b):
    output = run("create_api_token", org_a.slug, "--name", "ci", "--role", "engineer")
    secret = output.strip()
    assert "\n" not in secret and secret.startswith("slc_")
    with tenant_context(org_a):
        assert api_token_authenticate(secret=secret).name == "ci"
    with tenant_context(org_b):
        assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_create_api_token_for_a_missing_org():
    with pytest.raises(CommandError, match="No organization"):
        run("create_api_token", "nope", "--name", "ci")
