"""The opportunities page (every open harvest of the advisor's book, with why it is worth what it is) and the
orders page: exact figures, approvals one by one and in bulk, expiry by the market clock, isolation, queries.

The Smith lot: 100 AAPL bought at 180 on 2022-01-03 in Jane's taxable account. AAPL closes at 140 + day % 3
and MSFT at 240 + day % 4 over Dec 1-28, 2022, so on Dec 28 AAPL is at 141: a 3,900.00 short-term loss.
The Smiths file single with 400,000 of wages in 2025 (the profile the scan uses): taxable income 384,250, in
the 35% bracket, no capital gains, so the loss offsets 3,000 of ordinary income (1,050.00) and 900 carries.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brokers import paper
from brokers.market_clock import pinned
from harvesting.explain import explain
from harvesting.models import (
    HarvestRun,
    Opportunity,
    OpportunityStatus,
    Order,
    OrderStatus,
    RunStatus,
    TradingControls,
)
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.models import Household, User
from taxprofiles.models import TaxProfile
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer
from tests.factories import HouseholdFactory, PriceFactory

CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)  # 4:00 PM in New York
HEAD = b"account,account_type,date,action,symbol,quantity,price,lot\n"
OPPORTUNITIES = reverse("harvesting:opportunities")
BULK = reverse("harvesting:opportunity_bulk_approve")
ORDERS = reverse("harvesting:orders")


def aapl_close(day: int) -> Decimal:
    return Decimal(140 + day % 3)


def msft_close(day: int) -> Decimal:
    return Decimal(240 + day % 4)


def text_of(page: str, testid: str) -> str:
    """The text of the element marked ``data-testid=testid``: tags dropped, entities decoded, spaces collapsed."""
    match = re.search(rf'<(\w+)[^>]*\bdata-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"nothing marked {testid!r} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def messages_of(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<li class="\w+">(.*?)</li>', page.split('<ul class="messages">')[1])]


@pytest.fixture(autouse=True)
def honest_paper_broker(monkeypatch):
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())


@pytest.fixture
def closes(securities):
    for day in range(1, 29):
        stamp = CLOSE.replace(day=day)
        PriceFactory(security=securities["AAPL"], timestamp=stamp, price=aapl_close(day))
        PriceFactory(security=securities["MSFT"], timestamp=stamp, price=msft_close(day))


def holding(household: Household, row: bytes, wages: str = "400000") -> None:
    ledger_import(household=household, filename="l.csv", content=HEAD + row, today=date(2026, 1, 1))
    TaxProfile.objects.create(household=household, tax_year=2025, filing_status="single", wages=Decimal(wages))


def scan(household: Household, capture) -> None:
    with capture(execute=True):
        scan_start(firm=household.firm, household=household)


@pytest.fixture
def smith_aapl(smiths, smith_taxable, closes, django_capture_on_commit_callbacks) -> Opportunity:
    holding(smiths, b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n")
    scan(smiths, django_capture_on_commit_callbacks)
    return Opportunity.objects.get(household=smiths, security__symbol="AAPL")


@pytest.fixture
def joneses(acme, alice) -> Household:
    household = HouseholdFactory(firm=acme, name="Jones Family")
    household.advisors.add(alice)
    return household


@pytest.fixture
def jones_msft(joneses, closes, django_capture_on_commit_callbacks) -> Opportunity:
    """50 MSFT bought at 330: at Dec 28's 240 a 4,500.00 short-term loss, replaced by AAPL."""
    holding(joneses, b"JO-T,taxable,2022-01-03,buy,MSFT,50,330,J1\n")
    scan(joneses, django_capture_on_commit_callbacks)
    return Opportunity.objects.get(household=joneses, security__symbol="MSFT")


@pytest.fixture
def mallory_aapl(other_firm, mallory, closes, django_capture_on_commit_callbacks) -> Opportunity:
    household = HouseholdFactory(firm=other_firm, name="Mallory Clients")
    household.advisors.add(mallory)
    holding(household, b"MA-T,taxable,2022-01-03,buy,AAPL,10,200,X1\n")
    scan(household, django_capture_on_commit_callbacks)
    return Opportunity.objects.get(household=household)


def expected_costs(value: Decimal) -> Decimal:
    """The scan's costs, recomputed: 5 bp on the sale and on the purchase, plus a quarter of the
    replacement's 31-day tracking drift (annualized tracking error of daily returns x sqrt(31/365.25))."""
    aapl = np.array([float(aapl_close(day)) for day in range(1, 29)])
    msft = np.array([float(msft_close(day)) for day in range(1, 29)])
    tracking_error = float(np.std(aapl[1:] / aapl[:-1] - msft[1:] / msft[:-1]) * np.sqrt(252))
    tracking = value * Decimal(repr(tracking_error)) * Decimal("0.2912") * Decimal("0.25")
    return (value * Decimal("0.0005") * 2 + tracking).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- the opportunities page --------------------------------------------------------------------------------


def test_the_smith_harvest_is_listed_with_its_loss_tax_value_costs_and_replacement(alice, smith_aapl):
    page = signed_in(alice).get(OPPORTUNITIES).text
    # 100 x 141 = 14,100.00 against 18,000.00 of basis.
    assert (smith_aapl.loss, smith_aapl.term, smith_aapl.tax_value) == (Decimal("3900.00"), "short", Decimal("1050.00"))
    assert smith_aapl.costs == expected_costs(Decimal("14100.00")) == Decimal("220.72")
    assert text_of(page, f"opportunity-{smith_aapl.pk}") == (
        "Smith Family AAPL 100 sh SM-T · A1 $3,900.00 Short $1,050.00 $220.72 $829.28 — MSFT \u03c1 -0.06"  # rho
    )
    assert text_of(page, "open-count") == "1"
    assert text_of(page, "open-value") == "$1,050.00"
    assert "<dt>Market time</dt><dd>Dec 28, 2022 4:00 PM</dd>" in page
    assert f'data-testid="approve-{smith_aapl.pk}"' in page


def test_the_explanation_matches_the_tax_engine_and_the_hand_computation(alice, smith_aapl):
    # By hand: 3,000 of the 3,900 offsets ordinary income in the 35% bracket (1,050.00); 900 carries forward,
    # worth 900 x (35% + 3.8% NIIT, since wages put AGI over 200,000) / 1.05 = 332.57 a year on. The market is in
    # December 2022: the scan values the 2025 profile (the nearest on file) under 2022 law.
    valuer = HarvestValuer(2022, "single", "", Income(Decimal("400000")))
    value = valuer.value(st_loss=Decimal("3900"))
    assert (value.federal_savings, value.state_savings, value.carryforward_created_st) == (
        Decimal("1050.00"),
        Decimal("0"),
        Decimal("900"),
    )
    assert value.carryforward_value == Decimal("332.57")
    expected = explain(valuer, Decimal("3900.00"), long_term=False, tax_year=2022)
    assert [(o.what, o.dollars, o.rate, o.saving) for o in expected.offsets] == [
        ("ordinary income (the $3,000 limit)", Decimal("3000.00"), Decimal("0.35"), Decimal("1050.00"))
    ]
    assert (expected.federal_savings, expected.carried_forward, expected.carryforward_value) == (
        Decimal("1050.00"),
        Decimal("900.00"),
        Decimal("332.57"),
    )

    why = text_of(signed_in(alice).get(OPPORTUNITIES).text, f"why-{smith_aapl.pk}")
    # 3,000 x 35% = 1,050.00: the whole federal saving, at the bracket's rate (nothing crossed).
    assert why.startswith(
        "Why $1,050.00: selling realizes a short-term loss of $3,900.00, which offsets $3,000.00 of ordinary "
        "income (the $3,000 limit) taxed at 35% = $1,050.00. On its own it saves $1,050.00 federal in 2022; "
        "$900.00 carries forward (worth about $332.57 today). Costs $220.72: the spread and commissions on the sale "
        "and the replacement, and a charge for the risk that the replacement drifts from the lot over the 31 days. "
        "Buys MSFT (Microsoft Corp.), correlation -0.06 over the past year: not substantially identical, "
        "so no wash sale."
    )
    assert "Ranked after" not in why  # its stand-alone saving is what the scan credited it with
    assert "Offer expires Dec 29, 4:00 PM" in why


def test_a_household_filter_shows_only_that_household(alice, smith_aapl, jones_msft):
    client = signed_in(alice)
    both = client.get(OPPORTUNITIES).text
    assert text_of(both, "open-count") == "2"
    assert text_of(both, "open-value") == "$2,100.00"
    # Best net benefit first: both save 1,050.00, and the smaller MSFT sale (12,000.00) costs less.
    assert (jones_msft.costs, jones_msft.net_benefit) == (expected_costs(Decimal("12000.00")), Decimal("862.15"))
    assert both.index(f'data-testid="opportunity-{jones_msft.pk}"') < both.index(
        f'data-testid="opportunity-{smith_aapl.pk}"'
    )
    page = client.get(OPPORTUNITIES, {"household": jones_msft.household_id}).text
    assert f'data-testid="opportunity-{jones_msft.pk}"' in page
    assert f'data-testid="opportunity-{smith_aapl.pk}"' not in page
    assert "Jones Family · harvests awaiting a decision" in page
    assert f'<option value="{jones_msft.household_id}" selected>Jones Family</option>' in page


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_outsiders_see_no_smith_harvest_and_get_404_for_the_household(persona, request, smith_aapl):
    client = signed_in(request.getfixturevalue(persona))
    page = client.get(OPPORTUNITIES).text
    assert f"opportunity-{smith_aapl.pk}" not in page
    assert "Smith Family" not in page
    assert "Nothing awaits a decision." in page
    assert client.get(OPPORTUNITIES, {"household": smith_aapl.household_id}).status_code == 404


def test_alice_does_not_see_another_firms_harvest(alice, smith_aapl, mallory_aapl):
    page = signed_in(alice).get(OPPORTUNITIES).text
    assert f"opportunity-{mallory_aapl.pk}" not in page
    assert "Mallory Clients" not in page
    assert signed_in(alice).get(OPPORTUNITIES, {"household": mallory_aapl.household_id}).status_code == 404


def test_an_htmx_request_gets_only_the_list(alice, smith_aapl):
    response = signed_in(alice).get(OPPORTUNITIES, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="opportunities">')
    assert "<html" not in response.text
    assert f'data-testid="opportunity-{smith_aapl.pk}"' in response.text
    # Going back in the browser's history restores the whole page.
    restored = signed_in(alice).get(OPPORTUNITIES, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restored.text


def test_approving_from_the_page_comes_back_to_it(alice, smith_aapl, django_capture_on_commit_callbacks):
    client = signed_in(alice)
    back = f"{OPPORTUNITIES}?household={smith_aapl.household_id}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("harvesting:opportunity_approve", args=[smith_aapl.pk]), {"next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    page = client.get(back).text
    assert messages_of(page) == ["Approved: selling AAPL; the replacement follows the fill."]
    assert "Nothing awaits a decision." in page  # executed: no longer awaiting a decision
    smith_aapl.refresh_from_db()
    assert smith_aapl.status == OpportunityStatus.EXECUTED


def test_an_offsite_next_is_ignored(alice, smith_aapl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(alice).post(
            reverse("harvesting:opportunity_reject", args=[smith_aapl.pk]),
            {"next": "https://evil.example/opportunities/", "reason": "client keeps AAPL"},
        )
    assert response["Location"] == reverse("harvesting:run_detail", args=[smith_aapl.run_id])


def test_bulk_approval_approves_harvests_of_two_households(
    alice, smith_aapl, jones_msft, django_capture_on_commit_callbacks
):
    client = signed_in(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            BULK, {"opportunity": [smith_aapl.pk, jones_msft.pk], "next": f"{OPPORTUNITIES}?household="}
        )
    assert response["Location"] == f"{OPPORTUNITIES}?household="
    assert messages_of(client.get(response["Location"]).text) == [
        "Approved 2 harvests: AAPL of Smith Family, MSFT of Jones Family."
    ]
    sells = {o.opportunity.household.name: o for o in Order.objects.filter(side="sell").select_related("opportunity")}
    assert {name: (o.security.symbol, o.status, o.approved_by) for name, o in sells.items()} == {
        "Smith Family": ("AAPL", OrderStatus.FILLED, alice),
        "Jones Family": ("MSFT", OrderStatus.FILLED, alice),
    }
    assert set(Opportunity.objects.values_list("status", flat=True)) == {OpportunityStatus.EXECUTED}


def test_bulk_approval_reports_each_refusal(alice, smith_aapl, jones_msft, django_capture_on_commit_callbacks):
    TradingControls.objects.create(firm=smith_aapl.household.firm, kill_switch=True)
    client = signed_in(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BULK, {"opportunity": [smith_aapl.pk, jones_msft.pk]}, follow=True)
    assert response.redirect_chain == [(OPPORTUNITIES, 302)]
    assert messages_of(response.text) == [
        "AAPL of Smith Family: Trading is halted: the firm's kill switch is on.",
        "MSFT of Jones Family: Trading is halted: the firm's kill switch is on.",
    ]
    assert not Order.objects.exists()
    assert text_of(response.text, "open-count") == "2"


def test_bulk_approval_approves_what_passes_and_refuses_the_rest(
    alice, smith_aapl, jones_msft, django_capture_on_commit_callbacks
):
    # The limit counts the sale and the purchase: AAPL 2 x 14,100 = 28,200 is over 25,000; MSFT 2 x 12,000 is not.
    TradingControls.objects.create(firm=smith_aapl.household.firm, max_notional_per_household_per_day=Decimal("25000"))
    client = signed_in(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BULK, {"opportunity": [smith_aapl.pk, jones_msft.pk]}, follow=True)
    assert messages_of(response.text) == [
        "Approved 1 harvest: MSFT of Jones Family.",
        "AAPL of Smith Family: This harvest would exceed the household's daily notional limit.",
    ]
    assert list(Order.objects.filter(side="sell").values_list("security__symbol", flat=True)) == ["MSFT"]
    smith_aapl.refresh_from_db()
    assert smith_aapl.status == OpportunityStatus.OPEN


def test_bulk_approval_with_nothing_ticked_says_so(alice, smith_aapl):
    response = signed_in(alice).post(BULK, {}, follow=True)
    assert messages_of(response.text) == ["Tick the harvests to approve first."]
    assert signed_in(alice).get(BULK).status_code == 405


def test_bulk_approving_another_firms_harvest_is_404(alice, mallory_aapl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_in(alice).post(BULK, {"opportunity": [mallory_aapl.pk]}).status_code == 404
    assert not Order.objects.exists()
    mallory_aapl.refresh_from_db()
    assert mallory_aapl.status == OpportunityStatus.OPEN


def test_a_bulk_approval_that_includes_another_firms_harvest_approves_nothing(
    alice, smith_aapl, mallory_aapl, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(alice).post(BULK, {"opportunity": [smith_aapl.pk, mallory_aapl.pk]})
    assert response.status_code == 404
    assert not Order.objects.exists()


def test_an_expired_opportunity_is_no_longer_offered(alice, smith_aapl):
    assert smith_aapl.expires_at == datetime(2022, 12, 29, 21, 0, tzinfo=UTC)  # 4 PM the next market day
    client = signed_in(alice)
    with pinned(smith_aapl.expires_at):
        assert f"opportunity-{smith_aapl.pk}" in client.get(OPPORTUNITIES).text
    with pinned(smith_aapl.expires_at + timedelta(seconds=1)):
        page = client.get(OPPORTUNITIES).text
    assert f"opportunity-{smith_aapl.pk}" not in page
    assert text_of(page, "open-count") == "0"
    assert "Nothing awaits a decision." in page


def test_a_blocked_lot_is_listed_with_what_blocks_it_and_cannot_be_approved(
    alice, smiths, smith_taxable, smith_ira, closes, django_capture_on_commit_callbacks
):
    holding(smiths, b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\nSM-IRA,traditional_ira,2022-12-18,buy,AAPL,5,150,\n")
    scan(smiths, django_capture_on_commit_callbacks)
    blocked = Opportunity.objects.get(account_number="SM-T")
    page = signed_in(alice).get(OPPORTUNITIES).text
    assert "Blocked bought 5 AAPL on 2022-12-18 in SM-IRA until Jan 18, 2023" in text_of(page, f"why-{blocked.pk}")
    assert f'data-testid="approve-{blocked.pk}"' not in page
    assert f'name="opportunity" value="{blocked.pk}"' not in page


def make_offers(households: list[Household], securities: dict, count: int) -> None:
    """``count`` open harvests spread over ``households`` (each with a 2025 profile), as a scan records them."""
    for i in range(count):
        household = households[i % len(households)]
        run = HarvestRun.objects.create(firm=household.firm, household=household, status=RunStatus.DONE)
        Opportunity.objects.create(
            run=run,
            household=household,
            account_number="T",
            security=securities["AAPL" if i % 2 else "MSFT"],
            lot_name=f"L{i}",
            quantity=Decimal(10),
            price=Decimal(100),
            loss=Decimal(500 + i),
            term="short",
            tax_value=Decimal(175),
            costs=Decimal(1),
            net_benefit=Decimal(174),
            rank=1,
            replacement=securities["MSFT" if i % 2 else "AAPL"],
            explanation={"action": "harvest", "tax_year": 2025},
            expires_at=CLOSE + timedelta(days=1),
        )


def queries_for(client: HttpClient, url: str) -> int:
    """Queries of a page that renders in full: a browser's first visit, before it holds a CSRF cookie (with one,
    a repeat visit would be served from the fragment cache)."""
    client.cookies.pop(settings.CSRF_COOKIE_NAME, None)
    with pinned(CLOSE), CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_lists_queries_do_not_grow_with_the_number_of_harvests(
    alice, smiths, joneses, securities, django_assert_max_num_queries
):
    for household in (smiths, joneses):
        TaxProfile.objects.create(household=household, tax_year=2025, filing_status="single", wages=Decimal(400000))
    make_offers([smiths, joneses], securities, 2)
    client = signed_in(alice)
    two = queries_for(client, OPPORTUNITIES)
    make_offers([smiths, joneses], securities, 8)
    client.cookies.pop(settings.CSRF_COOKIE_NAME, None)  # rendered in full again, as in queries_for
    with pinned(CLOSE), django_assert_max_num_queries(two):
        page = client.get(OPPORTUNITIES).text
    assert text_of(page, "open-count") == "10"
    assert page.count('class="explain"') == 10


def test_the_lists_queries_do_not_grow_with_the_number_of_households(alice, acme, securities):
    households = [HouseholdFactory(firm=acme, name=f"Household {i}") for i in range(10)]
    for household in households:
        household.advisors.add(alice)
        TaxProfile.objects.create(household=household, tax_year=2025, filing_status="single", wages=Decimal(400000))
    client = signed_in(alice)
    make_offers(households[:2], securities, 2)
    two = queries_for(client, OPPORTUNITIES)
    make_offers(households, securities, 10)
    assert queries_for(client, OPPORTUNITIES) == two


def test_the_open_count_agrees_with_the_dashboard(
    alice, smiths, smith_taxable, smith_ira, closes, django_capture_on_commit_callbacks
):
    holding(smiths, b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\nSM-IRA,traditional_ira,2022-12-18,buy,AAPL,5,150,\n")
    scan(smiths, django_capture_on_commit_callbacks)
    client = signed_in(alice)
    dashboard = client.get(reverse("reporting:dashboard")).text
    assert text_of(dashboard, "open-opportunities") == "0"
    assert text_of(client.get(OPPORTUNITIES).text, "open-count") == "0"


# --- the orders page ---------------------------------------------------------------------------------------


def approve(opportunity: Opportunity, user: User, capture) -> None:
    with capture(execute=True):
        response = signed_in(user).post(reverse("harvesting:opportunity_approve", args=[opportunity.pk]))
    assert response.status_code == 302


def test_no_orders_yet(alice, smith_aapl):
    page = signed_in(alice).get(ORDERS).text
    assert "No orders yet: approved harvests appear here as they are sent and filled." in page
    assert "hx-trigger" not in page.split('id="orders"')[1].split(">")[0]


def test_after_an_approval_the_orders_show_their_fills_and_stop_polling(
    alice, smith_aapl, django_capture_on_commit_callbacks
):
    approve(smith_aapl, alice, django_capture_on_commit_callbacks)
    sell, buy = Order.objects.get(side="sell"), Order.objects.get(side="buy")
    # Sold at Dec 28's 141 less 5 bp: 140.9295; 14,092.95 buys MSFT at 240 + 5 bp = 240.12: 58.6912 shares.
    assert (sell.status, sell.filled_quantity, sell.average_price) == (
        OrderStatus.FILLED,
        Decimal("100"),
        Decimal("140.929500"),
    )
    assert (buy.status, buy.quantity, buy.average_price) == (OrderStatus.FILLED, Decimal("58.6912"), Decimal("240.12"))
    page = signed_in(alice).get(ORDERS).text
    assert text_of(page, f"order-{sell.pk}") == (
        "Dec 28, 2022 Smith Family Sell AAPL lot A1 100 100 $140.93 Filled Alice Adams $1,050.00 Paper trading"
    )
    assert f'title="Broker order {sell.broker_order_id} · client order {sell.client_order_id}"' in page
    assert text_of(page, f"order-{buy.pk}") == (
        "Dec 28, 2022 Smith Family Buy MSFT 58.6912 58.6912 $240.12 Filled Alice Adams Paper trading"
    )
    assert 'data-sort="140.929500">$140.93</td>' in page  # shown to the cent, sorted on the exact price
    assert page.index(f"order-{buy.pk}") < page.index(f"order-{sell.pk}")  # newest first
    assert 'hx-trigger="every 2s"' not in page


def test_the_orders_page_polls_while_an_order_is_still_working(alice, smith_aapl, django_capture_on_commit_callbacks):
    paper.behaviour.fill_fraction = Decimal("0.4")
    approve(smith_aapl, alice, django_capture_on_commit_callbacks)
    sell = Order.objects.get()
    assert (sell.status, sell.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, Decimal("40"))
    client = signed_in(alice)
    page = client.get(ORDERS).text
    assert f'<div id="orders" class="card" hx-get="{ORDERS}" hx-trigger="every 2s" hx-swap="outerHTML">' in page
    assert "Sell AAPL lot A1 100 40 $140.93 Partially filled" in text_of(page, f"order-{sell.pk}")
    partial = client.get(ORDERS, headers={"HX-Request": "true"}).text
    assert partial.lstrip().startswith('<div id="orders" class="card" hx-get=')
    assert "<html" not in partial


def test_a_rejected_sale_shows_its_reason(alice, smith_aapl, django_capture_on_commit_callbacks):
    paper.behaviour.reject_symbols = {"AAPL"}
    approve(smith_aapl, alice, django_capture_on_commit_callbacks)
    sell = Order.objects.get()
    page = signed_in(alice).get(ORDERS).text
    assert "Sell AAPL lot A1 100 0 — Rejected rejected by the paper broker (simulated)" in text_of(
        page, f"order-{sell.pk}"
    )
    assert 'hx-trigger="every 2s"' not in page


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_outsiders_do_not_see_the_smith_orders(persona, request, alice, smith_aapl, django_capture_on_commit_callbacks):
    approve(smith_aapl, alice, django_capture_on_commit_callbacks)
    page = signed_in(request.getfixturevalue(persona)).get(ORDERS).text
    assert "No orders yet" in page
    assert "Smith Family" not in page


def test_a_firm_admin_sees_the_firms_harvests_and_orders(
    bob, smith_aapl, jones_msft, django_capture_on_commit_callbacks
):
    # Firm admins must have an authenticator app (taxharvest.mfa): make sure bob has one.
    if not Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(bob, generate_totp_secret())
    client = signed_in(bob)
    assert text_of(client.get(OPPORTUNITIES).text, "open-count") == "2"
    approve(jones_msft, bob, django_capture_on_commit_callbacks)
    sell = Order.objects.get(side="sell")
    assert (sell.approved_by, sell.status) == (bob, OrderStatus.FILLED)
    assert "Jones Family Sell MSFT lot J1 50 50 $239.88 Filled" in text_of(client.get(ORDERS).text, f"order-{sell.pk}")


def test_the_orders_page_needs_a_sign_in():
    response = HttpClient().get(ORDERS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
