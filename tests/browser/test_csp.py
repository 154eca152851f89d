"""Under the strict Content-Security-Policy (no inline script, styles from our files) the portal still works:
the dashboard, an htmx swap, the two-factor set-up page, Swagger UI and the admin render, and Chromium reports
no violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import ConsoleMessage, Page, expect

from portfolios.models import User
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import mark_document, same_document, screenshot
from tests.factories import HouseholdFactory

# Playwright's init scripts run outside the page's CSP, so the listener itself is not a violation.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture
def csp_violations(page: Page) -> Iterator[list[str]]:
    """Chromium's CSP reports on the console for the whole test; ``assert_no_violation`` adds the page's events."""
    reported: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            reported.append(message.text)

    page.context.add_init_script(RECORD_VIOLATIONS)
    page.on("console", console)
    yield reported
    assert not reported, "\n".join(reported)


def assert_no_violation(page: Page, reported: list[str]) -> None:
    events = page.evaluate("window.__cspViolations")
    assert events == [], "\n".join(events)
    assert reported == [], "\n".join(reported)


def sign_in_with_session(page: Page, live_server, user: User) -> None:
    """Give the browser ``user``'s session cookie (for a firm admin, past the authenticator-code step)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_the_dashboard_and_an_htmx_search_work_under_the_policy(
    page, csp_violations, signed_in_page, site_url, alice, smiths, acme
):
    HouseholdFactory(firm=acme, name="Jones Family").advisors.add(alice)
    signed_in_page(alice)
    assert_no_violation(page, csp_violations)

    page.goto(site_url("reporting:dashboard"))
    expect(page.locator("#dashboard")).to_be_visible()
    # app.css applied: the top bar is laid out by the stylesheet, not the browser's defaults.
    assert page.locator("header.topbar").evaluate("element => getComputedStyle(element).display") == "flex"
    assert_no_violation(page, csp_violations)

    page.goto(site_url("portfolios:household_list"))
    mark_document(page)
    rows = page.locator("#household-table tbody tr td:first-child")
    expect(rows).to_have_text(["Jones Family", "Smith Family"])
    page.get_by_role("searchbox").fill("Smith")
    expect(rows).to_have_text(["Smith Family"])
    assert same_document(page), "the search reloaded the page instead of swapping the table"
    screenshot(page, "csp-htmx-search")
    assert_no_violation(page, csp_violations)


def test_the_two_factor_set_up_page_shows_its_qr_code_under_the_policy(
    page, csp_violations, signed_in_page, site_url, alice
):
    signed_in_page(alice)
    page.goto(site_url("mfa_activate_totp"))
    # allauth asks for the password again before a factor is added.
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    qr = page.locator("#totp_qr_code")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0"), "the data: QR code did not load"
    assert_no_violation(page, csp_violations)


def test_swagger_ui_renders_the_api_under_the_policy(page, csp_violations, live_server):
    page.goto(live_server.url + "/api/schema/swagger-ui/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("taxharvest API")
    expect(page.locator(".opblock").first).to_be_visible()
    screenshot(page, "csp-swagger-ui")
    assert_no_violation(page, csp_violations)


def test_the_admin_renders_under_the_policy(page, csp_violations, live_server, bob):
    sign_in_with_session(page, live_server, bob)
    page.goto(live_server.url + "/admin/")
    expect(page.locator("#site-name")).to_contain_text("taxharvest administration")
    page.goto(live_server.url + "/admin/portfolios/household/add/")
    expect(page.locator("#content h1")).to_be_visible()
    screenshot(page, "csp-admin")
    assert_no_violation(page, csp_violations)
