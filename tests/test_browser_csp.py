"""The Content-Security-Policy in a real Chromium: the main pages load without one violation (no
inline script, handler or style element the policy refuses) and without a script error, and
what runs on them still works under it: htmx swaps, charts draw (again after a swap), confirm
questions ask, Swagger UI starts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.analytics.pages_support import History
from tests.environments.factories import EnvironmentFactory
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.releases.factories import ReleaseFactory
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import ApiToken
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each violation is reported as a securitypolicyviolation event; say it on the console too, with
# what was refused, so the test can name it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP violation: ${e.violatedDirective} refused ${e.blockedURI || "inline"} ${e.sample || ""}`));
"""


@pytest.fixture
def problems(page):
    """Every CSP violation, console message about the policy and script error on any page."""
    found: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: found.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "CSP violation" in message.text else None)
    page.on("pageerror", lambda error: found.append(f"{page.url}: script error: {error}"))
    return found


@pytest.fixture
def acme(token_factory):
    org = OrganizationFactory(name="Acme Payments", slug="acme")
    MembershipFactory(organization=org, user=UserFactory(email="owner@acme.test"), role=Role.OWNER)
    history = History(org)
    for days_ago in (2, 5, 9, 16, 40):
        history.deploy(days_ago)
    history.derive()
    EnvironmentFactory(organization=org, name="UAT 1", slug="uat-1", tier="uat")
    release = ReleaseFactory(organization=org, name="Spring release", value_stream=history.stream)
    token_factory(org, name="nightly")
    return org, release


def test_the_main_pages_run_under_the_policy(page, browser_login, problems, acme, live_server):
    _org, release = acme
    header = page.request.get(f"{live_server.url}/accounts/login/").headers["content-security-policy"]
    # django-csp writes the directives in no fixed order: compare them by name.
    directives = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert (directives["script-src"], directives["frame-ancestors"]) == ("'self'", "'none'")

    browser_login("owner@acme.test")
    for path, shown in [
        ("/o/acme/", "Acme Payments"),
        ("/o/acme/releases/", "Spring release"),
        (f"/o/acme/releases/{release.pk}/", "Spring release"),
        ("/o/acme/releases/calendar/", "Spring release"),
        ("/o/acme/environments/", "UAT 1"),
        ("/o/acme/environments/calendar/", "UAT 1"),
        ("/o/acme/audit/", "Audit"),
        ("/o/acme/settings/tokens/", "nightly"),
        ("/o/acme/analytics/goals/", "Metric goals"),
    ]:
        page.goto(path)
        expect(page.locator("main")).to_contain_text(shown)
    assert problems == [], "\n".join(problems)


def test_htmx_and_charts_work_under_the_policy(page, browser_login, problems, acme):
    browser_login("owner@acme.test")

    # Charts are drawn by static/js/charts.js: SVG appears.
    page.goto("/o/acme/analytics/")
    charts = page.locator("#analytics-main .plotly-graph-div .main-svg")
    expect(charts.first).to_be_attached()
    # htmx swaps the dashboard for another window, and the swapped-in charts are drawn too.
    page.get_by_label("Window", exact=True).select_option("30")
    expect(page).to_have_url(re.compile(r"window=30"))
    expect(page.get_by_test_id("window")).to_contain_text("30 days")
    expect(charts.first).to_be_attached()
    # Picking a date makes the window custom (data-custom-window, static/js/sluice.js).
    page.get_by_label("From").fill((timezone.localdate() - timedelta(days=20)).isoformat())
    page.get_by_label("From").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"window=custom"))

    # The booking form checks the slot while typing (htmx).
    page.goto("/o/acme/environments/book/?environment=uat-1")
    start = (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0)
    page.locator("#id_start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_end").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_test_id("booking-check").get_by_test_id("free")).to_be_visible()
    assert problems == [], "\n".join(problems)


def test_confirm_questions_ask_before_submitting(page, browser_login, problems, acme):
    browser_login("owner@acme.test")
    page.goto("/o/acme/settings/tokens/")
    revoke = page.locator("tr", has_text="nightly").get_by_role("button", name=re.compile("Revoke"))

    questions: list[str] = []

    def answer(dialog, accept: bool):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    revoke.click()
    page.wait_for_timeout(300)
    assert questions == ["Revoke nightly? CI jobs using it will be refused at once."]
    with tenant_context(acme[0]):
        assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()

    page.once("dialog", lambda dialog: answer(dialog, True))
    revoke.click()
    expect(page.locator("tr", has_text="nightly")).to_contain_text("revoked")
    assert problems == [], "\n".join(problems)


def test_swagger_ui_starts_under_the_policy(page, browser_login, problems, acme):
    browser_login("owner@acme.test")
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Sluice API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert problems == [], "\n".join(problems)

    # ReDoc too, under the page's own policy for the styles it writes. Its footer logo lives on
    # ReDoc's own site: refused on purpose, nothing is fetched from elsewhere.
    page.goto("/api/redoc/")
    expect(page.locator("redoc h1").first).to_contain_text("Sluice API", timeout=30_000)
    page.wait_for_timeout(500)
    assert [p for p in problems if "cdn.redoc.ly" not in p] == [], "\n".join(problems)
