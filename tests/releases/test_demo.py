"""The demo's releases: a train with children across value streams in different phases, gates
met, pending, failed and waived, freeze windows (one in force), slots, a plan and checks."""

from __future__ import annotations

import pytest
from django.test import Client

from gates.models import Criterion, Status, Waiver
from releases.models import DeploymentCheck, FreezeWindow, Phase, Release, ReleaseKind, SlotBooking
from releases.selectors import dependency_warnings, freeze_active, release_get
from vsm.accounts.models import User
from vsm.demo.seed import seed_demo
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def test_a_train_with_children_across_value_streams_in_different_phases():
    org = seed_demo().organization
    with tenant_context(org):
        train = Release.objects.get(kind=ReleaseKind.ENTERPRISE)
        children = {r.value_stream.slug: r for r in train.children.select_related("value_stream")}
        assert set(children) == {"payments", "checkout", "mobile"}
        active = {slug: Phase.objects.filter(release=r, status="active").values_list("name", flat=True).first()
                  for slug, r in children.items()}
        assert active == {"payments": "UAT", "checkout": "SIT", "mobile": None}
        states = set(Criterion.objects.values_list("state", flat=True))
        assert {Status.MET, Status.PENDING, Status.FAILED} <= states
        assert Waiver.objects.exists()
        assert dependency_warnings(release=release_get(release_id=children["checkout"].pk))
        assert Release.objects.filter(kind=ReleaseKind.EMERGENCY).exists()
        assert FreezeWindow.objects.count() == 3 and freeze_active()
        assert SlotBooking.objects.exists() and DeploymentCheck.objects.filter(decision="deny").exists()
        assert children["payments"].activities.filter(status="done").count() == 2

    # Every demo release page renders for the release manager.
    client = Client()
    client.force_login(User.objects.get(email="release@acme.test"))
    with tenant_context(org):
        ids = list(Release.objects.values_list("pk", flat=True))
    for release_id in ids:
        assert client.get(f"/o/acme/releases/{release_id}/").status_code == 200
    for page in ("", "calendar/", "calendar/?view=quarter", "freezes/", "slots/"):
        assert client.get(f"/o/acme/releases/{page}").status_code == 200
