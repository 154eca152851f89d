"""The price store: bulk ingest of feed ticks, the forward-only latest-price cache, and the latest quote at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from brokers.market_data import Tick
from portfolios.market_history import close_timestamp, price_history_load
from portfolios.models import LatestPrice, Price, Security
from portfolios.price_store import Quote, latest_quotes, prices_ingest
from portfolios.signals import prices_ingested

pytestmark = pytest.mark.django_db

OPEN = datetime(2022, 12, 27, 14, 30, tzinfo=UTC)  # 09:30 New York
NOON = datetime(2022, 12, 27, 17, 0, tzinfo=UTC)
CLOSE = datetime(2022, 12, 27, 21, 0, tzinfo=UTC)  # 16:00 New York


@pytest.fixture(autouse=True)
def _no_monitoring(settings):
    """These tests are about storage: monitoring (synchronous scans in tests) has nothing to do here."""
    settings.MONITOR_ENABLED = False


@pytest.fixture
def aapl(securities) -> Security:
    return securities["AAPL"]


@pytest.fixture
def msft(securities) -> Security:
    return securities["MSFT"]


def stored() -> list[tuple[str, datetime, Decimal, int | None, bool, bool]]:
    return list(
        Price.objects.order_by("security__symbol", "timestamp").values_list(
            "security__symbol", "timestamp", "price", "volume", "intraday", "simulated"
        )
    )


def cached() -> dict[str, tuple[datetime, Decimal, bool]]:
    return {
        symbol: (stamp, price, simulated)
        for symbol, stamp, price, simulated in LatestPrice.objects.values_list(
            "security__symbol", "timestamp", "price", "simulated"
        )
    }


# --- storing -------------------------------------------------------------------------------------


def test_ticks_are_stored_with_their_flags(aapl, msft):
    result = prices_ingest(
        [
            Tick("AAPL", NOON, Decimal("130.25"), volume=1200, simulated=True),
            Tick("MSFT", CLOSE, Decimal("236.960"), intraday=False),
        ]
    )
    assert stored() == [
        ("AAPL", NOON, Decimal("130.25"), 1200, True, True),
        ("MSFT", CLOSE, Decimal("236.96"), None, False, False),
    ]
    assert (result.ticks, result.securities, result.newest, result.unknown_symbols) == (2, 2, CLOSE, frozenset())
    assert cached() == {"AAPL": (NOON, Decimal("130.25"), True), "MSFT": (CLOSE, Decimal("236.96"), False)}


def test_sending_the_same_ticks_again_changes_nothing(aapl, msft):
    ticks = [Tick("AAPL", NOON, Decimal("130.25"), volume=10), Tick("MSFT", NOON, Decimal("237.10"))]
    prices_ingest(ticks)
    rows = list(Price.objects.order_by("pk").values_list("pk", "security_id", "timestamp", "price", "volume"))
    prices_ingest(ticks)
    assert list(Price.objects.order_by("pk").values_list("pk", "security_id", "timestamp", "price", "volume")) == rows
    assert Price.objects.count() == 2
    assert cached() == {"AAPL": (NOON, Decimal("130.25"), False), "MSFT": (NOON, Decimal("237.10"), False)}


def test_a_corrected_price_overwrites_the_stored_one_and_the_cache(aapl):
    prices_ingest([Tick("AAPL", CLOSE, Decimal("130.00"), intraday=False)])
    result = prices_ingest([Tick("AAPL", CLOSE, Decimal("129.652"), volume=7, intraday=False)])
    assert stored() == [("AAPL", CLOSE, Decimal("129.652"), 7, False, False)]
    assert cached() == {"AAPL": (CLOSE, Decimal("129.652"), False)}
    assert result.moved == {aapl.pk}


def test_two_ticks_of_one_security_at_one_instant_keep_the_later_one_sent(aapl):
    same_instant = NOON.astimezone(ZoneInfo("America/New_York"))  # 12:00 New York
    result = prices_ingest([Tick("AAPL", NOON, Decimal("130.10")), Tick("AAPL", same_instant, Decimal("130.20"))])
    assert result.ticks == 1
    assert stored() == [("AAPL", NOON, Decimal("130.20"), None, True, False)]
    assert cached() == {"AAPL": (NOON, Decimal("130.20"), False)}


def test_unknown_symbols_are_reported_and_skipped(aapl):
    result = prices_ingest([Tick("AAPL", NOON, Decimal("130.25")), Tick("ZZZZ", NOON, Decimal("1.00"))])
    assert result.unknown_symbols == {"ZZZZ"}
    assert (result.ticks, result.securities) == (1, 1)
    assert stored() == [("AAPL", NOON, Decimal("130.25"), None, True, False)]


def test_a_batch_of_only_unknown_symbols_stores_nothing(aapl):
    result = prices_ingest([Tick("ZZZZ", NOON, Decimal("1.00"))])
    assert (result.ticks, result.moved, result.newest, result.unknown_symbols) == (0, frozenset(), None, {"ZZZZ"})
    assert not Price.objects.exists()


# --- the latest-price cache ----------------------------------------------------------------------


def test_the_cache_moves_forward_only_and_a_late_tick_is_still_stored(aapl):
    prices_ingest([Tick("AAPL", CLOSE, Decimal("129.652"), intraday=False)])
    prices_ingest([Tick("AAPL", NOON, Decimal("131.00"), simulated=True)])  # arrives late
    assert cached() == {"AAPL": (CLOSE, Decimal("129.652"), False)}
    assert stored() == [
        ("AAPL", NOON, Decimal("131.00"), None, True, True),
        ("AAPL", CLOSE, Decimal("129.652"), None, False, False),
    ]


def test_the_cache_keeps_each_securitys_own_newest_price(aapl, msft):
    prices_ingest([Tick("AAPL", OPEN, Decimal("131.00")), Tick("AAPL", NOON, Decimal("130.50"))])
    prices_ingest([Tick("MSFT", OPEN, Decimal("238.00")), Tick("AAPL", OPEN, Decimal("131.10"))])
    assert cached() == {"AAPL": (NOON, Decimal("130.50"), False), "MSFT": (OPEN, Decimal("238.00"), False)}


# --- what moved ----------------------------------------------------------------------------------


def test_a_securitys_first_tick_ever_counts_as_moved(aapl, msft):
    result = prices_ingest([Tick("AAPL", NOON, Decimal("130.25")), Tick("MSFT", NOON, Decimal("237.10"))])
    assert result.moved == {aapl.pk, msft.pk}


def test_moved_holds_exactly_the_securities_whose_price_changed(aapl, msft):
    prices_ingest([Tick("AAPL", OPEN, Decimal("130.25")), Tick("MSFT", OPEN, Decimal("237.10"))])
    result = prices_ingest([Tick("AAPL", NOON, Decimal("130.25")), Tick("MSFT", NOON, Decimal("236.00"))])
    assert result.moved == {msft.pk}  # AAPL is still at 130.25


def test_moved_compares_with_the_price_before_the_tick_not_the_newest(aapl):
    prices_ingest([Tick("AAPL", OPEN, Decimal("131.00")), Tick("AAPL", CLOSE, Decimal("129.00"), intraday=False)])
    assert prices_ingest([Tick("AAPL", NOON, Decimal("131.00"))]).moved == frozenset()  # same as at 09:30
    assert prices_ingest([Tick("AAPL", NOON, Decimal("129.00"))]).moved == {aapl.pk}  # a correction: 131 -> 129


def test_resending_an_unchanged_price_does_not_count_as_moved(aapl):
    prices_ingest([Tick("AAPL", OPEN, Decimal("131.00"))])
    assert prices_ingest([Tick("AAPL", NOON, Decimal("131.00"))]).moved == frozenset()


def test_resending_a_stored_tick_does_not_count_as_moved(aapl):
    prices_ingest([Tick("AAPL", OPEN, Decimal("131.00")), Tick("AAPL", NOON, Decimal("130.25"))])
    assert prices_ingest([Tick("AAPL", NOON, Decimal("130.25"))]).moved == frozenset()


def test_moved_compares_each_security_at_its_own_tick_time(aapl, msft):
    prices_ingest([Tick("AAPL", OPEN, Decimal("131.00")), Tick("AAPL", NOON, Decimal("130.25"))])
    late_resend_and_a_close = [Tick("AAPL", OPEN, Decimal("131.00")), Tick("MSFT", CLOSE, Decimal("236.960"))]
    assert prices_ingest(late_resend_and_a_close).moved == {msft.pk}


def test_ingested_prices_are_announced_once_on_commit_with_what_moved(aapl, msft, django_capture_on_commit_callbacks):
    prices_ingest([Tick("AAPL", OPEN, Decimal("130.25")), Tick("MSFT", OPEN, Decimal("237.10"))])
    heard: list[dict[str, object]] = []

    def listener(sender: object, **kwargs: object) -> None:
        heard.append({"sender": sender, **kwargs})

    prices_ingested.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = prices_ingest(
                [
                    Tick("AAPL", NOON, Decimal("130.25")),
                    Tick("MSFT", NOON, Decimal("236.00")),
                    Tick("MSFT", CLOSE, Decimal("236.960"), intraday=False),
                ]
            )
            assert heard == []  # not before the commit
    finally:
        prices_ingested.disconnect(listener)
    assert heard == [{"sender": Price, "signal": prices_ingested, "security_ids": {msft.pk}, "at": CLOSE}]
    assert result.moved == {msft.pk}


# --- quotes at a time ----------------------------------------------------------------------------


def test_latest_quotes_at_a_time_behind_the_cache_reads_the_older_prices(aapl, msft, securities):
    prices_ingest(
        [
            Tick("AAPL", OPEN, Decimal("131.00"), simulated=True),
            Tick("AAPL", NOON, Decimal("130.25"), simulated=True),
            Tick("AAPL", CLOSE, Decimal("129.652"), intraday=False),
            Tick("MSFT", OPEN, Decimal("238.00")),
            Tick("MSFT", CLOSE, Decimal("236.960"), intraday=False),
        ]
    )
    ids = [aapl.pk, msft.pk, securities["SPX"].pk]
    assert latest_quotes(ids, at=NOON + timedelta(minutes=5)) == {
        aapl.pk: Quote(Decimal("130.25"), NOON, simulated=True),
        msft.pk: Quote(Decimal("238.00"), OPEN, simulated=False),
    }
    assert latest_quotes(ids, at=NOON) == {
        aapl.pk: Quote(Decimal("130.25"), NOON, simulated=True),  # at the very instant: included
        msft.pk: Quote(Decimal("238.00"), OPEN, simulated=False),
    }
    assert latest_quotes(ids, at=OPEN - timedelta(seconds=1)) == {}
    assert latest_quotes(ids, at=CLOSE + timedelta(days=3)) == {
        aapl.pk: Quote(Decimal("129.652"), CLOSE, simulated=False),
        msft.pk: Quote(Decimal("236.960"), CLOSE, simulated=False),
    }


def test_latest_quotes_defaults_to_the_market_clock(aapl):
    from brokers.market_clock import pinned

    prices_ingest([Tick("AAPL", OPEN, Decimal("131.00")), Tick("AAPL", CLOSE, Decimal("129.652"), intraday=False)])
    with pinned(NOON):
        assert latest_quotes([aapl.pk]) == {aapl.pk: Quote(Decimal("131.00"), OPEN)}
    assert latest_quotes([aapl.pk]) == {aapl.pk: Quote(Decimal("129.652"), CLOSE)}  # the newest price


# --- the history loader --------------------------------------------------------------------------


def test_loading_the_history_fills_the_cache_with_each_securitys_last_close(recent_market_data):
    price_history_load(data_dir=recent_market_data)
    last_close = close_timestamp(date(2022, 12, 28))
    aapl = Price.objects.get(security__symbol="AAPL", timestamp=last_close)
    latest = LatestPrice.objects.get(security__symbol="AAPL")
    assert (latest.timestamp, latest.price, latest.simulated) == (last_close, aapl.price, False)
    assert latest.price == Decimal("125.674")
    assert LatestPrice.objects.count() == Security.objects.count() == 21
    assert set(LatestPrice.objects.values_list("timestamp", flat=True)) == {last_close}
    assert latest_quotes(Security.objects.values_list("pk", flat=True)) == {
        pk: Quote(price, last_close)
        for pk, price in Price.objects.filter(timestamp=last_close).values_list("security_id", "price")
    }
