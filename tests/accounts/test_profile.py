"""The personal profile: name and time zone."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from vsm.accounts import services
from vsm.errors import InvalidInput

pytestmark = pytest.mark.django_db
PROFILE = "/accounts/profile/"


@pytest.fixture
def ana():
    return UserFactory(email="ana@example.com", full_name="Ana Approver", time_zone="")


def test_profile_needs_a_signed_in_person(client):
    response = client.get(PROFILE)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_profile_shows_the_current_values(client, ana):
    ana.time_zone = "Europe/Berlin"
    ana.save()
    client.force_login(ana)
    body = client.get(PROFILE).content.decode()
    assert 'value="Ana Approver"' in body
    assert '<option value="Europe/Berlin" selected>' in body
    assert "ana@example.com" in body and "Change password" in body


@pytest.mark.parametrize(("full_name", "time_zone"), [
    ("Ana B. Approver", "America/New_York"),
    ("", ""),  # empty zone: the organization's
])
def test_profile_saves_name_and_time_zone(client, ana, full_name, time_zone):
    client.force_login(ana)
    response = client.post(PROFILE, {"full_name": full_name, "time_zone": time_zone}, follow=True)
    assert response.redirect_chain == [(PROFILE, 302)]
    assert "Your profile is saved." in response.content.decode()
    ana.refresh_from_db()
    assert (ana.full_name, ana.time_zone) == (full_name, time_zone)


@pytest.mark.parametrize(("data", "field"), [
    ({"full_name": "Ana", "time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"full_name": "Ana", "time_zone": "europe/berlin"}, "time_zone"),
    ({"full_name": "A" * 201, "time_zone": ""}, "full_name"),
])
def test_bad_profile_input_is_a_400_naming_the_field(client, ana, data, field):
    client.force_login(ana)
    response = client.post(PROFILE, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert 'class="error"' in response.content.decode()
    # The page header still shows the stored name, not the refused one.
    assert response.context["user"].full_name == "Ana Approver"
    ana.refresh_from_db()
    assert (ana.full_name, ana.time_zone) == ("Ana Approver", "")


def test_the_service_refuses_an_unknown_zone_and_leaves_the_instance_as_stored(ana):
    with pytest.raises(InvalidInput) as refused:
        services.user_update(user=ana, time_zone="Mars/Olympus_Mons")
    assert list(refused.value.fields) == ["time_zone"]
    assert ana.time_zone == ""
    ana.refresh_from_db()
    assert ana.time_zone == ""


def test_an_account_without_password_is_pointed_to_the_reset_link(client):
    invited = services.user_create(email="New@Example.com", full_name="New Person")
    assert invited.email == "new@example.com" and not invited.has_usable_password()
    client.force_login(invited)
    body = client.get(PROFILE).content.decode()
    assert "Your account has no password" in body and "/accounts/password/reset/" in body
