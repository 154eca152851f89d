"""Alpaca market data on the official ``alpaca-py`` SDK: latest bars and quotes, daily bars for backfill, and a
live feed of ``Batch``es for the feed runner.

Poll or stream
--------------
``mode="poll"`` asks the REST API for the latest minute bar of every symbol each ``poll_seconds`` and passes on
the bars it has not seen. ``mode="stream"`` keeps Alpaca's websocket open (``StockDataStream``) and passes on
minute bars as Alpaca pushes them, grouped every ``flush_seconds``. Polling needs no long-lived connection and
works with any data plan; the stream passes each bar on as soon as Alpaca publishes it, just after its minute.

Bars, not trades
----------------
The stream subscribes to minute bars only. Harvest monitoring needs a fresh price per symbol, not every print:
trades would write every odd lot of a busy symbol to the price table, the IEX feed's trades are a thin slice of
the market whose prints can stray from the consolidated price, and a trade Alpaca later cancels or corrects
would have to be taken back. A minute bar's close already summarises those trades, on the same footing as the
polled bars, so both modes deliver the same kind of tick.

What alpaca-py does not report
------------------------------
alpaca-py 0.44 retries a refused connection or a rejected login forever, and only logs the error messages the
stream sends after subscribing (``insufficient subscription``, ``symbol limit exceeded``). A feed that waits
silently on bad keys looks healthy, so ``_FeedStream`` hands those failures to ``batches()``, which raises
``MarketDataError``. Dropped connections are still retried by the SDK, up to ``STREAM_RECONNECTS_TOLERATED``
failed reconnects in a row.

Money is ``Decimal``: the SDK's models carry prices as floats, converted with ``Decimal(str(x))`` -- the
shortest repr, which is the number Alpaca sent -- never ``Decimal(x)``, which would keep the float's binary noise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time as clock
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import requests
import websockets
from alpaca.common.enums import BaseURL
from alpaca.common.exceptions import APIError
from alpaca.data.enums import Adjustment, DataFeed
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.live.stock import StockDataStream
from alpaca.data.models import Bar, BarSet, Quote
from alpaca.data.requests import StockBarsRequest, StockLatestBarRequest, StockLatestQuoteRequest
from alpaca.data.timeframe import TimeFrame

from brokers.alpaca import _api_error_message, _TimeoutSession
from brokers.market_data import Batch, MarketDataError, Tick

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
MODES = ("poll", "stream")
STREAM_FEEDS = (DataFeed.IEX, DataFeed.SIP)  # the only feeds StockDataStream accepts
QUOTE_PLACES = Decimal("0.0001")
POLL_FAILURES_TOLERATED = 2  # a third unavailable poll in a row ends the feed
STREAM_RECONNECTS_TOLERATED = 5  # after a connection that worked; the first connection must succeed

# The project stamps a session's close at 16:00 New York (``portfolios.market_history.close_timestamp``); that
# module needs Django, this one must not.
NEW_YORK = ZoneInfo("America/New_York")
MARKET_CLOSE = time(16, 0)

_Model = TypeVar("_Model")
_Result = TypeVar("_Result")


class AlpacaUnavailable(MarketDataError):
    """Alpaca could not be reached, timed out, or answered 408/429/5xx: asking again later may work, unlike
    rejected credentials or a malformed answer."""


def close_timestamp(day: date) -> datetime:
    """Return when the session of ``day`` closes, the instant a daily bar's close is stamped with."""
    return datetime.combine(day, MARKET_CLOSE, tzinfo=NEW_YORK)


# --------------------------------------------------------------------------------------------- conversion


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # Alpaca stamps in UTC; a stamp without an offset can only mean UTC
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _price(value: Any, what: str, symbol: str) -> Decimal:
    """Turn an SDK float into the Decimal Alpaca sent; a price that is not a positive number is malformed."""
    try:
        price = Decimal(str(value))
    except InvalidOperation as exc:
        raise MarketDataError(f"Alpaca sent a non-numeric {what} {value!r} for {symbol}") from exc
    if not price.is_finite() or price <= 0:
        raise MarketDataError(f"Alpaca sent an impossible {what} {value!r} for {symbol}")
    return price


def _side(value: Any) -> Decimal | None:
    """A quote side as Decimal, or None when Alpaca left it empty (it sends 0 for a missing side)."""
    if value is None:
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return None
    return price if price.is_finite() and price > 0 else None


def _volume(value: Any, symbol: str) -> int:
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError) as exc:
        raise MarketDataError(f"Alpaca sent a non-numeric volume {value!r} for {symbol}") from exc


def _bar_tick(bar: Bar) -> Tick:
    """A minute bar as an intraday tick, stamped with the bar's own timestamp."""
    return Tick(
        symbol=bar.symbol,
        at=_as_utc(bar.timestamp),
        price=_price(bar.close, "bar close", bar.symbol),
        volume=_volume(bar.volume, bar.symbol),
    )


def _daily_tick(bar: Bar) -> Tick:
    """A daily bar as the session's close. Alpaca stamps it at midnight New York of its trading date."""
    trading_date = _as_utc(bar.timestamp).astimezone(NEW_YORK).date()
    return Tick(
        symbol=bar.symbol,
        at=close_timestamp(trading_date),
        price=_price(bar.close, "daily close", bar.symbol),
        volume=_volume(bar.volume, bar.symbol),
        intraday=False,
    )


def _quote_tick(quote: Quote) -> Tick | None:
    """The bid/ask midpoint; one empty side falls back to the other, a quote with neither gives no tick."""
    bid, ask = _side(quote.bid_price), _side(quote.ask_price)
    if bid is None:
        middle = ask
    elif ask is None:
        middle = bid
    else:
        middle = (bid + ask) / 2
    if middle is None:
        return None
    return Tick(symbol=quote.symbol, at=_as_utc(quote.timestamp), price=middle.quantize(QUOTE_PLACES))


def _batch(ticks: list[Tick]) -> Batch:
    ordered = sorted(ticks, key=lambda tick: (tick.at, tick.symbol))
    return Batch(at=ordered[-1].at, ticks=tuple(ordered))


def _symbols(symbols: Sequence[str]) -> tuple[str, ...]:
    """Upper-case, strip and de-duplicate, keeping the caller's order."""
    if isinstance(symbols, str):  # a lone "AAPL" would otherwise become A, P, L
        symbols = [symbols]
    cleaned = (symbol.strip().upper() for symbol in symbols)
    return tuple(dict.fromkeys(symbol for symbol in cleaned if symbol))


def _data_base_url(url: str | None) -> str:
    """The SDK appends "/v2" itself; accept a data URL written either way."""
    if not url:
        return BaseURL.DATA.value
    return url.rstrip("/").removesuffix("/v2")


def _keyed(value: object, model: type[_Model], action: str) -> dict[str, _Model]:
    """The SDK's return types allow raw dicts (``raw_data=True``, which we never set); insist on its models."""
    if not isinstance(value, dict) or not all(isinstance(item, model) for item in value.values()):
        raise MarketDataError(f"unexpected Alpaca {action} answer {type(value).__name__}")
    return value


# ----------------------------------------------------------------------------------------- error mapping


def _api_error(exc: APIError, action: str, url: str, feed: str) -> MarketDataError:
    status = exc.status_code
    detail = _api_error_message(exc)
    if status in (401, 403):
        return MarketDataError(
            f"Alpaca rejected the market-data credentials ({status} from {url}): {detail}. Check ALPACA_API_KEY "
            f"and ALPACA_SECRET_KEY, and that the account's data plan covers the {feed!r} feed."
        )
    message = f"Alpaca market data {action} failed ({status} from {url}): {detail}"
    if status is None or status in (408, 429) or status >= 500:
        return AlpacaUnavailable(message)
    return MarketDataError(message)


def _transport_error(exc: requests.RequestException, action: str, url: str, timeout: float) -> MarketDataError:
    if isinstance(exc, requests.Timeout):
        return AlpacaUnavailable(f"Alpaca market data at {url} did not answer the {action} request within {timeout:g}s")
    if isinstance(
        exc, requests.exceptions.MissingSchema | requests.exceptions.InvalidSchema | requests.exceptions.InvalidURL
    ):
        return MarketDataError(f"the Alpaca market-data URL {url!r} is not a valid http(s) URL: {exc}")
    return AlpacaUnavailable(f"could not reach Alpaca market data at {url} ({action}): {exc}")


def _stream_error(exc: BaseException, url: str, timeout: float) -> tuple[MarketDataError, bool]:
    """Describe a failed stream connect or login; the flag says whether connecting again may help."""
    if isinstance(exc, ValueError):  # the SDK's "connected"/"authenticated" checks, with the server's message
        reason = str(exc) or type(exc).__name__
        if "auth" in reason.lower():
            return MarketDataError(f"Alpaca rejected the market-data credentials on the stream {url}: {reason}"), False
        return MarketDataError(f"Alpaca refused the market-data stream {url}: {reason}"), False
    if isinstance(exc, TimeoutError):  # before OSError: TimeoutError is one
        return AlpacaUnavailable(f"the Alpaca market-data stream {url} did not log in within {timeout:g}s"), True
    if isinstance(exc, OSError | websockets.WebSocketException):
        return AlpacaUnavailable(f"could not reach the Alpaca market-data stream {url}: {exc}"), True
    return MarketDataError(f"Alpaca sent a malformed stream greeting from {url}: {exc!r}"), False


# ---------------------------------------------------------------------------------------------- streaming


class _FeedStream(StockDataStream):
    """``StockDataStream`` that reports to ``on_error`` what alpaca-py only logs (see the module docstring),
    and stops the SDK's loop when the failure is fatal."""

    def __init__(self, *, url: str, timeout: float, on_error: Callable[[MarketDataError], None], **kwargs: Any) -> None:
        super().__init__(url_override=url, **kwargs)
        self.url = url
        self._timeout = timeout
        self._on_error = on_error
        self._halting = False
        self._connected_before = False
        self._failed_reconnects = 0

    async def _start_ws(self) -> None:
        # The SDK awaits the server's greeting and login answer without a deadline.
        try:
            await asyncio.wait_for(super()._start_ws(), self._timeout)
        except Exception as exc:
            if not self._halting:
                await self._connect_failed(exc)
            raise
        self._connected_before = True
        self._failed_reconnects = 0

    async def _connect_failed(self, exc: Exception) -> None:
        error, transient = _stream_error(exc, self.url, self._timeout)
        if transient and self._connected_before and self._failed_reconnects < STREAM_RECONNECTS_TOLERATED:
            self._failed_reconnects += 1
            logger.warning("%s; the SDK will reconnect (attempt %d)", error, self._failed_reconnects)
            return
        await self.fail(error)

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        if msg.get("T") == "error":
            await self.fail(
                MarketDataError(
                    f"the Alpaca market-data stream {self.url} reported: {msg.get('msg')} ({msg.get('code')})"
                )
            )
            return
        try:
            await super()._dispatch(msg)
        except MarketDataError as exc:
            await self.fail(exc)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # pydantic's ValidationError is a ValueError
            await self.fail(MarketDataError(f"Alpaca sent a malformed stream message from {self.url}: {exc}"))

    async def fail(self, error: MarketDataError) -> None:
        self._on_error(error)
        await self.halt()

    async def halt(self) -> None:
        """End the SDK's loop now: it checks its stop queue only between 5-second reads, so close the socket too."""
        self._halting = True
        await self.stop_ws()
        await self.close()


class _StreamThread:
    """Run a ``_FeedStream`` on its own event loop in a daemon thread; ``stop`` ends it from any thread.

    alpaca-py's ``run()`` owns its event loop and its ``stop()`` only works once that loop is up; driving the
    SDK's ``_run_forever`` on a loop of our own lets ``stop`` work at any moment, even before the connection.
    """

    def __init__(self, stream: _FeedStream, report: Callable[[MarketDataError], None], timeout: float) -> None:
        self._stream = stream
        self._report = report
        self._timeout = timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._halt: asyncio.Event | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="alpaca-market-data", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            loop, halt = self._loop, self._halt
        if loop is not None and halt is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the stream has ended already
                loop.call_soon_threadsafe(halt.set)
        if self._thread.ident is not None and self._thread is not threading.current_thread():
            # halt: up to a close handshake, then up to ``timeout`` for the SDK's loop to wind down
            self._thread.join(2 * self._timeout + 1)
            if self._thread.is_alive():
                logger.warning("the Alpaca market-data stream thread did not stop in time")

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # whatever escapes the SDK must reach batches(), not die with this thread
            self._report(MarketDataError(f"the Alpaca market-data stream {self._stream.url} failed: {exc!r}"))
        if not self._stopping:  # a fatal error was reported already; if not, say why the ticks stopped
            self._report(MarketDataError(f"the Alpaca market-data stream {self._stream.url} ended unexpectedly"))

    async def _main(self) -> None:
        halt = asyncio.Event()
        with self._lock:
            if self._stopping:
                return
            self._loop, self._halt = asyncio.get_running_loop(), halt
        try:
            await self._serve(halt)
        finally:
            with self._lock:
                self._loop = self._halt = None

    async def _serve(self, halt: asyncio.Event) -> None:
        running = asyncio.create_task(self._stream._run_forever())
        halted = asyncio.create_task(halt.wait())
        await asyncio.wait({running, halted}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            await self._stream.halt()
            await asyncio.wait({running}, timeout=self._timeout)
        for task in (running, halted):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        error = None if running.cancelled() else running.exception()
        if error is not None:
            raise error


# ---------------------------------------------------------------------------------------------- provider


class AlpacaMarketData:
    """``MarketDataProvider`` for Alpaca's stock market data (v2), polled or streamed (see module docstring).

    ``data_url``/``stream_url`` override the SDK's endpoints (``stream_url`` is the full websocket endpoint,
    e.g. ``wss://stream.data.alpaca.markets/v2/iex``). ``timeout`` bounds each HTTP request and the stream's
    connect-and-login. ``sleep`` replaces the wait between polls (tests); by default the wait ends early when
    ``stop()`` is called. One ``batches()`` iteration at a time; ``stop()`` ends the feed for good.
    """

    name = "alpaca"
    live = True

    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        symbols: Sequence[str],
        data_url: str | None = None,
        stream_url: str | None = None,
        feed: str = DataFeed.IEX.value,
        mode: str = "poll",
        poll_seconds: float = 5.0,
        flush_seconds: float = 1.0,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not api_key or not secret_key:
            raise MarketDataError("Alpaca market data needs an API key and a secret key")
        if mode not in MODES:
            raise MarketDataError(f"unknown Alpaca market-data mode {mode!r}; use 'poll' or 'stream'")
        try:
            self.feed = DataFeed((feed or DataFeed.IEX.value).strip().lower())
        except ValueError as exc:
            raise MarketDataError(f"unknown Alpaca data feed {feed!r}") from exc
        if mode == "stream" and self.feed not in STREAM_FEEDS:
            raise MarketDataError(f"the Alpaca stream serves only the 'iex' and 'sip' feeds, not {self.feed.value!r}")
        if min(poll_seconds, flush_seconds, timeout) <= 0:
            raise ValueError("poll_seconds, flush_seconds and timeout must be positive")
        self.symbols = _symbols(symbols)
        self.mode = mode
        self.poll_seconds = poll_seconds
        self.flush_seconds = flush_seconds
        self.timeout = timeout
        self.data_url = _data_base_url(data_url)
        self.stream_url = stream_url or f"{BaseURL.MARKET_DATA_STREAM.value}/v2/{self.feed.value}"
        self._api_key, self._secret_key = api_key, secret_key
        self._sleep = sleep
        self._stopped = threading.Event()
        self._inbox: queue.Queue[Tick | MarketDataError | None] = queue.Queue()
        self._stream: _StreamThread | None = None
        self.client = StockHistoricalDataClient(api_key, secret_key, url_override=self.data_url)
        # alpaca-py 0.44 has no timeout setting, and its own retry sleeps through stop(): the poll loop retries.
        self.client._session = _TimeoutSession(timeout)
        self.client._retry = 0

    # ------------------------------------------------------------------------------------------ REST

    def latest_bars(self, symbols: Sequence[str] | None = None) -> list[Tick]:
        """Return the latest minute bar of each symbol as a tick (symbols Alpaca has no bar for are left out)."""
        wanted = self._wanted(symbols)
        if not wanted:
            return []
        request = StockLatestBarRequest(symbol_or_symbols=list(wanted), feed=self.feed)
        bars = _keyed(self._call("latest bars", lambda: self.client.get_stock_latest_bar(request)), Bar, "latest bars")
        return [_bar_tick(bars[symbol]) for symbol in wanted if symbol in bars]

    def latest_quotes(self, symbols: Sequence[str] | None = None) -> list[Tick]:
        """Return each symbol's bid/ask midpoint, to 0.0001; a symbol without a quoted side is left out."""
        wanted = self._wanted(symbols)
        if not wanted:
            return []
        request = StockLatestQuoteRequest(symbol_or_symbols=list(wanted), feed=self.feed)
        answer = self._call("latest quotes", lambda: self.client.get_stock_latest_quote(request))
        quotes = _keyed(answer, Quote, "latest quotes")
        ticks = (_quote_tick(quotes[symbol]) for symbol in wanted if symbol in quotes)
        return [tick for tick in ticks if tick is not None]

    def daily_bars(self, symbols: Sequence[str], start: date, end: date) -> list[Tick]:
        """Return the sessions' closes from ``start`` to ``end`` (trading dates, inclusive), oldest first.

        Unadjusted (``Adjustment.RAW``): these prices meet lot cost bases, which are what was paid; splits are
        the ledger's business. The SDK follows ``next_page_token`` until Alpaca has sent every page.
        """
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        wanted = _symbols(symbols)
        if not wanted:
            return []
        request = StockBarsRequest(
            symbol_or_symbols=list(wanted),
            timeframe=TimeFrame.Day,
            start=datetime.combine(start, time.min, tzinfo=NEW_YORK),
            end=close_timestamp(end),
            adjustment=Adjustment.RAW,
            feed=self.feed,
        )
        barset = self._call("daily bars", lambda: self.client.get_stock_bars(request))
        if not isinstance(barset, BarSet):
            raise MarketDataError(f"unexpected Alpaca daily bars answer {type(barset).__name__}")
        ticks = [_daily_tick(bar) for symbol in wanted for bar in barset.data.get(symbol, [])]
        ticks = [tick for tick in ticks if start <= tick.at.date() <= end]
        return sorted(ticks, key=lambda tick: (tick.at, tick.symbol))

    def _wanted(self, symbols: Sequence[str] | None) -> tuple[str, ...]:
        return self.symbols if symbols is None else _symbols(symbols)

    def _call(self, action: str, call: Callable[[], _Result]) -> _Result:
        """Run one SDK request; no ``requests``, ``APIError`` or pydantic error leaves this method."""
        try:
            return call()
        except APIError as exc:
            raise _api_error(exc, action, self.data_url, self.feed.value) from exc
        except requests.JSONDecodeError as exc:  # before RequestException: it is one, yet the server did answer
            raise MarketDataError(f"Alpaca sent a non-JSON {action} answer from {self.data_url}: {exc}") from exc
        except requests.RequestException as exc:
            raise _transport_error(exc, action, self.data_url, self.timeout) from exc
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # pydantic's ValidationError: ValueError
            raise MarketDataError(f"Alpaca sent a malformed {action} answer from {self.data_url}: {exc}") from exc

    # ------------------------------------------------------------------------------------------ feed

    def batches(self) -> Iterator[Batch]:
        """Yield batches of new ticks until ``stop()``; raise ``MarketDataError`` when the feed fails."""
        if not self.symbols:
            raise MarketDataError("Alpaca market data has no symbols to watch")
        return self._polled() if self.mode == "poll" else self._streamed()

    def stop(self) -> None:
        """End ``batches()``: at once when streaming or waiting, else after the request in flight."""
        self._stopped.set()
        self._inbox.put(None)  # wakes a stream drain
        stream = self._stream
        if stream is not None:
            stream.stop()

    def _polled(self) -> Iterator[Batch]:
        """Poll the latest bars, passing on only bars newer than the last one seen for their symbol."""
        last_seen: dict[str, datetime] = {}
        failures = 0
        while not self._stopped.is_set():
            try:
                ticks = self.latest_bars()
            except AlpacaUnavailable as exc:
                failures += 1
                if failures > POLL_FAILURES_TOLERATED:
                    raise
                logger.warning("%s; polling again in %gs", exc, self.poll_seconds)
                ticks = []
            else:
                failures = 0
            fresh = [tick for tick in ticks if tick.symbol not in last_seen or tick.at > last_seen[tick.symbol]]
            last_seen.update((tick.symbol, tick.at) for tick in fresh)
            if fresh and not self._stopped.is_set():
                yield _batch(fresh)
            if not self._stopped.is_set():
                self._wait(self.poll_seconds)

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            self._stopped.wait(seconds)

    def _streamed(self) -> Iterator[Batch]:
        """Run the stream in its thread and pass on, every ``flush_seconds``, the bars it received."""
        inbox: queue.Queue[Tick | MarketDataError | None] = queue.Queue()
        self._inbox = inbox
        stream = _StreamThread(self._new_stream(inbox.put), report=inbox.put, timeout=self.timeout)
        self._stream = stream
        if self._stopped.is_set():  # stop() ran before this stream existed
            return
        stream.start()
        try:
            while not self._stopped.is_set():
                ticks = self._drain(inbox)
                if ticks and not self._stopped.is_set():
                    yield _batch(ticks)
        finally:
            stream.stop()

    def _new_stream(self, deliver: Callable[[Tick | MarketDataError], None]) -> _FeedStream:
        async def on_bar(bar: Bar | dict[str, Any]) -> None:
            if not isinstance(bar, Bar):  # only with raw_data=True, which we never set
                raise MarketDataError(f"unexpected Alpaca stream bar {type(bar).__name__}")
            deliver(_bar_tick(bar))

        stream = _FeedStream(
            url=self.stream_url,
            timeout=self.timeout,
            on_error=deliver,
            api_key=self._api_key,
            secret_key=self._secret_key,
            feed=self.feed,
            # The SDK's defaults, plus deadlines for the handshake and the closing handshake.
            websocket_params={
                "ping_interval": 10,
                "ping_timeout": 180,
                "max_queue": 1024,
                "open_timeout": self.timeout,
                "close_timeout": self.timeout,
            },
        )
        stream.subscribe_bars(on_bar, *self.symbols)
        return stream

    def _drain(self, inbox: queue.Queue[Tick | MarketDataError | None]) -> list[Tick]:
        """Collect what arrives within one flush window; raise a reported error; return early on stop()."""
        deadline = clock.monotonic() + self.flush_seconds
        ticks: list[Tick] = []
        while (remaining := deadline - clock.monotonic()) > 0:
            try:
                item = inbox.get(timeout=remaining)
            except queue.Empty:
                break
            if isinstance(item, MarketDataError):
                raise item
            if item is None:
                break
            ticks.append(item)
        return ticks


def alpaca_market_data_from_settings(symbols: Sequence[str], mode: str = "poll") -> AlpacaMarketData:
    """Build the provider from the ``ALPACA_*`` settings; empty URLs mean the SDK's production endpoints."""
    from django.conf import settings

    api_key = getattr(settings, "ALPACA_API_KEY", "")
    secret_key = getattr(settings, "ALPACA_SECRET_KEY", "")
    if not api_key or not secret_key:
        raise MarketDataError("Set ALPACA_API_KEY and ALPACA_SECRET_KEY to use Alpaca market data.")
    return AlpacaMarketData(
        api_key=api_key,
        secret_key=secret_key,
        symbols=symbols,
        data_url=getattr(settings, "ALPACA_DATA_URL", "") or None,
        stream_url=getattr(settings, "ALPACA_STREAM_URL", "") or None,
        feed=getattr(settings, "ALPACA_DATA_FEED", "") or DataFeed.IEX.value,
        mode=mode,
    )
