"""The advisor's day in the browser: an opportunity explains itself, is approved, its orders fill, the dashboard's
tax savings follow without a reload; a tax profile edit reranks the book.

The Smiths are tests/harvesting/test_execution.py's household (100 AAPL bought at $180, AAPL at $142 and MSFT at
$240 on Dec 28, 2022; a single filer with $400,000 of wages): a $3,800.00 short-term loss worth $1,050.00.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from brokers import paper
from brokers.models import FeedState, FeedStatus
from harvesting.execution import opportunity_approve
from harvesting.models import Opportunity, Order, OrderStatus
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.models import Household, User
from taxprofiles.models import TaxProfile
from tests.browser.helpers import mark_document, same_document, screenshot
from tests.factories import HouseholdFactory


@pytest.fixture(autouse=True)
def honest_paper_broker(monkeypatch):
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())


@pytest.fixture
def scanned_smiths(harvestable_smiths: Household) -> Household:
    scan_start(firm=harvestable_smiths.firm, household=harvestable_smiths)  # runs inline: tests' django-q2 is sync
    return harvestable_smiths


@pytest.fixture
def joneses(harvestable_smiths: Household, alice: User) -> Household:
    """50 MSFT bought at 330: at Dec 28's 240 a 4,500.00 short-term loss, for the same kind of client."""
    household = HouseholdFactory(firm=harvestable_smiths.firm, name="Jones Family")
    household.advisors.add(alice)
    ledger_import(
        household=household,
        filename="jones.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\nJO-T,taxable,2022-01-03,buy,MSFT,50,330,J1\n",
        today=date(2026, 1, 1),
    )
    TaxProfile.objects.create(household=household, tax_year=2025, filing_status="single", wages=Decimal("400000"))
    return household


def tile(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(name)


def test_an_opportunity_explains_itself_is_approved_fills_and_the_dashboard_follows(
    signed_in_page, site_url, alice, scanned_smiths
):
    page = signed_in_page(alice)
    page.goto(site_url("reporting:dashboard"))
    expect(tile(page, "open-opportunities")).to_have_text("1")
    expect(tile(page, "open-tax-value")).to_have_text("$1,050.00")
    expect(tile(page, "savings-ytd")).to_have_text("$0.00")
    screenshot(page, "dashboard-before")

    page.get_by_role("link", name="Opportunities").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opportunities")
    opportunity = Opportunity.objects.get(security__symbol="AAPL")
    why = page.get_by_test_id(f"why-{opportunity.pk}")
    expect(why).to_contain_text("Why $1,050.00: selling realizes a short-term loss of $3,800.00")
    expect(why).to_contain_text("$3,000.00 of ordinary income (the $3,000 limit) taxed at 35%")
    expect(why).to_contain_text("$800.00 carries forward")
    expect(why).to_contain_text("Buys MSFT")
    screenshot(page, "opportunities")

    why.get_by_role("button", name="Approve and execute").click()
    expect(page.locator(".messages")).to_contain_text("Approved: selling AAPL")
    expect(page.get_by_test_id("open-count")).to_have_text("0")

    page.get_by_role("link", name="Orders").first.click()
    orders = page.get_by_test_id("orders")
    expect(orders.locator("tbody tr")).to_have_count(2)
    sell = Order.objects.get(side="sell")
    expect(page.get_by_test_id(f"order-{sell.pk}")).to_contain_text("Filled")
    expect(page.get_by_test_id(f"order-{sell.pk}")).to_contain_text("$141.93")
    expect(page.locator("#orders")).not_to_have_attribute("hx-trigger", "every 2s")  # nothing still working
    screenshot(page, "orders")

    page.get_by_role("link", name="Dashboard").first.click()
    expect(tile(page, "savings-ytd")).to_have_text("$1,050.00")
    expect(tile(page, "harvests-ytd")).to_have_text("1")
    expect(tile(page, "realized-ytd")).to_have_text("-$3,807.10")
    expect(page.get_by_test_id("harvest-marker")).to_have_count(1)
    screenshot(page, "dashboard-after")


def test_the_dashboard_updates_itself_while_the_feed_runs(signed_in_page, site_url, alice, scanned_smiths):
    FeedState.objects.create(provider="replay", status=FeedStatus.RUNNING, started_at="2026-11-26T05:00:00Z")
    page = signed_in_page(alice)
    page.goto(site_url("reporting:dashboard"))
    expect(page.locator("#dashboard")).to_have_attribute("hx-trigger", "every 3s")
    expect(tile(page, "savings-ytd")).to_have_text("$0.00")
    mark_document(page)

    opportunity_approve(opportunity=Opportunity.objects.get(security__symbol="AAPL"), user=alice)  # elsewhere
    assert Order.objects.get(side="sell").status == OrderStatus.FILLED

    expect(tile(page, "savings-ytd")).to_have_text("$1,050.00", timeout=10_000)
    expect(tile(page, "harvests-ytd")).to_have_text("1")
    assert same_document(page)  # htmx swapped the tiles in: no reload


def test_editing_a_tax_profile_reranks_the_book(signed_in_page, site_url, alice, harvestable_smiths, joneses):
    for household in (harvestable_smiths, joneses):
        scan_start(firm=household.firm, household=household)
    page = signed_in_page(alice)
    page.goto(site_url("harvesting:opportunities"))
    rows = page.get_by_test_id("opportunities").locator("tbody tr:not(.explain)")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Jones Family")
    expect(rows.nth(1)).to_contain_text("Smith Family")
    expect(rows.nth(1)).to_contain_text("$1,050.00")

    page.goto(site_url("taxprofiles:edit", harvestable_smiths.pk))
    expect(page.get_by_test_id("marginal-rates")).to_have_text("Ordinary rate 35% · long-term rate 15% · NIIT 3.8%")
    page.get_by_label("Short-term gains realized elsewhere").fill("20000")
    # The preview follows the typing (htmx) before anything is saved.
    expect(page.locator("#rates h2")).to_contain_text("Preview: Tax year 2025")
    expect(page.locator("#rates")).to_contain_text("$3,880.00")  # a $10,000 short-term loss, 35% + 3.8% NIIT
    assert TaxProfile.objects.get(household=harvestable_smiths).st_gains_realized == 0
    screenshot(page, "tax-profile-editor")

    page.get_by_role("button", name="Save and rescan").click()
    expect(page.locator(".messages")).to_contain_text("Saved the 2025 tax profile; rescanning")
    page.goto(site_url("harvesting:opportunities"))
    expect(rows.first).to_contain_text("Smith Family")
    expect(rows.first).to_contain_text("$1,474.40")  # all 3,800 now offsets short-term gains: 35% + 3.8% NIIT
    expect(rows.nth(1)).to_contain_text("Jones Family")
    assert re.search(r"\$1,253\.06", rows.first.inner_text())  # less $221.34 of costs
