"""Monitoring: prices stream in, the households holding what moved are rescanned, debounced, never twice at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django_q.models import Schedule

from brokers.feed import FeedRunner
from brokers.market_data import Batch, Tick
from brokers.replay import NEW_YORK, ReplayFeed
from harvesting import monitoring, scanning
from harvesting.models import (
    Automation,
    HarvestPolicy,
    HarvestRun,
    HouseholdMonitor,
    Opportunity,
    Order,
    OrderStatus,
    RunStatus,
    Trigger,
)
from harvesting.monitoring import households_rescan, monitor_due, monitor_scan_task, scan_claim, scan_release
from harvesting.scanning import scan_start, scan_task
from portfolios.importers import ledger_import
from portfolios.models import AccountType, Household
from taxprofiles.models import TaxProfile
from tests.factories import AccountFactory, HouseholdFactory, PriceFactory

T0 = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
DAYS = [date(2022, 11, day) for day in (1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 21, 22, 23, 25, 28, 29, 30)]


def close_at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=NEW_YORK)


def buy(household: Household, account: str, account_type: str, symbol: str, quantity: int, price: int) -> None:
    ledger_import(
        household=household,
        filename=f"{household.pk}-{account}-{symbol}.csv",
        content=(
            "account,account_type,date,action,symbol,quantity,price,lot\n"
            f"{account},{account_type},2022-01-03,buy,{symbol},{quantity},{price},L1\n"
        ).encode(),
        today=date(2022, 12, 31),
    )


@pytest.fixture
def book(acme, smiths, smith_taxable, securities, settings):
    """Three households of one firm: the Smiths hold AAPL (taxable), the Joneses MSFT (taxable), the Lees
    AAPL in an IRA only. November 2022 closes: AAPL 185-187, MSFT 240-243, none at a loss."""
    settings.MONITOR_SCAN_INTERVAL = 60
    jones, lees = HouseholdFactory(firm=acme, name="Jones"), HouseholdFactory(firm=acme, name="Lee")
    AccountFactory(household=jones, number="JO-T")
    AccountFactory(household=lees, number="LE-IRA", account_type=AccountType.TRADITIONAL_IRA)
    buy(smiths, "SM-T", "taxable", "AAPL", 100, 180)
    buy(jones, "JO-T", "taxable", "MSFT", 50, 230)
    buy(lees, "LE-IRA", "traditional_ira", "AAPL", 10, 180)
    for n, day in enumerate(DAYS):
        PriceFactory(security=securities["AAPL"], timestamp=close_at(day), price=Decimal(185 + n % 3))
        PriceFactory(security=securities["MSFT"], timestamp=close_at(day), price=Decimal(240 + n % 4))
        PriceFactory(security=securities["SPX"], timestamp=close_at(day), price=Decimal(3900 + n % 5))
    for household in (smiths, jones, lees):
        TaxProfile.objects.create(household=household, tax_year=2025, filing_status="single", wages=Decimal("400000"))
    return {"smiths": smiths, "jones": jones, "lees": lees}


@dataclass
class Scripted:
    """A provider that delivers given batches, as a live feed would."""

    script: list[Batch]
    name: str = "scripted"
    live: bool = False

    def batches(self) -> Iterator[Batch]:
        yield from self.script


def run_feed(provider) -> None:  # type: ignore[no-untyped-def]
    """Run the feed with real commits (the tests using it are transactional): each batch's scans run when
    that batch commits, as with a worker, not all at the end of the test."""
    FeedRunner(provider, sleep=lambda s: None).run()


live = pytest.mark.django_db(transaction=True)


# --- which households a batch rescans ---------------------------------------------------------------------


@live
def test_a_replayed_dip_produces_an_opportunity_for_the_right_household_only(book, securities):
    # Dec 1: AAPL closes at 150 (a 16.7% loss on the Smiths' 180 lot); MSFT at 241, still a gain for the Joneses.
    closes = {
        "AAPL": {**{d: Decimal(185) for d in DAYS}, date(2022, 12, 1): Decimal("150.00")},
        "MSFT": {**{d: Decimal(240) for d in DAYS}, date(2022, 12, 1): Decimal("241.00")},
    }
    run_feed(ReplayFeed(closes, date(2022, 12, 1), seconds_per_day=0))

    found = Opportunity.objects.get()
    assert (found.household, found.security.symbol, found.price, found.loss) == (
        book["smiths"],
        "AAPL",
        Decimal("150.000000"),
        Decimal("3000.00"),
    )
    assert found.run.trigger == Trigger.PRICES
    assert found.run.as_of == date(2022, 12, 1)
    # The Joneses hold MSFT, which moved: rescanned, nothing to harvest. The Lees hold AAPL only in an IRA: never.
    scanned = set(HarvestRun.objects.filter(trigger=Trigger.PRICES).values_list("household__name", flat=True))
    assert scanned == {"Smith Family", "Jones"}


@live
def test_an_intraday_dip_is_caught_though_the_close_recovers(book, securities):
    day = date(2022, 12, 1)
    dip = datetime(2022, 12, 1, 11, 15, tzinfo=NEW_YORK)
    script = [
        Batch(dip, (Tick("AAPL", dip, Decimal("151.10"), simulated=True),)),
        Batch(close_at(day), (Tick("AAPL", close_at(day), Decimal("184.00"), intraday=False),)),
    ]
    run_feed(Scripted(script))

    # The dip's scan found the loss; the close's batch fell within the minute, so its rescan is booked for later.
    found = Opportunity.objects.get(household=book["smiths"])
    assert (found.price, found.loss, found.status) == (Decimal("151.100000"), Decimal("2890.00"), "open")
    assert found.run.as_of == day
    monitor = HouseholdMonitor.objects.get(household=book["smiths"])
    assert monitor.scheduled_for == monitor.last_queued_at + timedelta(seconds=60)


@live
def test_an_automatic_household_harvests_the_intraday_dip(book, securities, monkeypatch):
    from brokers import paper

    monkeypatch.setattr(paper, "behaviour", paper.PaperBehaviour())
    HarvestPolicy.objects.create(household=book["smiths"], automation=Automation.AUTOMATIC)
    dip = datetime(2022, 12, 1, 11, 15, tzinfo=NEW_YORK)
    script = [
        Batch(
            dip,
            (
                Tick("AAPL", dip, Decimal("151.10"), simulated=True),
                Tick("MSFT", dip, Decimal("240.00"), simulated=True),
            ),
        )
    ]
    run_feed(Scripted(script))

    sell = Order.objects.get(side="sell")
    # Sold at the simulated dip, 5 bp under it, on the market's date (not the wall clock's).
    assert (sell.status, sell.quantity, sell.average_price, sell.market_date) == (
        OrderStatus.FILLED,
        Decimal("100"),
        Decimal("151.024450"),
        date(2022, 12, 1),
    )
    assert sell.transaction.trade_date == date(2022, 12, 1)
    assert Order.objects.get(side="buy").security.symbol == "MSFT"


@live
def test_a_batch_that_moves_nothing_rescans_nobody(book, securities):
    last = close_at(DAYS[-1])
    price = securities["AAPL"].prices.get(timestamp=last).price
    run_feed(Scripted([Batch(last, (Tick("AAPL", last, price, intraday=False),))]))
    assert not HarvestRun.objects.exists()


@live
def test_monitoring_can_be_switched_off(book, securities, settings):
    settings.MONITOR_ENABLED = False
    dip = datetime(2022, 12, 1, 11, 15, tzinfo=NEW_YORK)
    run_feed(Scripted([Batch(dip, (Tick("AAPL", dip, Decimal("150"), simulated=True),))]))
    assert not HarvestRun.objects.exists()


# --- debounce -------------------------------------------------------------------------------------------------


def test_debounce_scans_at_once_then_folds_moves_into_one_scan_at_the_end_of_the_interval(
    book, django_capture_on_commit_callbacks
):
    smiths = book["smiths"]
    with django_capture_on_commit_callbacks(execute=True):
        first = households_rescan([smiths.pk], now=T0)
    assert first.queued == [smiths.pk]
    assert HarvestRun.objects.filter(household=smiths, status=RunStatus.DONE).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        second = households_rescan([smiths.pk], now=T0 + timedelta(seconds=10))
        third = households_rescan([smiths.pk], now=T0 + timedelta(seconds=20))
    assert (second.scheduled, third.already_scheduled) == ([smiths.pk], [smiths.pk])
    schedule = Schedule.objects.get(name=f"monitor-household-{smiths.pk}")
    assert (schedule.func, schedule.args, schedule.schedule_type, schedule.next_run) == (
        "harvesting.monitoring.monitor_scan_task",
        str(smiths.pk),
        Schedule.ONCE,
        T0 + timedelta(seconds=60),
    )
    assert HarvestRun.objects.filter(household=smiths).count() == 1  # nothing more yet

    with django_capture_on_commit_callbacks(execute=True):
        assert monitor_due(now=T0 + timedelta(seconds=59)) == []
        assert monitor_due(now=T0 + timedelta(seconds=60)) == [smiths.pk]
    assert HarvestRun.objects.filter(household=smiths).count() == 2
    assert not Schedule.objects.filter(name=f"monitor-household-{smiths.pk}").exists()
    assert monitor_scan_task(smiths.pk) == "already started"  # a late scheduler run does not scan again
    assert HarvestRun.objects.filter(household=smiths).count() == 2

    monitor = HouseholdMonitor.objects.get(household=smiths)
    assert (monitor.last_queued_at, monitor.scheduled_for) == (T0 + timedelta(seconds=60), None)


def test_the_scheduler_runs_the_trailing_scan_when_the_feed_does_not(book, django_capture_on_commit_callbacks):
    smiths = book["smiths"]
    with django_capture_on_commit_callbacks(execute=True):
        households_rescan([smiths.pk], now=T0)
        households_rescan([smiths.pk], now=T0 + timedelta(seconds=5))
        assert monitor_scan_task(smiths.pk) == "queued"
    assert HarvestRun.objects.filter(household=smiths).count() == 2
    assert HouseholdMonitor.objects.get(household=smiths).scheduled_for is None


def test_each_household_has_its_own_interval(book, django_capture_on_commit_callbacks):
    smiths, jones = book["smiths"], book["jones"]
    with django_capture_on_commit_callbacks(execute=True):
        households_rescan([smiths.pk], now=T0)
        result = households_rescan([smiths.pk, jones.pk], now=T0 + timedelta(seconds=30))
    assert (result.queued, result.scheduled) == ([jones.pk], [smiths.pk])


def test_the_interval_is_configurable(book, settings, django_capture_on_commit_callbacks):
    settings.MONITOR_SCAN_INTERVAL = 5
    smiths = book["smiths"]
    with django_capture_on_commit_callbacks(execute=True):
        households_rescan([smiths.pk], now=T0)
        assert households_rescan([smiths.pk], now=T0 + timedelta(seconds=4)).scheduled == [smiths.pk]
        assert monitor_due(now=T0 + timedelta(seconds=5)) == [smiths.pk]
        assert households_rescan([smiths.pk], now=T0 + timedelta(seconds=10)).queued == [smiths.pk]


# --- never two scans of one household at once ---------------------------------------------------------------


def test_a_scan_that_finds_its_household_busy_waits_and_goes_on_when_it_is_free(
    book, django_capture_on_commit_callbacks
):
    smiths = book["smiths"]
    held = scan_claim(smiths.pk)
    assert held is not None
    assert scan_claim(smiths.pk) is None  # taken

    with django_capture_on_commit_callbacks(execute=True):
        run = scan_start(firm=smiths.firm, household=smiths)
    run.refresh_from_db()
    assert (run.status, run.households_done) == (RunStatus.RUNNING, 0)
    assert HouseholdMonitor.objects.get(household=smiths).waiting_runs == [run.pk]

    with django_capture_on_commit_callbacks(execute=True):
        assert scan_release(smiths.pk, held) == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.households_done) == (RunStatus.DONE, 1)
    monitor = HouseholdMonitor.objects.get(household=smiths)
    assert (monitor.scanning_since, monitor.waiting_runs) == (None, [])


def test_a_claim_left_by_a_dead_worker_is_taken_over(book, settings):
    smiths = book["smiths"]
    assert scan_claim(smiths.pk, now=T0) == T0
    timeout = settings.Q_CLUSTER["timeout"]
    assert scan_claim(smiths.pk, now=T0 + timedelta(seconds=timeout)) is None
    later = T0 + timedelta(seconds=timeout + 61)
    assert scan_claim(smiths.pk, now=later) == later
    assert scan_release(smiths.pk, T0) == []  # the dead worker's release, if it ever comes, changes nothing
    assert HouseholdMonitor.objects.get(household=smiths).scanning_since == later


def test_a_failed_scan_releases_its_household(book, monkeypatch, django_capture_on_commit_callbacks):
    smiths = book["smiths"]

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(scanning, "household_scan", broken)
    run = HarvestRun.objects.create(firm=smiths.firm, household=smiths, households_total=1)
    with pytest.raises(RuntimeError):
        scan_task(run.pk, smiths.pk)
    assert HouseholdMonitor.objects.get(household=smiths).scanning_since is None
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_of_one_household_never_overlap(acme, smiths, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serializes them)")
    active, overlaps, finished = [0], [0], []
    lock = threading.Lock()

    def slow_scan(*, run, household):  # type: ignore[no-untyped-def]
        with lock:
            active[0] += 1
            overlaps[0] = max(overlaps[0], active[0])
        time.sleep(0.3)
        with lock:
            active[0] -= 1
            finished.append(run.pk)
        return 0, 0

    monkeypatch.setattr(scanning, "household_scan", slow_scan)
    runs = [
        HarvestRun.objects.create(firm=acme, household=smiths, households_total=1, trigger=Trigger.PRICES)
        for _ in range(4)
    ]
    errors: list[BaseException] = []

    def worker(run_id: int) -> None:
        try:
            scan_task(run_id, smiths.pk)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(run.pk,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert overlaps[0] == 1
    assert sorted(finished) == sorted(run.pk for run in runs)  # every run scanned, one at a time
    assert set(HarvestRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("status", flat=True)) == {"done"}
    monitor = HouseholdMonitor.objects.get(household=smiths)
    assert (monitor.scanning_since, monitor.waiting_runs) == (None, [])


def test_holdings_only_in_an_ira_are_not_watched(book, securities):
    assert monitoring.households_holding([securities["AAPL"].pk]) == [book["smiths"].pk]
