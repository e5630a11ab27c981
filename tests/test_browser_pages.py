"""The 25 main pages in a real Chromium, for the people who read them on phones and with
assistive technology: at 390 px no page scrolls sideways and the navigation opens from the Menu
button (as owner and as viewer); axe-core finds no serious or critical violation.

axe-core comes from npm at install time (`make test` installs tests/browser_tools) and is injected
from the local file; Sluice itself never serves it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.ui_world import build_world, email
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "browser_tools" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}
# The page's width and, when too wide, the innermost elements that stick out (to name them).
WIDTH = """() => {
  const view = window.innerWidth, out = el => el.getBoundingClientRect().right > view + 1;
  const culprits = [...document.body.querySelectorAll("*")]
    .filter(el => out(el) && ![...el.children].some(out)
                  && el.closest(".table-wrap, .gantt, .timeline, .tabs") === null)
    .slice(0, 4)
    .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} "${el.textContent.trim().slice(0, 30)}"`);
  return {doc: document.documentElement.scrollWidth, view, culprits};
}"""


def signed_in(browser_instance, live_server, role: str, viewport: dict, **options):
    context = browser_instance.new_context(base_url=live_server.url, viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email(role))
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/o/acme/")
    return context, page


def test_phones_reach_everything_without_scrolling_sideways(browser_instance, live_server):
    _org, pages = build_world()
    problems = []
    for role in (Role.OWNER, Role.VIEWER):
        context, page = signed_in(browser_instance, live_server, role, PHONE)
        for path in pages:
            page.goto(path)
            width = page.evaluate(WIDTH)
            if width["doc"] > width["view"]:
                problems.append(f"{role} {path}: {width['doc']} px wide: {width['culprits']}")
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Releases")).to_be_hidden()
            page.get_by_test_id("menu-toggle").click()
            for name in ("Releases", "Environments", "Analytics"):
                expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        # Keyboard: Escape folds the menu again and the focus goes back to the button.
        page.keyboard.press("Escape")
        expect(nav.get_by_role("link", name="Releases")).to_be_hidden()
        expect(page.get_by_test_id("menu-toggle")).to_be_focused()
        context.close()
    assert problems == [], "\n".join(problems)


def test_axe_finds_no_serious_violation(browser_instance, live_server):
    assert AXE.exists(), "axe-core is missing: run `make test` (npm ci --prefix tests/browser_tools)"
    _org, pages = build_world()
    found = []
    # The test's own script is added to pages whose policy refuses inline scripts: bypass it here only.
    context, page = signed_in(browser_instance, live_server, Role.OWNER, WIDE, bypass_csp=True)
    page.set_default_navigation_timeout(60_000)  # plotly.js (4.8 MB) the first time, on a busy machine
    for path in pages + ["/accounts/login/?next=/"]:
        if path.startswith("/accounts/"):
            context.clear_cookies()
        page.goto(path)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]}))
            .violations.filter(v => ["serious", "critical"].includes(v.impact))
            .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`)""")
        found += [f"{path}: {v}" for v in violations]
    context.close()
    assert found == [], "\n".join(found)
