"""The market clock honoured everywhere: where its time comes from, and the product reading it (the household
page, imports, scans and the paper broker's fills) instead of the wall clock or the newest stored price."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from brokers import paper
from brokers.market_clock import FEED_STATE_ID, market_date, market_now, market_today, pinned
from brokers.models import FeedState, FeedStatus
from harvesting.execution import opportunity_approve
from harvesting.models import HarvestRun, Opportunity, Order, OrderStatus
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.models import Action, Price, RealizedSale, TaxLot, Transaction
from portfolios.services import household_rebuild_lots
from taxprofiles.models import TaxProfile
from tests.factories import PriceFactory

pytestmark = pytest.mark.django_db

WALL = datetime(2030, 1, 2, 15, 4, 5, tzinfo=UTC)  # far from any stored price, so it cannot be mistaken for one
DEC_20 = datetime(2022, 12, 20, 21, 0, tzinfo=UTC)  # 16:00 New York
DEC_27 = datetime(2022, 12, 27, 21, 0, tzinfo=UTC)
DEC_28 = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)


@pytest.fixture
def wall_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: WALL)


@pytest.fixture
def stored_closes(securities):
    """The newest stored price is AAPL's Dec 28 close (MSFT stops a day earlier)."""
    PriceFactory(security=securities["AAPL"], timestamp=DEC_27, price=Decimal("129.652"))
    PriceFactory(security=securities["AAPL"], timestamp=DEC_28, price=Decimal("125.674"))
    PriceFactory(security=securities["MSFT"], timestamp=DEC_27, price=Decimal("236.960"))


def feed(*, live: bool, market_time: datetime | None) -> FeedState:
    return FeedState.objects.create(
        pk=FEED_STATE_ID,
        provider="alpaca" if live else "replay",
        live=live,
        status=FeedStatus.RUNNING,
        started_at=WALL,
        market_time=market_time,
    )


# --- where the time comes from -------------------------------------------------------------------


def test_with_no_prices_and_no_feed_it_is_the_wall_clock(db, wall_clock):
    assert market_now() == WALL


def test_without_a_feed_it_is_the_newest_stored_price(stored_closes, wall_clock):
    assert market_now() == DEC_28


def test_prices_stored_without_the_cache_give_the_newest_close(securities, wall_clock):
    Price.objects.create(security=securities["AAPL"], timestamp=DEC_27, price=Decimal("129.652"))
    Price.objects.create(security=securities["AAPL"], timestamp=DEC_28.replace(hour=17), price=1, intraday=True)
    assert market_now() == DEC_27  # an intraday tick is not a close


def test_a_replay_is_at_the_market_time_it_has_reached_not_the_newest_price(stored_closes, wall_clock):
    feed(live=False, market_time=DEC_20)
    assert market_now() == DEC_20


def test_a_replay_that_has_stored_nothing_yet_falls_back_to_the_newest_price(stored_closes, wall_clock):
    feed(live=False, market_time=None)
    assert market_now() == DEC_28


def test_a_live_feed_means_the_wall_clock(stored_closes, wall_clock):
    feed(live=True, market_time=DEC_20)
    assert market_now() == WALL


def test_the_wall_clock_setting_wins_over_a_replay(stored_closes, wall_clock, settings):
    feed(live=False, market_time=DEC_20)
    settings.MARKET_CLOCK = "wall"
    assert market_now() == WALL


def test_the_market_time_setting_wins_over_the_wall_clock_setting_and_the_feed(stored_closes, wall_clock, settings):
    feed(live=True, market_time=DEC_20)
    settings.MARKET_CLOCK = "wall"
    settings.MARKET_TIME = "2022-06-01T14:30:00+00:00"
    assert market_now() == datetime(2022, 6, 1, 14, 30, tzinfo=UTC)


def test_a_market_time_setting_without_an_offset_is_new_york_time(db, settings):
    settings.MARKET_TIME = "2022-06-01T10:30:00"
    assert market_now() == datetime(2022, 6, 1, 14, 30, tzinfo=UTC)  # 10:30 EDT


def test_a_pin_wins_over_everything(stored_closes, wall_clock, settings):
    feed(live=True, market_time=DEC_20)
    settings.MARKET_CLOCK = "wall"
    settings.MARKET_TIME = "2022-06-01T14:30:00+00:00"
    with pinned(DEC_27) as pin:
        assert pin == DEC_27
        assert market_now() == DEC_27
        with pinned(DEC_20):
            assert market_now() == DEC_20
        assert market_now() == DEC_27
    assert market_now() == datetime(2022, 6, 1, 14, 30, tzinfo=UTC)


def test_a_pin_needs_a_timezone():
    with pytest.raises(ValueError, match="timezone-aware"), pinned(datetime(2022, 12, 20, 16, 0)):  # noqa: DTZ001
        pass  # pragma: no cover


def test_the_market_date_is_new_yorks():
    late_evening = datetime(2022, 3, 1, 2, 0, tzinfo=UTC)  # 21:00 on Feb 28 in New York
    with pinned(late_evening):
        assert market_today() == date(2022, 2, 28)
    assert market_date(late_evening) == date(2022, 2, 28)
    assert market_date(datetime(2022, 7, 1, 3, 59, tzinfo=UTC)) == date(2022, 6, 30)  # 23:59 EDT
    assert market_date(datetime(2022, 7, 1, 4, 0, tzinfo=UTC)) == date(2022, 7, 1)


def test_the_market_time_setting_sets_the_market_date(db, settings):
    settings.MARKET_TIME = "2022-03-01T02:00:00+00:00"
    assert market_today() == date(2022, 2, 28)


# --- the product reads it ------------------------------------------------------------------------


@pytest.fixture
def smiths_holding_aapl(smiths, smith_taxable, smith_ira, securities, stored_closes):
    """10 AAPL bought 2022-01-03 in Jane's taxable account, 2.5 bought 2021-12-01 in John's IRA."""
    for account, day, quantity, price in [
        (smith_taxable, date(2022, 1, 3), "10", "180.00"),
        (smith_ira, date(2021, 12, 1), "2.5", "160.00"),
    ]:
        Transaction.objects.create(
            account=account, security=securities["AAPL"], action=Action.BUY, trade_date=day,
            quantity=Decimal(quantity), price=Decimal(price),
        )  # fmt: skip
    household_rebuild_lots(household=smiths)
    PriceFactory(security=securities["AAPL"], timestamp=datetime(2022, 11, 30, 21, 0, tzinfo=UTC), price=148)
    return smiths


def test_the_household_page_values_lots_and_terms_at_the_pinned_time(alice, smiths_holding_aapl):
    client = HttpClient()
    client.force_login(alice)
    with pinned(datetime(2022, 11, 30, 21, 0, tzinfo=UTC)):
        page = client.get(reverse("portfolios:household_detail", args=[smiths_holding_aapl.pk])).text
    assert "<dd>Nov 30, 2022 4:00 PM</dd>" in page  # prices as of the pin, not Dec 28
    assert "$1,480.00" in page  # 10 x 148
    assert '<td class="num loss">-$320.00</td>' in page  # against 1,800.00 of basis
    assert "$370.00" in page  # 2.5 x 148
    assert "$1,256.74" not in page  # the newest close (10 x 125.674) is after the pin
    # On Nov 30 the IRA lot (held since 2021-12-01) is still short-term: long on Dec 2.
    assert "(2 d to long)" in page
    assert "(35 d to long)" in page  # the taxable lot turns long on 2023-01-04

    unpinned = client.get(reverse("portfolios:household_detail", args=[smiths_holding_aapl.pk])).text
    assert "<dd>Dec 28, 2022 4:00 PM</dd>" in unpinned
    assert "$1,256.74" in unpinned
    assert "(2 d to long)" not in unpinned


LEDGER_HEADER = "account,account_type,date,action,symbol,quantity,price,lot\n"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "ledger.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_importing_a_ledger_refuses_a_trade_after_the_market_date(tmp_path, smiths, smith_taxable, securities):
    later = write(tmp_path, LEDGER_HEADER + "SM-T,taxable,2022-12-21,buy,AAPL,10,130,\n")
    with pinned(DEC_20), pytest.raises(CommandError) as refused:
        call_command("import_ledger", later, "--household", str(smiths.pk))
    assert (
        str(refused.value) == "ledger.csv was not imported (1 problem(s)):\n  row 2: date 2022-12-21 is in the future"
    )
    assert not Transaction.objects.exists()

    same_day = write(tmp_path, LEDGER_HEADER + "SM-T,taxable,2022-12-20,buy,AAPL,10,130,\n")
    with pinned(DEC_20):
        call_command("import_ledger", same_day, "--household", str(smiths.pk), stdout=StringIO())
    assert list(Transaction.objects.values_list("trade_date", flat=True)) == [date(2022, 12, 20)]


def test_importing_holdings_refuses_a_lot_acquired_after_the_market_date(tmp_path, acme, smith_taxable, securities):
    path = tmp_path / "holdings.csv"
    path.write_text("client_id,security_name,quantity,cost_basis,acquisition_date\nSMITH-1,AAPL,10,1500,2022-12-21\n")
    with pinned(DEC_20), pytest.raises(CommandError, match="row 2: acquisition_date 2022-12-21 is in the future"):
        call_command("import_holdings", str(path), "--firm", "acme")
    assert not TaxLot.objects.exists()


@pytest.fixture
def smiths_at_a_loss(smiths, smith_taxable, securities):
    """100 AAPL bought at 180 on 2022-01-03 and 20 MSFT on 2022-12-22; AAPL closes at 141 + day % 3 and
    MSFT at 240 + day % 4 every day of December 1-28."""
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=(
            LEDGER_HEADER + "SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\nSM-T,taxable,2022-12-22,buy,MSFT,20,241,M1\n"
        ).encode(),
        today=date(2026, 1, 1),
    )
    for day in range(1, 29):
        stamp = DEC_28.replace(day=day)
        PriceFactory(security=securities["AAPL"], timestamp=stamp, price=Decimal(141 + day % 3))
        PriceFactory(security=securities["MSFT"], timestamp=stamp, price=Decimal(240 + day % 4))
    TaxProfile.objects.create(household=smiths, tax_year=2025, filing_status="single", wages=Decimal("400000"))
    return smiths


def test_a_scan_values_lots_at_the_pinned_time(smiths_at_a_loss, settings, django_capture_on_commit_callbacks):
    settings.MONITOR_ENABLED = False
    with pinned(DEC_20), django_capture_on_commit_callbacks(execute=True):
        run = scan_start(firm=smiths_at_a_loss.firm, household=smiths_at_a_loss)
    run.refresh_from_db()
    assert run.as_of == date(2022, 12, 20)  # not Dec 28, the newest close
    assert run.lots_scanned == 1  # the MSFT lot is bought on Dec 22: after the market's date
    found = Opportunity.objects.get(run=run)
    # Dec 20: AAPL at 141 + 20 % 3 = 143, a loss of 18,000 - 14,300.
    assert (found.security.symbol, found.price, found.loss) == ("AAPL", Decimal("143"), Decimal("3700.00"))
    assert found.expires_at == datetime(2022, 12, 21, 21, 0, tzinfo=UTC)  # 16:00 the next day in New York


def test_the_paper_broker_fills_on_the_market_clocks_date(
    alice, smiths_at_a_loss, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MONITOR_ENABLED = False
    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())
    with pinned(DEC_20):
        with django_capture_on_commit_callbacks(execute=True):
            scan_start(firm=smiths_at_a_loss.firm, household=smiths_at_a_loss)
        with django_capture_on_commit_callbacks(execute=True):
            opportunity_approve(opportunity=Opportunity.objects.get(security__symbol="AAPL"), user=alice)
    sell, buy = Order.objects.get(side="sell"), Order.objects.get(side="buy")
    # Sold at Dec 20's 143, 5 bp under; bought MSFT at Dec 20's 240, 5 bp over.
    assert (sell.status, sell.average_price, sell.filled_at, sell.market_date) == (
        OrderStatus.FILLED, Decimal("142.928500"), DEC_20, date(2022, 12, 20)
    )  # fmt: skip
    assert (buy.status, buy.average_price, buy.filled_at, buy.market_date) == (
        OrderStatus.FILLED, Decimal("240.120000"), DEC_20, date(2022, 12, 20)
    )  # fmt: skip
    sale = RealizedSale.objects.get()
    assert (sale.sold_on, sale.proceeds, sale.gain_loss) == (
        date(2022, 12, 20),
        Decimal("14292.85"),
        Decimal("-3707.15"),
    )
    assert sell.transaction.trade_date == buy.transaction.trade_date == date(2022, 12, 20)


def test_an_unpinned_scan_runs_at_the_newest_close(smiths_at_a_loss, settings, django_capture_on_commit_callbacks):
    settings.MONITOR_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        run = scan_start(firm=smiths_at_a_loss.firm, household=smiths_at_a_loss)
    assert HarvestRun.objects.get(pk=run.pk).as_of == date(2022, 12, 28)
    assert Opportunity.objects.get(run=run, security__symbol="AAPL").price == Decimal("142")  # 141 + 28 % 3
