"""A household's plan in the database: approvals that survive each other, rescans that keep ids, offers that
expire at the next close, a reconciler that finishes what a crash left, and the orders page's Retry and Cancel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from django.urls import reverse

from brokers import paper
from brokers.models import PaperOrder
from harvesting.execution import advance_order, opportunity_approve, opportunity_reject, reconcile_executions
from harvesting.models import Opportunity, OpportunityStatus, Order, OrderStatus, ReplacementPair
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.ledger import household_lot_differences
from portfolios.models import TaxLot, WashSaleReading
from portfolios.services import firm_wash_sale_reading_set
from taxharvest.errors import ApplicationError
from taxprofiles.models import TaxProfile
from tests.factories import PriceFactory, SecurityFactory

NEW_YORK = ZoneInfo("America/New_York")
HEADER = b"account,account_type,date,action,symbol,quantity,price,lot\n"


@pytest.fixture(autouse=True)
def honest_paper_broker(monkeypatch):
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())


@pytest.fixture
def two_harvests(acme, smiths, smith_taxable, securities, django_capture_on_commit_callbacks):
    """AAPL (100 at 180) and MSFT (50 at 330) at a loss in Dec 2022, each with its own firm replacement."""
    securities["GOOG"] = SecurityFactory(symbol="GOOG", name="Alphabet Inc.")
    securities["AMZN"] = SecurityFactory(symbol="AMZN", name="Amazon.com Inc.")
    for symbol, start in (("AAPL", 140), ("MSFT", 240), ("GOOG", 90), ("AMZN", 85)):
        for day in range(1, 29):
            stamp = datetime(2022, 12, day, 21, 0, tzinfo=UTC)
            PriceFactory(security=securities[symbol], timestamp=stamp, price=Decimal(start + day % 3))
    ReplacementPair.objects.create(firm=acme, security=securities["AAPL"], replacement=securities["GOOG"])
    ReplacementPair.objects.create(firm=acme, security=securities["MSFT"], replacement=securities["AMZN"])
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=HEADER + b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\nSM-T,taxable,2022-01-03,buy,MSFT,50,330,M1\n",
        today=date(2026, 1, 1),
    )
    TaxProfile.objects.create(
        household=smiths, tax_year=2025, filing_status="single", wages=Decimal("400000"),
        st_gains_realized=Decimal("30000"),
    )  # fmt: skip
    scan(smiths, django_capture_on_commit_callbacks)
    return {o.security.symbol: o for o in Opportunity.objects.filter(household=smiths)}


def scan(household, capture):
    with capture(execute=True):
        scan_start(firm=household.firm, household=household)


def approve(opportunity, user, capture):
    with capture(execute=True):
        return opportunity_approve(opportunity=opportunity, user=user)


def test_the_plan_recommends_both_harvests_each_into_its_own_replacement(two_harvests):
    assert {s: (o.status, o.rank is not None, o.replacement.symbol) for s, o in two_harvests.items()} == {
        "AAPL": ("open", True, "GOOG"),
        "MSFT": ("open", True, "AMZN"),
    }


def test_after_one_harvest_executes_the_other_is_still_approvable_and_lots_equal_a_replay(
    two_harvests, alice, smiths, django_capture_on_commit_callbacks
):
    approve(two_harvests["MSFT"], alice, django_capture_on_commit_callbacks)
    assert Opportunity.objects.get(pk=two_harvests["MSFT"].pk).status == OpportunityStatus.EXECUTED
    # The rebuild replaced every lot row; the AAPL offer names its lot by identity, so it still finds it.
    approve(two_harvests["AAPL"], alice, django_capture_on_commit_callbacks)
    assert Opportunity.objects.get(pk=two_harvests["AAPL"].pk).status == OpportunityStatus.EXECUTED
    assert sorted(PaperOrder.objects.values_list("client_order_id", flat=True)) == sorted(
        f"th-{o.pk}-{side}" for o in two_harvests.values() for side in ("buy", "sell")
    )
    assert sorted(TaxLot.objects.values_list("security__symbol", flat=True)) == ["AMZN", "GOOG"]
    assert household_lot_differences(smiths) == []


def test_a_rescan_keeps_the_ids_of_unchanged_opportunities(two_harvests, smiths, django_capture_on_commit_callbacks):
    scan(smiths, django_capture_on_commit_callbacks)
    again = {o.security.symbol: o for o in Opportunity.objects.filter(household=smiths)}
    assert {s: o.pk for s, o in again.items()} == {s: o.pk for s, o in two_harvests.items()}
    assert Opportunity.objects.count() == 2


def test_an_offer_whose_lot_was_sold_is_withdrawn_with_the_reason_and_the_page_shows_it(
    two_harvests, alice, smiths, django_capture_on_commit_callbacks
):
    ledger_import(
        household=smiths,
        filename="sale.csv",
        content=HEADER + b"SM-T,taxable,2022-12-28,sell,AAPL,40,141,A1\n",
        today=date(2026, 1, 1),
    )
    with pytest.raises(ApplicationError, match="the lot now holds 60 shares, not the 100 the scan valued"):
        approve(two_harvests["AAPL"], alice, django_capture_on_commit_callbacks)
    withdrawn = Opportunity.objects.get(pk=two_harvests["AAPL"].pk)
    assert withdrawn.status == OpportunityStatus.EXPIRED
    assert not Order.objects.exists()
    client = HttpClient()
    client.force_login(alice)
    page = client.get(reverse("harvesting:opportunities")).text
    assert f'data-testid="withdrawn-{withdrawn.pk}"' in page
    assert "the lot now holds 60 shares" in page


def test_approve_and_reject_on_anything_no_longer_open_say_so(two_harvests, alice, django_capture_on_commit_callbacks):
    msft = two_harvests["MSFT"]
    opportunity_reject(opportunity=msft, user=alice, reason="Client wants to keep it")
    with pytest.raises(ApplicationError, match=r"Not approved: this MSFT harvest was rejected by .* \(Client wants"):
        approve(msft, alice, django_capture_on_commit_callbacks)
    approve(two_harvests["AAPL"], alice, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError, match="Not rejected: this AAPL harvest was already executed"):
        opportunity_reject(opportunity=two_harvests["AAPL"], user=alice, reason="changed my mind")
    client = HttpClient()
    client.force_login(alice)
    response = client.post(reverse("harvesting:opportunity_approve", args=[msft.pk]), follow=True)
    assert "Not approved: this MSFT harvest was rejected" in response.text
    assert "Approved: selling" not in response.text


def test_offers_expire_at_the_next_market_close_never_on_a_weekend_or_holiday(
    two_harvests, smiths, django_capture_on_commit_callbacks
):
    # Scanned at the Dec 28, 2022 (Wednesday) close: the offer lasts until Thursday's close.
    assert two_harvests["AAPL"].expires_at == datetime(2022, 12, 29, 16, 0, tzinfo=NEW_YORK)
    # Prices up to Friday Dec 23 only: the next close skips the weekend and the Dec 26 holiday.
    from portfolios.models import LatestPrice, Price

    Price.objects.filter(timestamp__date__gt=date(2022, 12, 23)).delete()
    LatestPrice.objects.all().delete()
    for price in Price.objects.filter(timestamp__date=date(2022, 12, 23)):
        LatestPrice.objects.create(security=price.security, timestamp=price.timestamp, price=price.price)
    scan(smiths, django_capture_on_commit_callbacks)
    expiry = Opportunity.objects.get(pk=two_harvests["AAPL"].pk).expires_at.astimezone(NEW_YORK)
    assert (expiry.date(), expiry.hour) == (date(2022, 12, 27), 16)


def test_the_reconciler_finishes_a_harvest_whose_task_was_lost_and_one_sold_without_its_buy(
    two_harvests, alice, smiths
):
    # Approved, but the execution tasks never ran (the on-commit callbacks are dropped: a worker died).
    for opportunity in two_harvests.values():
        opportunity_approve(opportunity=opportunity, user=alice)
    # One of them got as far as its sale, then the worker died before the replacement was bought.
    advance_order(Order.objects.get(opportunity=two_harvests["MSFT"], side="sell"))
    assert not Order.objects.filter(side="buy").exists()
    assert reconcile_executions() == "2 advanced, 0 failed"
    for opportunity in two_harvests.values():
        opportunity.refresh_from_db()
        assert opportunity.status == OpportunityStatus.EXECUTED
    assert PaperOrder.objects.count() == 4  # one sell and one buy each, never a second
    assert all(order.transaction_id for order in Order.objects.all())
    assert reconcile_executions() == "0 advanced, 0 failed"
    assert household_lot_differences(smiths) == []


def test_the_orders_page_cancels_an_order_that_was_never_sent_and_retries_a_stuck_one(two_harvests, alice, smiths):
    for opportunity in two_harvests.values():
        opportunity_approve(opportunity=opportunity, user=alice)  # tasks lost: both sells stuck at approved
    client = HttpClient()
    client.force_login(alice)
    page = client.get(reverse("harvesting:orders")).text
    aapl_sell = Order.objects.get(opportunity=two_harvests["AAPL"])
    msft_sell = Order.objects.get(opportunity=two_harvests["MSFT"])
    assert f'data-testid="retry-{aapl_sell.pk}"' in page
    assert f'data-testid="cancel-{aapl_sell.pk}"' in page
    client.post(reverse("harvesting:order_cancel", args=[aapl_sell.pk]))
    aapl_sell.refresh_from_db()
    assert (aapl_sell.status, aapl_sell.reason) == (OrderStatus.CANCELLED, "Cancelled by Alice Adams")
    aapl = Opportunity.objects.get(pk=two_harvests["AAPL"].pk)
    assert (aapl.status, aapl.decision_reason) == (
        "rejected",
        "The sale was cancelled by Alice Adams before it traded.",
    )
    assert not PaperOrder.objects.filter(client_order_id=aapl_sell.client_order_id).exists()
    client.post(reverse("harvesting:order_retry", args=[msft_sell.pk]))
    assert Opportunity.objects.get(pk=two_harvests["MSFT"].pk).status == OpportunityStatus.EXECUTED
    after = client.get(reverse("harvesting:orders")).text
    assert 'data-testid="retry-' not in after
    response = client.post(reverse("harvesting:order_cancel", args=[msft_sell.pk]), follow=True)
    assert "Not cancelled: the order is already filled." in response.text


def test_an_outsider_cannot_retry_or_cancel_another_firms_order(two_harvests, alice, mallory):
    opportunity_approve(opportunity=two_harvests["AAPL"], user=alice)
    order = Order.objects.get()
    client = HttpClient()
    client.force_login(mallory)
    assert client.post(reverse("harvesting:order_cancel", args=[order.pk])).status_code == 404
    assert client.post(reverse("harvesting:order_retry", args=[order.pk])).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED


def test_verify_lots_lists_each_difference_exits_non_zero_and_repairs(two_harvests, smiths, capsys):
    call_command("verify_lots")
    assert "1 household(s) checked, 0 differ" in capsys.readouterr().out
    lot = TaxLot.objects.get(security__symbol="AAPL")
    TaxLot.objects.filter(pk=lot.pk).update(quantity=Decimal("99"))
    with pytest.raises(CommandError, match="1 household"):
        call_command("verify_lots", household=smiths.pk)
    out = capsys.readouterr().out
    assert (
        f"Smith Family: lot of transaction {lot.opened_by_id} (part 0): quantity is 99.00000000, the replay gives 100"
        in out
    )
    with pytest.raises(CommandError, match="1 household"):
        call_command("verify_lots")  # still wrong: only --repair writes
    call_command("verify_lots", repair=True)
    assert "Smith Family: repaired" in capsys.readouterr().out
    assert TaxLot.objects.get(security__symbol="AAPL").quantity == Decimal("100")


def test_the_statute_reading_washes_a_loss_with_a_purchase_sold_since_and_the_narrower_reading_does_not(
    acme, smiths, smith_taxable, securities
):
    ledger = (
        HEADER + b"SM-T,taxable,2022-01-03,buy,AAPL,10,180,OLD\n"
        b"SM-T,taxable,2022-12-01,buy,AAPL,5,150,NEW\n"
        b"SM-T,taxable,2022-12-05,sell,AAPL,5,152,NEW\n"
        b"SM-T,taxable,2022-12-20,sell,AAPL,10,140,OLD\n"
    )
    ledger_import(household=smiths, filename="w.csv", content=ledger, today=date(2026, 1, 1))
    from portfolios.models import RealizedSale

    old = RealizedSale.objects.get(lot_name="OLD")
    # The Dec 1 purchase is in the 30 days before the Dec 20 loss sale: the 5 shares it bought wash half the
    # 400.00 loss (200.00), even though they were sold on Dec 5, before the loss.
    assert (old.gain_loss, old.wash_sale_adjustment) == (Decimal("-200.00"), Decimal("200.00"))
    assert firm_wash_sale_reading_set(firm=acme, reading=WashSaleReading.HELD_AT_SALE) == 1
    old = RealizedSale.objects.get(lot_name="OLD")
    assert (old.gain_loss, old.wash_sale_adjustment) == (Decimal("-400.00"), Decimal("0.00"))


def test_migrate_books_the_reconciler_and_the_report_requeue_every_minute(db):
    from django_q.models import Schedule

    booked = {s.name: (s.func, s.schedule_type, s.minutes) for s in Schedule.objects.all()}
    assert booked["reconcile-executions"] == ("harvesting.execution.reconcile_executions", Schedule.MINUTES, 1)
    assert booked["reports-requeue-stuck"] == ("reporting.services.reports_requeue_stuck", Schedule.MINUTES, 1)
    assert booked["scan-runs-lost"] == ("harvesting.scanning.scan_runs_lost", Schedule.MINUTES, 1)


def test_a_lost_household_scan_is_queued_again_and_a_lost_firm_scan_fails_saying_so(
    smiths_at_a_loss, acme, joneses_empty
):
    from datetime import timedelta

    from django.utils import timezone

    from harvesting.models import HarvestRun, RunStatus
    from harvesting.scanning import scan_runs_lost

    lost_one = HarvestRun.objects.create(firm=acme, household=smiths_at_a_loss, households_total=1)
    lost_all = HarvestRun.objects.create(firm=acme, households_total=2, households_done=1, status=RunStatus.RUNNING)
    recent = HarvestRun.objects.create(firm=acme, household=smiths_at_a_loss, households_total=1)
    HarvestRun.objects.filter(pk__in=[lost_one.pk, lost_all.pk]).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    assert scan_runs_lost() == 2  # django-q2 runs tasks inline in tests: the queued scan runs now
    lost_one.refresh_from_db()
    lost_all.refresh_from_db()
    recent.refresh_from_db()
    assert (lost_one.status, lost_one.households_done) == (RunStatus.DONE, 1)
    assert lost_all.status == RunStatus.FAILED
    assert lost_all.error.startswith("1 of 2 household(s) were never scanned: a worker died or its task was refused")
    assert recent.status == RunStatus.QUEUED
    assert scan_runs_lost() == 0


@pytest.fixture
def joneses_empty(acme):
    from tests.factories import HouseholdFactory

    return HouseholdFactory(firm=acme, name="Jones Family")


def test_the_scan_page_approves_the_whole_plan_at_once(two_harvests, alice, django_capture_on_commit_callbacks):
    client = HttpClient()
    client.force_login(alice)
    run_page = reverse("harvesting:run_detail", args=[two_harvests["AAPL"].run_id])
    page = client.get(run_page).text
    assert "Approve the whole plan (2)" in page
    ids = [str(o.pk) for o in sorted(two_harvests.values(), key=lambda o: o.rank)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("harvesting:opportunity_bulk_approve"), {"opportunity": ids, "next": run_page}, follow=True
        )
    assert "Approved 2 harvests" in response.text
    assert set(Opportunity.objects.values_list("status", flat=True)) == {OpportunityStatus.EXECUTED}
    assert "Approve the whole plan" not in client.get(run_page).text


def test_the_scan_reads_the_firms_wash_sale_reading(two_harvests, acme, smiths, django_capture_on_commit_callbacks):
    ledger_import(
        household=smiths,
        filename="round-trip.csv",
        content=HEADER + b"SM-T,taxable,2022-12-01,buy,AAPL,5,150,NEW\nSM-T,taxable,2022-12-05,sell,AAPL,5,152,NEW\n",
        today=date(2026, 1, 1),
    )
    scan(smiths, django_capture_on_commit_callbacks)
    aapl = Opportunity.objects.get(pk=two_harvests["AAPL"].pk)
    # The statute: the Dec 1 purchase is within 30 days of a sale today, though its shares were sold on Dec 5.
    assert (aapl.status, aapl.blocked_by, aapl.blocked_until) == (
        "blocked", "bought 5 AAPL on 2022-12-01 in SM-T", date(2023, 1, 1)
    )  # fmt: skip
    firm_wash_sale_reading_set(firm=acme, reading=WashSaleReading.HELD_AT_SALE)
    scan(smiths, django_capture_on_commit_callbacks)
    aapl.refresh_from_db()
    assert (aapl.status, aapl.blocked_by, aapl.rank) == ("open", "", 2)  # recommended again, after MSFT


def test_a_switch_back_is_offered_after_31_days_in_the_plan_and_executes(
    two_harvests, alice, smiths, securities, django_capture_on_commit_callbacks
):
    approve(two_harvests["MSFT"], alice, django_capture_on_commit_callbacks)  # Dec 28: MSFT sold, AMZN bought
    amzn_buy = Order.objects.get(side="buy")
    # 33 days later (Jan 30, 2023): AMZN at 86, its purchase price before the spread; MSFT and AAPL unchanged.
    stamp = datetime(2023, 1, 30, 21, 0, tzinfo=UTC)
    for symbol, price in (("AMZN", "86"), ("MSFT", "241"), ("AAPL", "141"), ("GOOG", "91")):
        PriceFactory(security=securities[symbol], timestamp=stamp, price=Decimal(price))
    scan(smiths, django_capture_on_commit_callbacks)
    back = Opportunity.objects.get(household=smiths, explanation__action="switch back")
    assert (back.security.symbol, back.replacement.symbol, back.status) == ("AMZN", "MSFT", "open")
    assert back.explanation["switch_back_of"] == amzn_buy.pk
    # Switch-backs join the plan first; the AAPL harvest, which does not conflict with buying MSFT back, follows.
    assert back.rank == 1
    harvest = Opportunity.objects.get(household=smiths, security__symbol="AAPL", status="open")
    assert (harvest.explanation["action"], harvest.rank) == ("harvest", 2)
    approve(back, alice, django_capture_on_commit_callbacks)
    back.refresh_from_db()
    assert back.status == OpportunityStatus.EXECUTED
    assert list(Order.objects.filter(opportunity=back).values_list("side", "security__symbol", "status")) == [
        ("buy", "MSFT", "filled"),
        ("sell", "AMZN", "filled"),
    ]  # newest first
    assert sorted(TaxLot.objects.values_list("security__symbol", flat=True)) == ["AAPL", "MSFT"]
    assert household_lot_differences(smiths) == []
    scan(smiths, django_capture_on_commit_callbacks)
    assert not Opportunity.objects.filter(household=smiths, explanation__action="switch back", status="open").exists()
