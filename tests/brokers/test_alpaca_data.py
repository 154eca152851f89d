"""``AlpacaMarketData`` against the local fake Alpaca data API and stream (real HTTP and websocket through
alpaca-py, no SDK mocking). No test needs the database."""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alpaca.data.enums import DataFeed
from pytest_django.fixtures import Settings

from brokers.alpaca_data import AlpacaMarketData, AlpacaUnavailable, alpaca_market_data_from_settings
from brokers.market_data import Batch, MarketDataError, Tick
from tests.brokers.fake_alpaca_data import (
    API_KEY,
    SECRET_KEY,
    FakeAlpacaData,
    FakeAlpacaStream,
    bar_message,
    error_message,
    trade_message,
)
from tests.brokers.fake_alpaca_data import fake_alpaca_data as fake_alpaca_data_fixture
from tests.brokers.fake_alpaca_data import fake_alpaca_stream as fake_alpaca_stream_fixture

fake_alpaca_data = fake_alpaca_data_fixture  # the running fake HTTP API, a fixture from fake_alpaca_data.py
fake_alpaca_stream = fake_alpaca_stream_fixture  # the running fake websocket stream

NEW_YORK = ZoneInfo("America/New_York")
CLIENT_TIMEOUT = 0.3  # seconds per HTTP request; the fake's "slow" answers sleep longer
STREAM_TIMEOUT = 2.0  # seconds for the stream's connect and login
WAIT = 5.0  # the longest a test waits for the feed before failing
MINUTE = datetime(2024, 7, 1, 14, 30, tzinfo=UTC)  # 10:30 New York


def new_york_close(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, tzinfo=NEW_YORK)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def make_provider(fake_alpaca_data: FakeAlpacaData) -> Iterator[Callable[..., AlpacaMarketData]]:
    """Build providers aimed at the fakes; every one is stopped after the test."""
    made: list[AlpacaMarketData] = []

    def make(**overrides: Any) -> AlpacaMarketData:
        options: dict[str, Any] = {
            "api_key": API_KEY,
            "secret_key": SECRET_KEY,
            "symbols": ["AAPL", "MSFT"],
            "data_url": fake_alpaca_data.url,
            "timeout": CLIENT_TIMEOUT,
            **overrides,
        }
        provider = AlpacaMarketData(**options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.stop()


@pytest.fixture
def stream_provider(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_stream: FakeAlpacaStream
) -> Callable[..., AlpacaMarketData]:
    def make(**overrides: Any) -> AlpacaMarketData:
        options = {"mode": "stream", "stream_url": fake_alpaca_stream.url, "flush_seconds": 0.05}
        return make_provider(**{**options, "timeout": STREAM_TIMEOUT, **overrides})

    return make


_END = object()


class Consumer:
    """Iterate ``provider.batches()`` in a thread, so the test can drive the fake meanwhile; every wait is bounded."""

    def __init__(self, provider: AlpacaMarketData) -> None:
        self.provider = provider
        self.items: queue.Queue[Any] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="test-consumer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for batch in self.provider.batches():
                self.items.put(batch)
        except BaseException as exc:  # handed to the test thread, which raises or inspects it
            self.items.put(exc)
        else:
            self.items.put(_END)

    def _next(self) -> Any:
        try:
            return self.items.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"the feed produced nothing within {WAIT}s") from None

    def next_batch(self) -> Batch:
        item = self._next()
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, Batch), "the feed ended"
        return item

    def error(self) -> BaseException:
        item = self._next()
        assert isinstance(item, BaseException), f"expected an error, got {item!r}"
        return item

    def stop(self) -> float:
        """Stop the provider; return how long the feed took to end."""
        started = time.monotonic()
        self.provider.stop()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "batches() did not end after stop()"
        assert self._next() is _END
        return time.monotonic() - started


@pytest.fixture
def consume() -> Iterator[Callable[[AlpacaMarketData], Consumer]]:
    consumers: list[Consumer] = []

    def start(provider: AlpacaMarketData) -> Consumer:
        consumers.append(Consumer(provider))
        return consumers[-1]

    yield start
    for consumer in consumers:
        consumer.provider.stop()
        consumer.thread.join(WAIT)


def stream_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "alpaca-market-data"]


# ------------------------------------------------------------------------------------------- latest bars


def test_latest_bars_are_exact_decimal_ticks(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    fake_alpaca_data.set_latest_bar("AAPL", MINUTE, close="187.155", volume=1200)
    fake_alpaca_data.set_latest_bar("MSFT", MINUTE + timedelta(minutes=1), close="402.3", volume=75)

    ticks = make_provider().latest_bars()

    assert ticks == [
        Tick("AAPL", MINUTE, Decimal("187.155"), volume=1200, intraday=True, simulated=False),
        Tick("MSFT", MINUTE + timedelta(minutes=1), Decimal("402.3"), volume=75, intraday=True, simulated=False),
    ]
    assert all(tick.at.utcoffset() == timedelta(0) for tick in ticks)
    [query] = fake_alpaca_data.requests_to("/v2/stocks/bars/latest")
    assert (query["symbols"], query["feed"]) == ("AAPL,MSFT", "iex")


def test_latest_bars_leave_out_symbols_without_a_bar_and_take_other_symbols(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    fake_alpaca_data.set_latest_bar("VTI", MINUTE, close="260.01", volume=10)

    provider = make_provider()

    assert provider.latest_bars() == []
    assert [tick.symbol for tick in provider.latest_bars([" vti", "ITOT"])] == ["VTI"]
    assert provider.latest_bars([]) == []


# ------------------------------------------------------------------------------------------ latest quotes


def test_latest_quotes_are_midpoints_to_four_places(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    fake_alpaca_data.set_quote("AAPL", MINUTE, bid="187.15", ask="187.16")
    fake_alpaca_data.set_quote("MSFT", MINUTE, bid="10.001", ask="10.0021")
    fake_alpaca_data.set_quote("VTI", MINUTE, bid="0", ask="260.5")
    fake_alpaca_data.set_quote("ITOT", MINUTE, bid="110.25", ask="0")
    fake_alpaca_data.set_quote("HALT", MINUTE, bid="0", ask="0")

    ticks = make_provider(symbols=["AAPL", "MSFT", "VTI", "ITOT", "HALT"]).latest_quotes()

    assert [(tick.symbol, str(tick.price)) for tick in ticks] == [
        ("AAPL", "187.1550"),
        ("MSFT", "10.0016"),
        ("VTI", "260.5000"),  # no bid: the ask alone
        ("ITOT", "110.2500"),  # no ask: the bid alone
    ]  # HALT quotes neither side: no tick
    assert all(tick.volume is None and tick.intraday and tick.at == MINUTE for tick in ticks)


# ------------------------------------------------------------------------------------------- daily bars


def test_daily_bars_follow_every_page_and_are_stamped_at_the_new_york_close(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    # 2024-03-10 is the start of daylight saving time: Alpaca's midnight stamps move from 05:00Z to 04:00Z.
    fake_alpaca_data.add_daily_bar("AAPL", date(2024, 3, 6), close="169.12", volume=1)  # before the range
    for day, close in ((date(2024, 3, 8), "170.73"), (date(2024, 3, 11), "172.75"), (date(2024, 3, 12), "173.23")):
        fake_alpaca_data.add_daily_bar("AAPL", day, close=close, volume=60_000_000)
    fake_alpaca_data.add_daily_bar("MSFT", date(2024, 3, 8), close="406.22", volume=18_000_000)
    fake_alpaca_data.add_daily_bar("MSFT", date(2024, 3, 11), close="404.52", volume=16_000_000)

    ticks = make_provider().daily_bars(["AAPL", "MSFT"], date(2024, 3, 7), date(2024, 3, 12))

    assert [(tick.symbol, tick.at, tick.price) for tick in ticks] == [
        ("AAPL", new_york_close(date(2024, 3, 8)), Decimal("170.73")),
        ("MSFT", new_york_close(date(2024, 3, 8)), Decimal("406.22")),
        ("AAPL", new_york_close(date(2024, 3, 11)), Decimal("172.75")),
        ("MSFT", new_york_close(date(2024, 3, 11)), Decimal("404.52")),
        ("AAPL", new_york_close(date(2024, 3, 12)), Decimal("173.23")),
    ]
    assert all(not tick.intraday and not tick.simulated for tick in ticks)
    assert ticks[0].volume == 60_000_000
    assert ticks[0].at.astimezone(UTC).hour == 21  # 16:00 EST
    assert ticks[2].at.astimezone(UTC).hour == 20  # 16:00 EDT
    pages = fake_alpaca_data.requests_to("/v2/stocks/bars")
    assert len(pages) == 3  # five bars, two per page
    assert [page.get("page_token") is None for page in pages] == [True, False, False]
    assert {(page["timeframe"], page["adjustment"], page["feed"]) for page in pages} == {("1Day", "raw", "iex")}


def test_daily_bars_of_an_empty_range(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    provider = make_provider()

    assert provider.daily_bars(["AAPL"], date(2024, 3, 7), date(2024, 3, 8)) == []
    with pytest.raises(ValueError, match="before start"):
        provider.daily_bars(["AAPL"], date(2024, 3, 8), date(2024, 3, 7))


# ------------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "call",
    [
        lambda provider: provider.latest_bars(),
        lambda provider: provider.latest_quotes(),
        lambda provider: provider.daily_bars(["AAPL"], date(2024, 3, 1), date(2024, 3, 8)),
    ],
    ids=["latest bars", "latest quotes", "daily bars"],
)
def test_wrong_keys_are_a_credentials_error(
    make_provider: Callable[..., AlpacaMarketData], call: Callable[[AlpacaMarketData], object]
) -> None:
    provider = make_provider(secret_key="wrong-secret")

    with pytest.raises(MarketDataError) as excinfo:
        call(provider)

    assert str(excinfo.value).startswith("Alpaca rejected the market-data credentials (403")
    assert not isinstance(excinfo.value, AlpacaUnavailable)


def test_unreachable_server_is_unavailable_and_named() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    provider = AlpacaMarketData(api_key=API_KEY, secret_key=SECRET_KEY, symbols=["AAPL"], data_url=url, timeout=1)

    with pytest.raises(AlpacaUnavailable) as excinfo:
        provider.latest_bars()

    assert f"could not reach Alpaca market data at {url}" in str(excinfo.value)


def test_timeout_is_unavailable_and_named(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    fake_alpaca_data.delay_next(CLIENT_TIMEOUT + 0.5)

    with pytest.raises(AlpacaUnavailable) as excinfo:
        make_provider().latest_quotes()

    assert str(excinfo.value) == (
        f"Alpaca market data at {fake_alpaca_data.url} did not answer the latest quotes request within 0.3s"
    )


@pytest.mark.parametrize(("status", "unavailable"), [(503, True), (429, True), (400, False), (404, False)])
def test_http_errors_carry_alpacas_message(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData, status: int, unavailable: bool
) -> None:
    fake_alpaca_data.fail_next(status, "invalid symbol: AAPL.")

    with pytest.raises(MarketDataError) as excinfo:
        make_provider().latest_bars()

    assert isinstance(excinfo.value, AlpacaUnavailable) is unavailable
    assert f"latest bars failed ({status} from {fake_alpaca_data.url}): invalid symbol: AAPL." in str(excinfo.value)
    assert len(fake_alpaca_data.requests_to("/v2/stocks/bars/latest")) == 1  # no SDK retry behind our back


@pytest.mark.parametrize(
    "body",
    [
        b"<html>bad gateway</html>",
        b'{"unexpected": {}}',
        b'{"bars": {"AAPL": {"t": "yesterday", "o": 1, "h": 1, "l": 1, "c": 1, "v": 1, "n": 1, "vw": 1}}}',
        b'{"bars": {"AAPL": {"t": "2024-07-01T14:30:00Z", "o": 1, "h": 1, "l": 1, "c": 0, "v": 1, "n": 1, "vw": 1}}}',
        b'{"bars": ["AAPL"]}',
        b"",
    ],
    ids=["not json", "unknown key", "bad timestamp", "zero close", "wrong shape", "empty"],
)
def test_malformed_answers_are_market_data_errors(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData, body: bytes
) -> None:
    fake_alpaca_data.answer_next(body)

    with pytest.raises(MarketDataError) as excinfo:
        make_provider().latest_bars()

    assert type(excinfo.value) is MarketDataError
    assert "Alpaca sent" in str(excinfo.value) or "unexpected Alpaca" in str(excinfo.value)


# ------------------------------------------------------------------------------------------------ polling


class ScriptedSleep:
    """Stands in for the wait between polls: runs the next scripted step (changing the fake), records the
    wait, and stops the provider when the script is done."""

    def __init__(self, *steps: Callable[[], None]) -> None:
        self.steps = list(steps)
        self.waits: list[float] = []
        self.provider: AlpacaMarketData | None = None

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        assert len(self.waits) <= 20, "the poll loop did not stop"
        if self.steps:
            self.steps.pop(0)()
        else:
            assert self.provider is not None
            self.provider.stop()


def test_polling_passes_on_only_bars_it_has_not_seen(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    fake_alpaca_data.set_latest_bar("AAPL", MINUTE, close="187.15", volume=100)
    fake_alpaca_data.set_latest_bar("MSFT", MINUTE, close="402.30", volume=50)
    next_minute = MINUTE + timedelta(minutes=1)
    sleep = ScriptedSleep(
        lambda: fake_alpaca_data.set_latest_bar("AAPL", next_minute, close="187.40", volume=300),
        lambda: None,  # nothing new: no empty batch
    )
    provider = sleep.provider = make_provider(poll_seconds=5.0, sleep=sleep)

    batches = list(provider.batches())

    assert batches == [
        Batch(
            at=MINUTE,
            ticks=(Tick("AAPL", MINUTE, Decimal("187.15"), 100), Tick("MSFT", MINUTE, Decimal("402.30"), 50)),
        ),
        Batch(at=next_minute, ticks=(Tick("AAPL", next_minute, Decimal("187.40"), 300),)),
    ]
    assert sleep.waits == [5.0, 5.0, 5.0]
    assert len(fake_alpaca_data.requests_to("/v2/stocks/bars/latest")) == 3


def test_polling_rides_out_a_brief_outage(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    fake_alpaca_data.set_latest_bar("AAPL", MINUTE, close="187.15", volume=100)
    fake_alpaca_data.fail_next(503, "service unavailable")
    fake_alpaca_data.fail_next(504, "gateway timeout")
    sleep = ScriptedSleep(lambda: None, lambda: None)
    provider = sleep.provider = make_provider(symbols=["AAPL"], sleep=sleep)

    batches = list(provider.batches())

    assert [batch.ticks[0].price for batch in batches] == [Decimal("187.15")]
    assert len(fake_alpaca_data.requests_to("/v2/stocks/bars/latest")) == 3


def test_polling_gives_up_after_three_unavailable_polls_in_a_row(
    make_provider: Callable[..., AlpacaMarketData], fake_alpaca_data: FakeAlpacaData
) -> None:
    for _ in range(3):
        fake_alpaca_data.fail_next(503, "service unavailable")
    sleep = ScriptedSleep(lambda: None, lambda: None, lambda: None)
    provider = sleep.provider = make_provider(sleep=sleep)

    with pytest.raises(AlpacaUnavailable, match="503"):
        list(provider.batches())

    assert len(sleep.waits) == 2


def test_polling_with_wrong_keys_fails_at_once(make_provider: Callable[..., AlpacaMarketData]) -> None:
    sleep = ScriptedSleep()
    provider = sleep.provider = make_provider(secret_key="wrong-secret", sleep=sleep)

    with pytest.raises(MarketDataError, match="rejected the market-data credentials"):
        next(provider.batches())

    assert sleep.waits == []


def test_stop_cuts_the_wait_between_polls_short(
    make_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_data: FakeAlpacaData,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    fake_alpaca_data.set_latest_bar("AAPL", MINUTE, close="187.15", volume=100)
    consumer = consume(make_provider(poll_seconds=60.0))  # the default, interruptible wait
    consumer.next_batch()

    assert consumer.stop() < 2.0


# ---------------------------------------------------------------------------------------------- streaming


def test_stream_delivers_pushed_bars_as_a_batch_and_stops_cleanly(
    stream_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_stream: FakeAlpacaStream,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    consumer = consume(stream_provider())

    assert fake_alpaca_stream.wait_for_subscriptions(1) == {"bars": ["AAPL", "MSFT"]}  # bars only: no trades
    assert fake_alpaca_stream.content_types == ["application/msgpack"]
    delivered = fake_alpaca_stream.push(
        bar_message("MSFT", MINUTE, close="402.305", volume=50),
        trade_message("AAPL", MINUTE + timedelta(seconds=30), price="999", size=1),  # not subscribed: not sent
        bar_message("AAPL", MINUTE, close="187.15", volume=100),
    )
    batch = consumer.next_batch()
    if len(batch.ticks) < 2:  # a loaded machine can split the two bars across flush windows
        later = consumer.next_batch()
        batch = Batch(
            at=max(batch.at, later.at), ticks=tuple(sorted(batch.ticks + later.ticks, key=lambda t: t.symbol))
        )

    assert delivered == 1
    assert batch == Batch(
        at=MINUTE,
        ticks=(Tick("AAPL", MINUTE, Decimal("187.15"), 100), Tick("MSFT", MINUTE, Decimal("402.305"), 50)),
        due=None,
    )
    assert consumer.stop() < 5.0
    assert stream_threads() == []


def test_stream_batches_follow_the_flush_windows(
    stream_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_stream: FakeAlpacaStream,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    consumer = consume(stream_provider())
    fake_alpaca_stream.wait_for_subscriptions(1)

    fake_alpaca_stream.push(bar_message("AAPL", MINUTE, close="187.15", volume=100))
    first = consumer.next_batch()
    fake_alpaca_stream.push(bar_message("AAPL", MINUTE + timedelta(minutes=1), close="187.2", volume=40))
    second = consumer.next_batch()

    assert [tick.price for tick in first.ticks + second.ticks] == [Decimal("187.15"), Decimal("187.2")]
    assert second.at == MINUTE + timedelta(minutes=1)


def test_stream_with_wrong_keys_raises_instead_of_retrying(
    stream_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_stream: FakeAlpacaStream,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    consumer = consume(stream_provider(secret_key="wrong-secret"))

    error = consumer.error()

    assert isinstance(error, MarketDataError)
    assert str(error) == (
        f"Alpaca rejected the market-data credentials on the stream {fake_alpaca_stream.url}: auth failed"
    )
    assert fake_alpaca_stream.auth_attempts == 1
    consumer.thread.join(WAIT)
    assert stream_threads() == []


def test_unreachable_stream_raises(
    stream_provider: Callable[..., AlpacaMarketData], consume: Callable[[AlpacaMarketData], Consumer]
) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/v2/iex"
    consumer = consume(stream_provider(stream_url=url))

    error = consumer.error()

    assert isinstance(error, AlpacaUnavailable)
    assert str(error).startswith(f"could not reach the Alpaca market-data stream {url}")


def test_stream_that_never_greets_times_out(
    stream_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_stream: FakeAlpacaStream,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    fake_alpaca_stream.silent = True
    consumer = consume(stream_provider(timeout=0.5))

    error = consumer.error()

    assert str(error) == f"the Alpaca market-data stream {fake_alpaca_stream.url} did not log in within 0.5s"


def test_stream_at_a_wrong_path_is_refused(
    stream_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_stream: FakeAlpacaStream,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    consumer = consume(stream_provider(stream_url=fake_alpaca_stream.url.replace("/iex", "/nowhere")))

    error = consumer.error()

    assert isinstance(error, MarketDataError)
    assert "404" in str(error)


def test_stream_error_after_subscribing_raises(
    stream_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_stream: FakeAlpacaStream,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    consumer = consume(stream_provider())
    fake_alpaca_stream.wait_for_subscriptions(1)

    fake_alpaca_stream.push(error_message(409, "insufficient subscription"))
    error = consumer.error()

    assert (
        str(error)
        == f"the Alpaca market-data stream {fake_alpaca_stream.url} reported: insufficient subscription (409)"
    )


def test_malformed_stream_bar_raises(
    stream_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_stream: FakeAlpacaStream,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    consumer = consume(stream_provider())
    fake_alpaca_stream.wait_for_subscriptions(1)

    fake_alpaca_stream.push(bar_message("AAPL", MINUTE, close="0", volume=100))
    error = consumer.error()

    assert str(error) == "Alpaca sent an impossible bar close 0.0 for AAPL"


def test_stream_reconnects_after_the_server_drops_it(
    stream_provider: Callable[..., AlpacaMarketData],
    fake_alpaca_stream: FakeAlpacaStream,
    consume: Callable[[AlpacaMarketData], Consumer],
) -> None:
    consumer = consume(stream_provider())
    fake_alpaca_stream.wait_for_subscriptions(1)

    fake_alpaca_stream.drop_connections()
    fake_alpaca_stream.wait_for_subscriptions(2)  # the SDK reconnects after about a second
    fake_alpaca_stream.push(bar_message("MSFT", MINUTE, close="402.3", volume=50))

    assert consumer.next_batch().ticks == (Tick("MSFT", MINUTE, Decimal("402.3"), 50),)
    assert fake_alpaca_stream.connections == 2


def test_stop_before_the_stream_connects(
    stream_provider: Callable[..., AlpacaMarketData], fake_alpaca_stream: FakeAlpacaStream
) -> None:
    provider = stream_provider()
    batches = provider.batches()
    provider.stop()

    assert list(batches) == []
    assert stream_threads() == []
    assert fake_alpaca_stream.connections == 0


# ------------------------------------------------------------------------------------ settings and setup


def test_settings_without_keys_are_refused(settings: Settings) -> None:
    settings.ALPACA_API_KEY = ""
    settings.ALPACA_SECRET_KEY = ""

    with pytest.raises(MarketDataError) as excinfo:
        alpaca_market_data_from_settings(["AAPL"])

    assert str(excinfo.value) == "Set ALPACA_API_KEY and ALPACA_SECRET_KEY to use Alpaca market data."


def test_provider_from_settings(
    settings: Settings, fake_alpaca_data: FakeAlpacaData, fake_alpaca_stream: FakeAlpacaStream
) -> None:
    settings.ALPACA_API_KEY = API_KEY
    settings.ALPACA_SECRET_KEY = SECRET_KEY
    settings.ALPACA_DATA_URL = fake_alpaca_data.url + "/v2/"
    settings.ALPACA_STREAM_URL = fake_alpaca_stream.url
    settings.ALPACA_DATA_FEED = "SIP"
    fake_alpaca_data.set_latest_bar("AAPL", MINUTE, close="187.15", volume=100)

    provider = alpaca_market_data_from_settings(["aapl"], mode="stream")

    assert (provider.name, provider.live, provider.mode, provider.feed) == ("alpaca", True, "stream", DataFeed.SIP)
    assert provider.stream_url == fake_alpaca_stream.url
    assert [tick.price for tick in provider.latest_bars()] == [Decimal("187.15")]
    assert fake_alpaca_data.requests_to("/v2/stocks/bars/latest")[0]["feed"] == "sip"


def test_empty_urls_mean_alpacas_endpoints(settings: Settings) -> None:
    settings.ALPACA_API_KEY = API_KEY
    settings.ALPACA_SECRET_KEY = SECRET_KEY
    settings.ALPACA_DATA_URL = ""
    settings.ALPACA_STREAM_URL = ""

    provider = alpaca_market_data_from_settings(["AAPL"])

    assert provider.data_url == "https://data.alpaca.markets"
    assert provider.stream_url == "wss://stream.data.alpaca.markets/v2/iex"
    assert provider.feed == DataFeed.IEX


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"api_key": ""}, "needs an API key and a secret key"),
        ({"mode": "push"}, "unknown Alpaca market-data mode 'push'"),
        ({"feed": "nasdaq"}, "unknown Alpaca data feed 'nasdaq'"),
        ({"feed": "delayed_sip", "mode": "stream"}, "only the 'iex' and 'sip' feeds"),
    ],
)
def test_impossible_setups_are_refused(overrides: dict[str, str], message: str) -> None:
    options = {"api_key": API_KEY, "secret_key": SECRET_KEY, "symbols": ["AAPL"], **overrides}

    with pytest.raises(MarketDataError, match=message):
        AlpacaMarketData(**options)  # type: ignore[arg-type]


def test_a_feed_needs_symbols() -> None:
    provider = AlpacaMarketData(api_key=API_KEY, secret_key=SECRET_KEY, symbols=[])

    with pytest.raises(MarketDataError, match="no symbols"):
        provider.batches()


def test_module_imports_without_django() -> None:
    code = "import sys, brokers.alpaca_data; assert 'django' not in sys.modules, 'django was imported'"
    root = Path(__file__).resolve().parents[2]

    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
