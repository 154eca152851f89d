"""The household page's "Wash-sale windows": purchases made in the last 30 days and planned in the next 30,
across every account (IRAs included), and the losing lots the latest scan found blocked, by what and until when.

The market date is Dec 28, 2022 (the newest close). The Smiths hold 100 AAPL bought at 180 in Jane's taxable
account; AAPL closes at 141 on Dec 28: a 3,900.00 loss.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from brokers.market_clock import pinned
from harvesting.models import Opportunity, OpportunityStatus, PlannedKind, PlannedPurchase
from harvesting.scanning import scan_start
from harvesting.selectors import wash_sale_windows
from portfolios.importers import ledger_import
from portfolios.models import Household, User
from taxprofiles.models import TaxProfile
from tests.factories import PriceFactory

CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)
MARKET_DATE = date(2022, 12, 28)
HEAD = b"account,account_type,date,action,symbol,quantity,price,lot\n"
EMPTY = "No purchase in the last or next 30 days: no lot is blocked by the wash-sale rule."


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def rows(page: str, testid: str) -> list[str]:
    """The body rows of the table marked ``data-testid=testid``, as text."""
    table = re.search(rf'<table[^>]*data-testid="{testid}"[^>]*>(.*?)</table>', page, re.S)
    if table is None:
        return []
    body = table.group(1).split("<tbody>")[1]
    return [plain(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def section(page: str) -> str:
    return page.split('<section class="card" id="wash-sales">')[1].split("</section>")[0]


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture
def closes(securities):
    for day in range(1, 29):
        stamp = CLOSE.replace(day=day)
        PriceFactory(security=securities["AAPL"], timestamp=stamp, price=Decimal(140 + day % 3))
        PriceFactory(security=securities["MSFT"], timestamp=stamp, price=Decimal(240 + day % 4))


def ledger(household: Household, rows_: bytes) -> None:
    ledger_import(household=household, filename="l.csv", content=HEAD + rows_, today=date(2026, 1, 1))


@pytest.fixture
def smith_lot(smiths, smith_taxable, smith_ira, closes) -> Household:
    ledger(smiths, b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n")
    TaxProfile.objects.create(household=smiths, tax_year=2025, filing_status="single", wages=Decimal("400000"))
    return smiths


def page_of(user: User, household: Household) -> str:
    response = signed_in(user).get(reverse("portfolios:household_detail", args=[household.pk]))
    assert response.status_code == 200
    return response.text


def scan(household: Household, capture) -> None:
    with capture(execute=True):
        scan_start(firm=household.firm, household=household)


def test_a_buy_in_the_ira_ten_days_ago_opens_a_window_that_clears_thirty_one_days_after_it(alice, smith_lot):
    ledger(smith_lot, b"SM-IRA,traditional_ira,2022-12-18,buy,AAPL,5,150,\n")
    page = page_of(alice, smith_lot)
    assert "on Dec 28, 2022, across every account of the household, IRAs included" in section(page)
    assert rows(page, "purchase-windows") == ["AAPL SM-IRA Dec 18, 2022 5 Jan 18, 2023"]
    assert EMPTY not in page
    window = wash_sale_windows(smith_lot, MARKET_DATE)[0]
    assert (window.window_from, window.window_until, window.planned) == (date(2022, 11, 18), date(2023, 1, 18), False)


def test_a_planned_purchase_is_shown_as_planned(alice, smith_lot, smith_ira, securities):
    PlannedPurchase.objects.create(
        account=smith_ira,
        security=securities["AAPL"],
        planned_on=date(2023, 1, 10),
        quantity=Decimal("0.5"),
        kind=PlannedKind.DIVIDEND_REINVESTMENT,
    )
    page = page_of(alice, smith_lot)
    assert rows(page, "purchase-windows") == ["AAPL planned SM-IRA Jan 10, 2023 0.5 Feb 10, 2023"]


def test_windows_are_listed_by_when_they_end(alice, smith_lot, smith_ira, securities):
    ledger(smith_lot, b"SM-IRA,traditional_ira,2022-12-18,buy,AAPL,5,150,\nSM-T,taxable,2022-12-05,buy,MSFT,2,241,\n")
    PlannedPurchase.objects.create(
        account=smith_ira, security=securities["MSFT"], planned_on=date(2023, 1, 2), quantity=Decimal(3),
        kind=PlannedKind.PENDING_ORDER,
    )  # fmt: skip
    assert rows(page_of(alice, smith_lot), "purchase-windows") == [
        "MSFT SM-T Dec 5, 2022 2 Jan 5, 2023",
        "AAPL SM-IRA Dec 18, 2022 5 Jan 18, 2023",
        "MSFT planned SM-IRA Jan 2, 2023 3 Feb 2, 2023",
    ]


def test_only_purchases_within_thirty_days_either_side_of_the_market_date_count(
    alice, smith_lot, smith_ira, securities
):
    ledger(
        smith_lot,
        b"SM-IRA,traditional_ira,2022-11-27,buy,AAPL,1,150,\n"  # 31 days before: its window has closed
        b"SM-IRA,traditional_ira,2022-11-28,buy,AAPL,2,150,\n"  # 30 days before: a sale today still washes
        b"SM-IRA,traditional_ira,2022-12-20,sell,AAPL,2,150,\n",  # a sale opens no window
    )
    for day, quantity in ((date(2023, 1, 27), 3), (date(2023, 1, 28), 4), (date(2022, 12, 27), 6)):
        PlannedPurchase.objects.create(
            account=smith_ira, security=securities["AAPL"], planned_on=day, quantity=Decimal(quantity),
            kind=PlannedKind.SCHEDULED_DEPOSIT,
        )  # fmt: skip
    assert rows(page_of(alice, smith_lot), "purchase-windows") == [
        "AAPL SM-IRA Nov 28, 2022 2 Dec 29, 2022",
        "AAPL planned SM-IRA Jan 27, 2023 3 Feb 27, 2023",
    ]


def test_no_purchase_says_no_lot_is_blocked(alice, smith_lot):
    page = page_of(alice, smith_lot)
    assert EMPTY in section(page)
    assert 'data-testid="purchase-windows"' not in page
    assert 'data-testid="blocked-lots"' not in page


def test_a_scan_shows_the_blocked_lot_what_blocks_it_and_until_when(
    alice, smith_lot, smith_ira, securities, django_capture_on_commit_callbacks
):
    ledger(smith_lot, b"SM-IRA,traditional_ira,2022-12-18,buy,AAPL,5,150,\n")
    scan(smith_lot, django_capture_on_commit_callbacks)
    blocked = Opportunity.objects.get(account_number="SM-T")
    assert (blocked.status, blocked.blocked_until) == (OpportunityStatus.BLOCKED, date(2023, 1, 18))
    page = page_of(alice, smith_lot)
    assert rows(page, "blocked-lots") == ["AAPL SM-T · A1 $3,900.00 bought 5 AAPL on 2022-12-18 in SM-IRA Jan 18, 2023"]


def test_a_planned_reinvestment_blocks_the_lot_until_a_month_after_it(
    alice, smith_lot, smith_ira, securities, django_capture_on_commit_callbacks
):
    PlannedPurchase.objects.create(
        account=smith_ira, security=securities["AAPL"], planned_on=date(2023, 1, 10), quantity=Decimal("0.5"),
        kind=PlannedKind.DIVIDEND_REINVESTMENT,
    )  # fmt: skip
    scan(smith_lot, django_capture_on_commit_callbacks)
    page = page_of(alice, smith_lot)
    assert rows(page, "blocked-lots") == [
        "AAPL SM-T · A1 $3,900.00 dividend reinvestment of 0.5 AAPL planned on 2023-01-10 in SM-IRA Feb 10, 2023"
    ]
    assert rows(page, "purchase-windows") == ["AAPL planned SM-IRA Jan 10, 2023 0.5 Feb 10, 2023"]


def test_a_harvestable_lot_is_not_listed_as_blocked(alice, smith_lot, django_capture_on_commit_callbacks):
    scan(smith_lot, django_capture_on_commit_callbacks)
    assert Opportunity.objects.get().status == OpportunityStatus.OPEN
    page = page_of(alice, smith_lot)
    assert rows(page, "blocked-lots") == []
    assert EMPTY in page


def test_the_section_follows_the_market_clock(alice, smith_lot, django_capture_on_commit_callbacks):
    ledger(smith_lot, b"SM-IRA,traditional_ira,2022-12-18,buy,AAPL,5,150,\n")
    scan(smith_lot, django_capture_on_commit_callbacks)
    blocked = Opportunity.objects.get(account_number="SM-T")
    with pinned(blocked.expires_at):
        assert len(rows(page_of(alice, smith_lot), "blocked-lots")) == 1
    # A month on, the purchase's window has closed and the scan's finding has expired.
    with pinned(CLOSE + timedelta(days=31)):
        page = page_of(alice, smith_lot)
    assert "on Jan 28, 2023" in section(page)
    assert rows(page, "blocked-lots") == []
    assert rows(page, "purchase-windows") == []
    assert EMPTY in page


def test_the_blocked_lot_and_its_purchase_agree_on_until_when(alice, smith_lot, django_capture_on_commit_callbacks):
    ledger(smith_lot, b"SM-IRA,traditional_ira,2022-12-18,buy,AAPL,5,150,\n")
    scan(smith_lot, django_capture_on_commit_callbacks)
    page = page_of(alice, smith_lot)
    blocked_until = rows(page, "blocked-lots")[0].rsplit(" ", 3)[-3:]
    window_until = rows(page, "purchase-windows")[0].rsplit(" ", 3)[-3:]
    assert blocked_until == window_until


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_outsiders_cannot_open_the_household_page(persona, request, smith_lot):
    response = signed_in(request.getfixturevalue(persona)).get(
        reverse("portfolios:household_detail", args=[smith_lot.pk])
    )
    assert response.status_code == 404
