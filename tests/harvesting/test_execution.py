"""Harvest execution on the paper broker: exactly once, sized to fills, recorded in the ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from brokers import paper
from brokers.base import AccountStatus
from brokers.models import PaperOrder
from harvesting import execution
from harvesting.execution import execute_harvest_task, opportunity_approve
from harvesting.models import (
    Automation,
    HarvestPolicy,
    Opportunity,
    OpportunityStatus,
    Order,
    OrderStatus,
    TradingControls,
)
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.models import RealizedSale, TaxLot
from taxharvest.errors import ApplicationError
from taxprofiles.models import TaxProfile
from tests.books import aapl_at_a_loss
from tests.factories import PriceFactory

CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def honest_paper_broker(monkeypatch):
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())


@pytest.fixture
def opportunity(alice, smiths, smith_taxable, securities, django_capture_on_commit_callbacks):
    """100 AAPL bought at 180 in Jane's taxable account; AAPL closes at 141 and MSFT at 240."""
    aapl_at_a_loss(smiths, securities)
    with django_capture_on_commit_callbacks(execute=True):
        scan_start(firm=smiths.firm, household=smiths)
    found = Opportunity.objects.get(security__symbol="AAPL")
    assert found.rank == 1
    return found


def approve(opportunity, user, capture):
    with capture(execute=True):
        return opportunity_approve(opportunity=opportunity, user=user)


def test_a_paper_harvest_sells_the_lot_buys_the_replacement_and_the_ledger_agrees(
    opportunity, alice, django_capture_on_commit_callbacks
):
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    sell, buy = Order.objects.get(side="sell"), Order.objects.get(side="buy")
    # Dec 28 close: AAPL 141 + 28 % 3 = 142; sold 5 bp under it: 141.929000.
    assert (sell.status, sell.filled_quantity, sell.average_price) == (
        OrderStatus.FILLED,
        Decimal("100"),
        Decimal("141.929000"),
    )
    # 14,192.90 of proceeds buys MSFT (240 + 28 % 4 = 240) at 5 bp over: 240.120000 -> 59.1075 shares.
    assert (buy.status, buy.quantity, buy.average_price) == (
        OrderStatus.FILLED,
        Decimal("59.1075"),
        Decimal("240.120000"),
    )
    sale = RealizedSale.objects.get()
    assert (sale.proceeds, sale.cost_basis, sale.gain_loss, sale.sold_on) == (
        Decimal("14192.90"), Decimal("18000.00"), Decimal("-3807.10"), date(2022, 12, 28)
    )  # fmt: skip
    assert list(TaxLot.objects.values_list("security__symbol", "quantity", "adjusted_basis")) == [
        ("MSFT", Decimal("59.10750000"), Decimal("14192.89"))  # 59.1075 x 240.12 = 14,192.889
    ]
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.EXECUTED
    assert sell.approved_by == alice
    assert sell.tax_value_at_decision == opportunity.tax_value


def test_a_lost_response_is_recovered_by_lookup_never_by_a_second_order(
    opportunity, alice, django_capture_on_commit_callbacks
):
    paper.behaviour.lose_next_responses = 1
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    assert PaperOrder.objects.filter(side="sell").count() == 1
    assert Order.objects.get(side="sell").status == OrderStatus.FILLED
    execute_harvest_task(opportunity.pk)  # a retry of the whole task changes nothing
    assert PaperOrder.objects.count() == 2
    assert RealizedSale.objects.count() == 1


def test_a_partial_fill_buys_a_replacement_sized_to_what_was_sold(
    opportunity, alice, django_capture_on_commit_callbacks
):
    paper.behaviour.fill_fraction = Decimal("0.4")
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    sell = Order.objects.get(side="sell")
    assert (sell.status, sell.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, Decimal("40"))
    assert not Order.objects.filter(side="buy").exists()  # still filling: it waits for the rest
    sell.status = OrderStatus.CANCELLED  # the rest is cancelled at the broker
    sell.save()
    PaperOrder.objects.filter(client_order_id=sell.client_order_id).update(status="cancelled")
    paper.behaviour.fill_fraction = Decimal("1")
    execute_harvest_task(opportunity.pk)
    buy = Order.objects.get(side="buy")
    # 40 x 141.929 = 5,677.16 / 240.12 = 23.6430 shares.
    assert buy.quantity == Decimal("23.6430")
    assert TaxLot.objects.get(security__symbol="AAPL").quantity == Decimal("60")


def test_a_rejected_sale_buys_nothing_and_returns_the_opportunity_with_the_reason(
    opportunity, alice, django_capture_on_commit_callbacks
):
    paper.behaviour.reject_symbols = {"AAPL"}
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    assert Order.objects.get(side="sell").status == OrderStatus.REJECTED
    assert not Order.objects.filter(side="buy").exists()
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.OPEN
    assert opportunity.decision_reason == "The sale failed: rejected by the paper broker (simulated)"
    assert TaxLot.objects.get().security.symbol == "AAPL"


def test_the_kill_switch_stops_approvals(opportunity, alice, django_capture_on_commit_callbacks):
    TradingControls.objects.create(firm=opportunity.household.firm, kill_switch=True)
    with pytest.raises(ApplicationError, match="kill switch"):
        approve(opportunity, alice, django_capture_on_commit_callbacks)
    assert not Order.objects.exists()


def test_guardrails_cap_the_households_daily_notional(opportunity, alice, django_capture_on_commit_callbacks):
    TradingControls.objects.create(firm=opportunity.household.firm, max_notional_per_household_per_day=Decimal("20000"))
    with pytest.raises(ApplicationError, match="daily notional limit"):
        approve(opportunity, alice, django_capture_on_commit_callbacks)


def test_approving_twice_places_one_order_and_says_so(opportunity, alice, django_capture_on_commit_callbacks):
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError, match="Not approved: this AAPL harvest was already executed"):
        approve(opportunity, alice, django_capture_on_commit_callbacks)
    assert PaperOrder.objects.filter(side="sell").count() == 1


def test_an_automatic_household_is_harvested_by_the_scan_itself(
    alice, smiths, smith_taxable, securities, django_capture_on_commit_callbacks
):
    HarvestPolicy.objects.create(household=smiths, automation=Automation.AUTOMATIC)
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\nSM-T,taxable,2022-01-03,buy,AAPL,100,180,\n",
        today=date(2026, 1, 1),
    )
    for day in range(1, 29):
        PriceFactory(security=securities["AAPL"], timestamp=CLOSE.replace(day=day), price=Decimal(141))
        PriceFactory(security=securities["MSFT"], timestamp=CLOSE.replace(day=day), price=Decimal(240 + day % 4))
    TaxProfile.objects.create(household=smiths, tax_year=2025, filing_status="single", wages=Decimal("400000"))
    with django_capture_on_commit_callbacks(execute=True):
        scan_start(firm=smiths.firm, household=smiths)
    sell = Order.objects.get(side="sell")
    assert (sell.approved_automatically, sell.approved_by, sell.status) == (True, None, OrderStatus.FILLED)


def test_a_firm_admin_turns_the_kill_switch_on_in_the_admin(bob, acme):
    client = HttpClient()
    client.force_login(bob)
    response = client.post(
        reverse("admin:harvesting_tradingcontrols_add"),
        {
            "kill_switch": "on",
            "max_orders_per_household_per_day": "20",
            "max_notional_per_household_per_day": "1000000",
        },
    )
    assert response.status_code == 302, response.text
    assert TradingControls.objects.get().firm == acme
    assert TradingControls.objects.get().kill_switch is True


def test_an_advisor_approves_from_the_scan_page_and_the_harvest_executes(
    opportunity, alice, django_capture_on_commit_callbacks
):
    client = HttpClient()
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("harvesting:opportunity_approve", args=[opportunity.pk]), follow=True)
    assert "Approved: selling AAPL" in response.text
    assert "<td>Approved</td>" in response.text  # the page rendered before the worker ran
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.EXECUTED


def test_rejecting_needs_a_reason_and_outsiders_get_404(opportunity, alice, mallory):
    client = HttpClient()
    client.force_login(alice)
    response = client.post(
        reverse("harvesting:opportunity_reject", args=[opportunity.pk]), {"reason": " "}, follow=True
    )
    assert "Say why you reject it." in response.text
    client.post(
        reverse("harvesting:opportunity_reject", args=[opportunity.pk]), {"reason": "client wants to keep AAPL"}
    )
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.decision_reason) == ("rejected", "client wants to keep AAPL")
    outsider = HttpClient()
    outsider.force_login(mallory)
    assert outsider.post(reverse("harvesting:opportunity_approve", args=[opportunity.pk])).status_code == 404


def test_every_change_to_an_order_is_in_its_admin_history(opportunity, alice, bob, django_capture_on_commit_callbacks):
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    sell = Order.objects.get(side="sell")
    history = list(sell.history.order_by("history_date"))
    assert [h.status for h in history] == ["approved", "filled"]
    assert history[0].history_user == alice
    client = HttpClient()
    client.force_login(bob)
    page = client.get(reverse("admin:harvesting_order_history", args=[sell.pk]))
    assert page.status_code == 200
    assert "Alice Adams" in page.text


def later_close(securities, aapl: str, msft: str) -> None:
    stamp = datetime(2023, 1, 30, 21, 0, tzinfo=UTC)  # 33 days after the harvest
    PriceFactory(security=securities["AAPL"], timestamp=stamp, price=Decimal(aapl))
    PriceFactory(security=securities["MSFT"], timestamp=stamp, price=Decimal(msft))


def test_a_switch_back_is_offered_after_31_days_and_executes_back_into_the_original(
    opportunity, alice, securities, django_capture_on_commit_callbacks
):
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    later_close(securities, aapl="150", msft="240")  # MSFT below its 240.12 cost: no gain to realize
    with django_capture_on_commit_callbacks(execute=True):
        scan_start(firm=opportunity.household.firm, household=opportunity.household)
    offer = Opportunity.objects.get(explanation__action="switch back")
    assert (offer.security.symbol, offer.replacement.symbol, offer.quantity) == ("MSFT", "AAPL", Decimal("59.1075"))
    approve(offer, alice, django_capture_on_commit_callbacks)
    offer.refresh_from_db()
    assert offer.status == OpportunityStatus.EXECUTED
    assert list(TaxLot.objects.values_list("security__symbol", flat=True)) == ["AAPL"]
    assert all(sale.wash_sale_adjustment == 0 for sale in RealizedSale.objects.all())


def test_no_switch_back_when_it_would_realize_a_material_short_term_gain(
    opportunity, alice, securities, django_capture_on_commit_callbacks
):
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    later_close(securities, aapl="150", msft="260")  # a 1,200 short-term gain on the replacement
    with django_capture_on_commit_callbacks(execute=True):
        scan_start(firm=opportunity.household.firm, household=opportunity.household)
    assert not Opportunity.objects.filter(explanation__action="switch back").exists()


class ClosedMarketBroker(paper.PaperBroker):
    """A live broker outside market hours (the paper broker itself trades around the clock)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.submitted: list[str] = []

    def account_status(self):
        return AccountStatus("LIVE", Decimal(0), Decimal(0), market_open=False)

    def submit_order(self, request):
        self.submitted.append(request.client_order_id)
        return super().submit_order(request)


def test_a_live_broker_order_waits_for_the_open_and_is_looked_up_before_any_submit(
    opportunity, alice, monkeypatch, django_capture_on_commit_callbacks
):
    closed = ClosedMarketBroker(execution._stored_price)
    monkeypatch.setattr(execution, "broker_for", lambda account: closed)
    monkeypatch.setattr(execution, "PaperBroker", type("NotPaper", (), {}))  # treat it as a live broker
    approve(opportunity, alice, django_capture_on_commit_callbacks)
    sell = Order.objects.get(side="sell")
    assert sell.status == OrderStatus.APPROVED
    assert closed.submitted == []
    monkeypatch.setattr(ClosedMarketBroker, "account_status", paper.PaperBroker.account_status)
    execute_harvest_task(opportunity.pk)
    execute_harvest_task(opportunity.pk)
    assert closed.submitted == [f"th-{opportunity.pk}-sell", f"th-{opportunity.pk}-buy"]
    assert Order.objects.get(side="sell").status == OrderStatus.FILLED
