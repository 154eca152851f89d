"""An advisor in the browser: signs in, finds a household with the live search, reads its lots; an outsider
opening the same household's address gets the 404 page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portfolios.models import Household
from tests.browser.helpers import is_reddish, mark_document, rgb, same_document, screenshot
from tests.factories import HouseholdFactory


def test_alice_signs_in_and_the_search_filters_her_households_without_a_reload(
    page, signed_in_page, site_url, alice, smiths, acme
):
    for name in ("Jones Family", "Garcia Trust"):
        HouseholdFactory(firm=acme, name=name).advisors.add(alice)
    HouseholdFactory(firm=acme, name="Smithers Estate")  # Acme's, but alice does not serve it

    page.goto(site_url("account_login"))
    expect(page.get_by_text("Accounts are created by your firm admin.")).to_be_visible()
    screenshot(page, "sign-in")
    signed_in_page(alice)

    assert page.url == site_url("portfolios:household_list")
    expect(page.locator("header .who")).to_have_text(re.compile(r"Alice Adams · Acme Wealth\s+Two-factor\s+Sign out"))
    rows = page.locator("#household-table tbody tr")
    expect(rows.locator("td:first-child")).to_have_text(["Garcia Trust", "Jones Family", "Smith Family"])
    smith_row = rows.filter(has_text="Smith Family")
    expect(smith_row.locator("td")).to_have_text(["Smith Family", "0", "0", "Alice Adams"])
    screenshot(page, "household-list")

    mark_document(page)
    search = page.get_by_role("searchbox", name="Find a household")
    search.fill("smi")
    expect(page).to_have_url(site_url("portfolios:household_list") + "?q=smi")  # hx-push-url
    expect(rows.locator("td:first-child")).to_have_text(["Smith Family"])
    search.fill("zzz")
    expect(page).to_have_url(site_url("portfolios:household_list") + "?q=zzz")
    expect(page.locator("#household-table")).to_have_text("No household matches “zzz”.")
    assert same_document(page), "the search reloaded the page instead of swapping the table"

    page.go_back()  # htmx restores the previous search from its history
    expect(page).to_have_url(site_url("portfolios:household_list") + "?q=smi")
    expect(rows.locator("td:first-child")).to_have_text(["Smith Family"])

    rows.get_by_role("link", name="Smith Family").click()
    expect(page).to_have_url(site_url("portfolios:household_detail", smiths.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text("Smith Family")


def test_the_household_page_shows_lots_values_and_red_losses(signed_in_page, site_url, alice, smiths_with_lots):
    page = signed_in_page(alice)
    page.goto(site_url("portfolios:household_detail", smiths_with_lots.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text("Smith Family")
    expect(page.locator(".page-head p.muted")).to_have_text("Jane Smith SMITH-1 · John Smith SMITH-2")

    summary = page.locator("dl.figures.summary")
    expect(summary.locator("dt")).to_have_text(
        ["Market value", "Cost basis", "Unrealized gain/loss", "Unrealized losses in taxable accounts", "Prices as of"]
    )
    # 1,256.74 + 314.19; 1,801.00 + 400.00; the IRA's -85.81 cannot be harvested, so taxable losses are -544.26.
    expect(summary.locator("dd")).to_have_text(
        ["$1,570.93", "$2,201.00", "-$630.07", "-$544.26", "Dec 28, 2022 4:00 PM"]
    )

    cards = page.locator("section.card").filter(has=page.locator("table.data"))
    expect(cards.locator("h2")).to_contain_text(["SM-T", "SM-IRA"])  # taxable accounts first
    expect(cards.locator("h2 .tag")).to_have_text(["Taxable", "Traditional IRA"])
    # 10 AAPL bought at $180 + $1 fee; worth 10 x 125.674 on Dec 28, 2022; short-term, 7 days to long-term.
    taxable_lot = cards.nth(0).locator("tbody tr")
    expect(taxable_lot.locator("td")).to_have_text(
        ["AAPL", re.compile(r".*"), "10", "$1,801.00", "Jan 3, 2022", "Jan 3, 2022", "$125.67", "$1,256.74",
         "-$544.26", "Short (7 d to long)"]
    )  # fmt: skip
    ira_lot = cards.nth(1).locator("tbody tr")
    expect(ira_lot.locator("td").nth(3)).to_have_text("$400.00")
    expect(ira_lot.locator("td").nth(7)).to_have_text("$314.19")
    expect(ira_lot.locator("td").nth(8)).to_have_text("-$85.81")
    expect(ira_lot.locator("td").nth(9)).to_have_text("Long")

    loss_cell = taxable_lot.locator("td").nth(8)
    assert is_reddish(rgb(loss_cell)), f"the loss cell is {rgb(loss_cell)}, not red"
    assert is_reddish(rgb(summary.locator("dd").nth(2)))
    assert not is_reddish(rgb(taxable_lot.locator("td").nth(7))), "a market value is shown as a loss"
    screenshot(page, "household-detail")


def test_mallory_opening_the_smith_household_gets_the_404_page(signed_in_page, site_url, mallory, smiths_with_lots):
    page = signed_in_page(mallory)
    response = page.goto(site_url("portfolios:household_detail", smiths_with_lots.pk))
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("link", name="Back to your dashboard")).to_be_visible()
    assert "Smith" not in page.content()
    page.goto(site_url("portfolios:household_list"))
    expect(page.locator("#household-table")).to_contain_text("You do not serve any household yet.")
    assert Household.objects.get().name == "Smith Family"  # it exists: mallory is simply not allowed to see it
    screenshot(page, "household-list-empty")
    page.goto(site_url("portfolios:household_detail", smiths_with_lots.pk))
    screenshot(page, "not-found")
