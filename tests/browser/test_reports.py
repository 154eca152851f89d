"""Client reports in the browser: generate one on the household page, download it, share it by a link that
stops working when revoked, and invite the client to a login that sees only their reports.

The household is tests/reporting/conftest.py's `harvested_smiths`: on Dec 28, 2022 the advisor harvested 100
AAPL (a $3,907.05 short-term loss against $10,000 of short-term gains, single, California): $1,918.37 saved.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from portfolios.models import Household, Role, User
from portfolios.templatetags.money import usd
from reporting.client_report import client_report_data
from reporting.models import ClientReport, DownloadEvent, ReportLink, ReportStatus
from reporting.services import report_request
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import mark_document, same_document, screenshot
from tests.reporting.conftest import december_closes, harvested_smiths  # noqa: F401 (fixtures)

CLIENT_PASSWORD = "a-client-password-2022"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path: Path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def report(harvested_smiths: Household, alice: User) -> ClientReport:  # noqa: F811
    """The 2022 report, generated as the worker would (on commit, inline: the live server's database
    autocommits and django-q2 is in sync mode)."""
    created = report_request(household=harvested_smiths, year=2022, user=alice)
    created.refresh_from_db()
    assert created.status == ReportStatus.DONE, created.error
    return created


@pytest.fixture
def fresh_page(browser: Browser, live_server) -> Iterator[Callable[[], Page]]:
    """Tabs in new browser contexts (no cookies: another person); a JavaScript error or a 5xx fails the test."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def server_error(response: Response) -> None:
        if response.status >= 500:
            problems.append(f"{response.status} from {response.request.method} {response.url}")

    def open_tab() -> Page:
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        tab.on("response", server_error)
        return tab

    yield open_tab
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pypdf reads it, whitespace collapsed."""
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())


def reports_section(page: Page, site_url, household: Household):  # type: ignore[no-untyped-def]
    page.goto(site_url("portfolios:household_detail", household.pk))
    section = page.get_by_test_id("reports")
    expect(section.get_by_role("heading", level=2)).to_have_text("Client reports")
    return section


def test_an_advisor_generates_the_report_sees_its_figures_and_downloads_the_pdf(
    signed_in_page,
    site_url,
    alice,
    harvested_smiths,  # noqa: F811
    tmp_path,
):
    data = client_report_data(harvested_smiths, 2022)
    harvests, losses, saved = str(len(data.harvests)), usd(data.harvested_losses), usd(data.tax_saved)
    assert (harvests, losses, saved) == ("1", "$3,907.05", "$1,918.37")  # tests/reporting/conftest.py's figures

    page = signed_in_page(alice)
    section = reports_section(page, site_url, harvested_smiths)
    expect(section.locator("p.empty")).to_have_text(
        "No report yet. Generate one to give the client their tax savings for a year."
    )
    section.get_by_label("Tax year").select_option("2022")
    mark_document(page)
    section.get_by_role("button", name="Generate savings report").click()

    report = section.locator("tbody tr")
    expect(report).to_have_count(1)
    cells = report.locator("td")
    expect(cells.nth(1)).to_contain_text("Download PDF")  # generated inside the request (sync django-q2)
    assert same_document(page), "generating reloaded the page instead of swapping the section"
    expect(cells.nth(0)).to_have_text("2022")
    expect(cells.nth(2)).to_have_text(harvests)
    expect(cells.nth(3)).to_have_text(losses)
    expect(cells.nth(4)).to_have_text(saved)
    expect(cells.nth(5)).to_contain_text("by Alice Adams")
    expect(section.locator("p.empty")).to_have_count(0)
    stored = ClientReport.objects.get()
    assert (stored.household, stored.year, stored.status, stored.requested_by) == (
        harvested_smiths, 2022, ReportStatus.DONE, alice
    )  # fmt: skip
    section.scroll_into_view_if_needed()
    screenshot(page, "household-client-reports")

    with page.expect_download() as downloading:
        section.get_by_role("link", name="Download PDF").click()
    download = downloading.value
    assert download.suggested_filename == f"smith-family-2022-tax-savings-report-{stored.pk}.pdf"
    saved_pdf = tmp_path / download.suggested_filename
    download.save_as(saved_pdf)
    body = saved_pdf.read_bytes()
    assert body.startswith(b"%PDF")
    assert body == Path(stored.file.path).read_bytes()
    text = pdf_text(body)
    assert text.startswith("Acme Wealth Tax-loss harvesting report 2022 Smith Family")
    for expected in ("Acme Wealth", "Smith Family", saved, f"LOSSES HARVESTED {losses}"):
        assert expected in text, expected

    event = DownloadEvent.objects.get()
    assert (event.user, event.report, event.link, event.kind, event.year) == (alice, stored, None, "report", 2022)


def test_a_share_link_opens_the_pdf_without_sign_in_until_it_is_revoked(
    signed_in_page, fresh_page, site_url, alice, report
):
    page = signed_in_page(alice)
    section = reports_section(page, site_url, report.household)
    row = section.get_by_test_id(f"report-{report.pk}")
    row.get_by_label("Days the link lasts").fill("2")
    mark_document(page)
    row.get_by_role("button", name="Create link").click()

    shared = section.get_by_test_id("share-link")
    expect(shared).to_contain_text("Link to the 2022 report, valid until")
    expect(shared).to_contain_text("Send it to the client; it is shown only once.")
    url_box = shared.locator("input[readonly]")
    url = url_box.input_value()
    assert re.fullmatch(re.escape(site_url("reporting:dashboard").split("/dashboard/")[0]) + r"/r/[^/]+/", url), url
    assert same_document(page)
    link = ReportLink.objects.get()
    assert (link.report, link.created_by, link.revoked_at) == (report, alice, None)
    assert round((link.expires_at - link.created_at) / timedelta(days=1)) == 2
    revoke = section.get_by_role("button", name="revoke")
    expect(revoke).to_have_count(1)
    expect(revoke.locator("xpath=..")).to_contain_text(f"link {link.pk} until")
    screenshot(page, "household-client-reports-shared")

    anonymous = fresh_page()
    opened = anonymous.context.request.get(url)
    assert opened.status == 200
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["cache-control"] == "private, no-store"
    assert opened.body() == Path(report.file.path).read_bytes()
    assert "Smith Family" in pdf_text(opened.body())
    event = DownloadEvent.objects.get()
    assert (event.link, event.user, event.report) == (link, None, report)

    revoke.click()
    expect(section.get_by_role("button", name="revoke")).to_have_count(0)
    expect(section.get_by_test_id("share-link")).to_have_count(0)  # the URL is shown once only
    assert same_document(page)
    link.refresh_from_db()
    assert link.revoked_at is not None

    gone = anonymous.context.request.get(url)
    assert gone.status == 410
    assert "This link has expired" in gone.text()
    response = anonymous.goto(url)
    assert response is not None
    assert response.status == 410
    expect(anonymous.get_by_role("heading", level=1)).to_have_text("This link has expired")
    assert DownloadEvent.objects.count() == 1  # the refused opening is not a download


def test_an_invited_client_signs_in_and_sees_only_their_reports(
    signed_in_page, fresh_page, site_url, alice, jane, report, tmp_path
):
    page = signed_in_page(alice)
    section = reports_section(page, site_url, report.household)
    section.get_by_text("Client logins (reports only)").click()
    expect(section.locator("details li")).to_have_text(["Jane Smith: no login", "John Smith: no login"])
    section.get_by_label("Client", exact=True).select_option(label="Jane Smith")
    section.get_by_label("Client's email").fill("Jane@Smith.example")
    mark_document(page)
    section.get_by_role("button", name="Invite to see reports").click()

    expect(section.get_by_role("status")).to_have_text("Jane Smith was emailed a link to set a password.")
    assert same_document(page)
    login = User.objects.get(client=jane)
    assert (login.email, login.role, login.firm, login.has_usable_password()) == (
        "jane@smith.example", Role.CLIENT, alice.firm, False
    )  # fmt: skip
    assert [message.to for message in mail.outbox] == [["jane@smith.example"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    section.get_by_text("Client logins (reports only)").click()  # the swapped section's details start closed
    expect(section.locator("details li")).to_have_text(["Jane Smith: jane@smith.example", "John Smith: no login"])

    # She would set her password from the email; here it is set directly.
    login.set_password(CLIENT_PASSWORD)
    login.save()

    client = fresh_page()
    client.goto(site_url("account_login"))
    assert client.url == site_url("account_login")
    client.get_by_label("Email", exact=True).fill("jane@smith.example")
    client.get_by_label("Password", exact=True).fill(CLIENT_PASSWORD)
    client.get_by_role("button", name="Sign in").click()

    expect(client.get_by_role("heading", level=1)).to_have_text("Your tax savings reports")
    assert client.url == site_url("reporting:client_home")
    expect(client.locator("header .who")).to_contain_text("Jane Smith · Acme Wealth")
    expect(client.locator(".page-head p.muted")).to_have_text("Jane Smith · Smith Family")
    expect(client.locator(".topnav a")).to_have_text(["Your reports"])  # none of the portal's pages
    rows = client.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(0)).to_have_text("2022")
    expect(cells.nth(1)).to_have_text("1")
    expect(cells.nth(2)).to_have_text("$1,918.37")
    expect(cells.nth(4)).to_have_text("Download PDF")
    screenshot(client, "client-reports")

    with client.expect_download() as downloading:
        cells.nth(4).get_by_role("link", name="Download PDF").click()
    pdf = tmp_path / "jane.pdf"
    downloading.value.save_as(pdf)
    assert pdf.read_bytes() == Path(report.file.path).read_bytes()
    assert DownloadEvent.objects.get().user == login

    client.goto(site_url("portfolios:household_detail", report.household.pk))
    assert client.url == site_url("reporting:client_home")
    expect(client.get_by_role("heading", level=1)).to_have_text("Your tax savings reports")
