"""Run a market-data feed: each batch is stored, moves the market clock, and lets monitoring rescan.

A batch's prices and the clock's new time commit together, and monitoring reacts only after that commit
(``prices_ingested`` is sent on commit): a scan queued for a tick always sees the tick and the time it
happened. While a paced replay waits for its next batch, the runner starts the debounced scans whose
time has come (``harvesting.monitoring.monitor_due``), so they are not left to django-q2's 30-second
scheduler alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from brokers.market_clock import FEED_STATE_ID, NEW_YORK
from brokers.market_data import Batch, MarketDataProvider
from brokers.models import FeedState, FeedStatus
from brokers.replay import VOL_WINDOW, ReplayFeed
from portfolios.models import Price, Security
from portfolios.price_store import IngestResult, latest_quotes, prices_ingest, simulated_clear

logger = logging.getLogger(__name__)
IDLE_CHECK_SECONDS = 1.0
HISTORY_MARGIN = timedelta(days=2 * VOL_WINDOW + 10)  # calendar days of closes before the start, for volatility


@dataclass
class FeedSummary:
    batches: int = 0
    ticks: int = 0
    first: datetime | None = None
    last: datetime | None = None
    status: str = FeedStatus.RUNNING


def replay_from_database(
    *,
    start: date,
    end: date | None = None,
    ticks_per_day: int = 0,
    seconds_per_day: float = 60.0,
    seed: int = 0,
    symbols: list[str] | None = None,
) -> ReplayFeed:
    """A replay of the stored closes (``load_prices``) from ``start``, with the closes before it that the
    intraday simulation needs for its volatility."""
    closes = Price.objects.filter(intraday=False, timestamp__gte=_midnight(start) - HISTORY_MARGIN)
    if end is not None:
        closes = closes.filter(timestamp__lt=_midnight(end + timedelta(days=1)))
    if symbols:
        closes = closes.filter(security__symbol__in=symbols)
    series: dict[str, dict[date, Decimal]] = {}
    for symbol, stamp, price in closes.values_list("security__symbol", "timestamp", "price").iterator():
        series.setdefault(symbol, {})[timezone.localtime(stamp, NEW_YORK).date()] = price
    return ReplayFeed(series, start, end, ticks_per_day=ticks_per_day, seconds_per_day=seconds_per_day, seed=seed)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK)


def ledger_after(day: date) -> int:
    """How many households hold trades after ``day``: a replay that starts before them runs behind the book."""
    from portfolios.models import Transaction

    return Transaction.objects.filter(trade_date__gt=day).values("account__household").distinct().count()


class FeedRunner:
    """Drives one provider until it ends, is interrupted, or ``max_batches`` have been stored."""

    def __init__(
        self,
        provider: MarketDataProvider,
        *,
        max_batches: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        on_batch: Callable[[Batch, IngestResult], None] | None = None,
        settings: dict[str, object] | None = None,
    ) -> None:
        self.provider = provider
        self.max_batches = max_batches
        self.sleep = sleep
        self.monotonic = monotonic
        self.on_batch = on_batch
        self.settings = settings or {}

    def run(self) -> FeedSummary:
        from harvesting.monitoring import monitor_due

        summary = FeedSummary()
        _feed_begin(self.provider, self.settings)
        started = self.monotonic()
        try:
            for batch in self.provider.batches():
                if batch.due is not None:
                    self._wait_until(started + batch.due, monitor_due)
                result = _store(batch, self.provider, started, self.monotonic, self.monotonic())
                summary.batches += 1
                summary.ticks += result.ticks
                summary.first = summary.first or batch.at
                summary.last = batch.at
                if self.on_batch is not None:
                    self.on_batch(batch, result)
                monitor_due()
                if self.max_batches is not None and summary.batches >= self.max_batches:
                    break
        except KeyboardInterrupt:
            summary.status = FeedStatus.STOPPED
        except Exception as exc:
            _feed_end(FeedStatus.FAILED, f"{type(exc).__name__}: {exc}")
            raise
        else:
            summary.status = FeedStatus.FINISHED
        finally:
            stop = getattr(self.provider, "stop", None)
            if callable(stop):
                stop()
        _feed_end(summary.status)
        return summary

    def _wait_until(self, deadline: float, monitor_due: Callable[[], object]) -> None:
        while (left := deadline - self.monotonic()) > 0:
            self.sleep(min(left, IDLE_CHECK_SECONDS))
            monitor_due()


def _feed_begin(provider: MarketDataProvider, settings: dict[str, object]) -> None:
    FeedState.objects.update_or_create(
        pk=FEED_STATE_ID,
        defaults={
            "provider": provider.name,
            "live": provider.live,
            "status": FeedStatus.RUNNING,
            "started_at": timezone.now(),
            "finished_at": None,
            "batches": 0,
            "ticks": 0,
            "lag_seconds": None,
            "error": "",
            "settings": settings,
        },
    )


def _feed_end(status: str, error: str = "") -> None:
    FeedState.objects.filter(pk=FEED_STATE_ID).update(status=status, finished_at=timezone.now(), error=error)


@transaction.atomic
def _store(
    batch: Batch,
    provider: MarketDataProvider,
    started: float,
    monotonic: Callable[[], float],
    received: float | None = None,
) -> IngestResult:
    """The batch's prices and the clock's move, in one transaction (monitoring reacts after its commit)."""
    if batch.redraws is not None:
        symbols = {tick.symbol for tick in batch.ticks}
        simulated_clear(Security.objects.filter(symbol__in=symbols).values_list("pk", flat=True), *batch.redraws)
    result = prices_ingest(batch.ticks)
    now = timezone.now()
    if batch.due is None:  # live: how old the newest tick is when stored
        lag = max((now - (result.newest or batch.at)).total_seconds(), 0.0)
    else:  # replay: how long after it was due it was stored (unpaced, every batch is due on arrival)
        paced = float(getattr(provider, "seconds_per_day", 0) or 0) > 0
        due = started + batch.due if paced or received is None else received
        lag = max(monotonic() - due, 0.0)
    FeedState.objects.filter(pk=FEED_STATE_ID).update(
        market_time=batch.at,
        last_tick_at=result.newest or batch.at,
        last_batch_at=now,
        lag_seconds=round(lag, 3),
        batches=F("batches") + 1,
        ticks=F("ticks") + result.ticks,
        simulated=any(tick.simulated for tick in batch.ticks),
    )
    if result.unknown_symbols:
        logger.warning("%s feed sent unknown symbols: %s", provider.name, ", ".join(sorted(result.unknown_symbols)))
    return result


@dataclass(frozen=True)
class FeedOverview:
    """What the portal's feed page shows."""

    state: FeedState | None
    scans_waiting: int  # debounced: booked for the end of their interval
    scans_queued: int  # queued or running now
    securities: list[tuple[Security, Decimal | None, datetime | None, bool]]


def feed_overview(household_ids: list[int], firm_id: int | None = None) -> FeedOverview:
    """The feed's state, and the scans of ``household_ids`` (the viewer's households) it has set going;
    with ``firm_id`` (a firm admin), that firm's firm-wide scans too."""
    from harvesting.models import HarvestRun, HouseholdMonitor, RunStatus

    state = FeedState.objects.filter(pk=FEED_STATE_ID).first()
    waiting = HouseholdMonitor.objects.filter(household_id__in=household_ids, scheduled_for__isnull=False).count()
    mine = Q(household_id__in=household_ids)
    if firm_id is not None:
        mine |= Q(household__isnull=True, firm_id=firm_id)
    queued = HarvestRun.objects.filter(mine, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).count()
    securities = list(Security.objects.order_by("symbol"))
    quotes = latest_quotes(s.pk for s in securities)
    rows = [
        (s, quotes[s.pk].price, quotes[s.pk].at, quotes[s.pk].simulated) if s.pk in quotes else (s, None, None, False)
        for s in securities
    ]
    return FeedOverview(state, waiting, queued, rows)
