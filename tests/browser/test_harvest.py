"""Scan now, watch the run page update itself, then approve (the paper broker fills) or reject with a reason.

The household is tests/harvesting/test_execution.py's: 100 AAPL bought at $180 in Jane's taxable account,
AAPL at $142 and MSFT at $240 on Dec 28, 2022 (the market clock), a single filer with $400,000 of wages.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from brokers import paper
from harvesting import scanning
from harvesting.models import HarvestRun, Opportunity, OpportunityStatus, Order, OrderStatus, RunStatus
from portfolios.models import RealizedSale, TaxLot
from tests.browser.helpers import is_reddish, mark_document, rgb, same_document, screenshot

HEADERS = ["Rank", "Household", "Lot", "Loss", "Term", "Tax value", "Costs", "Net benefit", "Replacement", "Status"]


@pytest.fixture(autouse=True)
def honest_paper_broker(monkeypatch):
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())


def scan_now(page: Page, site_url, household) -> None:
    page.goto(site_url("portfolios:household_detail", household.pk))
    page.get_by_role("button", name="Scan now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harvest scan")


def aapl_row(page: Page):
    return page.locator("#run tbody tr").filter(has_text="AAPL")


def test_scan_now_and_the_run_page_updates_itself_until_it_shows_the_opportunity(
    signed_in_page, site_url, alice, harvestable_smiths, monkeypatch
):
    # The scan's task would run inside the "Scan now" request (django-q2 in sync mode), so the run page would
    # open on a finished scan. Hold it back, as a busy worker would, to see the page follow the scan.
    held: list[tuple] = []
    real_async_task = scanning.async_task
    monkeypatch.setattr(scanning, "async_task", lambda *args, **kwargs: held.append((args, kwargs)))

    page = signed_in_page(alice)
    scan_now(page, site_url, harvestable_smiths)
    run = HarvestRun.objects.get()
    assert page.url == site_url("harvesting:run_detail", run.pk)
    status = page.locator("#run > p").first
    expect(status).to_have_text("Queued · 0 of 1 household · 0% · 0 lots scanned · 0 lots at a loss found")
    expect(page.locator("#run")).to_have_attribute("hx-trigger", "every 1s")
    screenshot(page, "scan-run-queued")
    mark_document(page)

    assert [args for args, _ in held] == [("harvesting.scanning.scan_task", run.pk, harvestable_smiths.pk)]
    for args, kwargs in held:  # the worker picks the task up
        real_async_task(*args, **kwargs)

    expect(status).to_have_text("Done · 1 of 1 household · 100% · 1 lot scanned · 1 lot at a loss found")
    assert same_document(page), "the run page reloaded instead of polling"
    expect(page.locator("#run")).not_to_have_attribute("hx-trigger", "every 1s")  # done: the polling stops

    opportunity = Opportunity.objects.get()
    assert (opportunity.security.symbol, opportunity.loss, opportunity.rank) == ("AAPL", Decimal("3800.00"), 1)
    expect(page.locator("#run thead th")).to_have_text([*HEADERS, ""])
    cells = aapl_row(page).locator("td")
    # 100 x (180 - 142) = 3,800.00 of short-term loss. With no gains to offset, this year it only offsets
    # $3,000 of ordinary income, at the single filer's 35% marginal rate: $1,050.00 (the rest carries forward).
    expect(cells).to_have_text(
        ["1", "Smith Family", "AAPL 100 sh · SM-T · A1", "$3,800.00", "Short", "$1,050.00", "$221.34", "$828.66",
         "MSFT", "Harvest", "Approve Reject"]
    )  # fmt: skip
    assert (opportunity.tax_value, opportunity.costs, opportunity.net_benefit) == (
        Decimal("1050.00"), Decimal("221.34"), Decimal("828.66")
    )  # fmt: skip
    assert is_reddish(rgb(cells.nth(3)))
    screenshot(page, "scan-run")


def test_approving_in_the_browser_sells_at_the_paper_fill_and_records_the_sale(
    signed_in_page, site_url, alice, harvestable_smiths
):
    page = signed_in_page(alice)
    scan_now(page, site_url, harvestable_smiths)  # the scan runs inside the request: the page opens on it done
    expect(page.locator("#run > p").first).to_contain_text("Done · 1 of 1 household")
    aapl_row(page).get_by_role("button", name="Approve").click()

    expect(page.locator(".messages")).to_have_text("Approved: selling AAPL; the replacement follows the fill.")
    # The harvest ran inside the approval's request (sync django-q2): back on the scan, it is executed.
    expect(aapl_row(page).locator("td").nth(9)).to_have_text("Executed")
    expect(aapl_row(page).get_by_role("button", name="Approve")).to_have_count(0)
    screenshot(page, "scan-run-approved")

    sell, buy = Order.objects.get(side="sell"), Order.objects.get(side="buy")
    # Sold 5 bp under the $142 close: 141.929; 14,192.90 of proceeds buys 59.1075 MSFT at 240.12.
    assert (sell.status, sell.filled_quantity, sell.average_price, sell.approved_by) == (
        OrderStatus.FILLED, Decimal("100"), Decimal("141.929000"), alice
    )  # fmt: skip
    assert (buy.status, buy.quantity, buy.average_price) == (OrderStatus.FILLED, Decimal("59.1075"), Decimal("240.12"))
    sale = RealizedSale.objects.get()
    assert (sale.proceeds, sale.cost_basis, sale.gain_loss, sale.sold_on) == (
        Decimal("14192.90"), Decimal("18000.00"), Decimal("-3807.10"), date(2022, 12, 28)
    )  # fmt: skip
    assert list(TaxLot.objects.values_list("security__symbol", "quantity")) == [("MSFT", Decimal("59.1075"))]
    assert Opportunity.objects.get().status == OpportunityStatus.EXECUTED


def test_rejecting_needs_a_reason_and_records_it(signed_in_page, site_url, alice, harvestable_smiths):
    page = signed_in_page(alice)
    scan_now(page, site_url, harvestable_smiths)
    reason = aapl_row(page).get_by_role("textbox", name="Reason to reject")
    reject = aapl_row(page).get_by_role("button", name="Reject")

    reject.click()  # no reason: the browser refuses to send the form
    assert reason.evaluate("input => input.validity.valueMissing")
    expect(page.locator(".messages")).to_have_count(0)
    assert Opportunity.objects.get().status == OpportunityStatus.OPEN

    reason.fill("  client wants to keep AAPL ")
    reject.click()
    expect(page.locator(".messages")).to_have_text("Rejected the AAPL harvest.")
    expect(aapl_row(page).locator("td").nth(9)).to_have_text("Rejected client wants to keep AAPL")
    expect(aapl_row(page).get_by_role("button")).to_have_count(0)
    opportunity = Opportunity.objects.get()
    assert (opportunity.status, opportunity.decision_reason, opportunity.decided_by) == (
        OpportunityStatus.REJECTED, "client wants to keep AAPL", alice
    )  # fmt: skip
    assert not Order.objects.exists()
    assert HarvestRun.objects.get().status == RunStatus.DONE
