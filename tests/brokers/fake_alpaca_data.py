"""A small local stand-in for Alpaca's stock market data API v2 and its websocket stream, for testing
``brokers.alpaca_data.AlpacaMarketData`` through the real alpaca-py SDK.

HTTP (``FakeAlpacaData``), JSON shaped as alpaca-py's models parse it:
``GET /v2/stocks/bars/latest`` -> ``{"bars": {symbol: bar}}``, ``GET /v2/stocks/quotes/latest`` ->
``{"quotes": {symbol: quote}}``, ``GET /v2/stocks/bars`` (``timeframe=1Day`` only) -> ``{"bars": {symbol: [bar]},
"next_page_token": ...}``, paged ``page_size`` bars at a time whatever ``limit`` the client asks for, so that
paging is exercised. Requests without the right ``APCA-API-KEY-ID``/``APCA-API-SECRET-KEY`` get 403. Tests
script failures (``fail_next``, ``delay_next``, ``answer_next``) and inspect ``requests``.

Websocket (``FakeAlpacaStream``), Alpaca's stream protocol in msgpack as alpaca-py speaks it (``/v2/{feed}``):
on connect ``[{"T": "success", "msg": "connected"}]``; ``{"action": "auth", "key", "secret"}`` ->
``[{"T": "success", "msg": "authenticated"}]`` or ``[{"T": "error", "code": 402, "msg": "auth failed"}]`` (and the
connection closes); ``{"action": "subscribe", "bars": [...], ...}`` -> ``[{"T": "subscription", ...}]``. Tests then
``push`` bar/trade/error messages (delivered to the connections subscribed to them), ``drop_connections``, or make
the server ``silent`` (it accepts the websocket and never greets).
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import msgpack
import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

API_KEY = "PKDATAKEY"
SECRET_KEY = "data-secret"

NEW_YORK = ZoneInfo("America/New_York")
FEEDS = {"iex", "sip", "delayed_sip", "otc", "boats", "overnight"}
CHANNELS = ("trades", "quotes", "bars", "updatedBars", "dailyBars", "statuses", "lulds")
CHANNEL_OF_TYPE = {"t": "trades", "q": "quotes", "b": "bars", "u": "updatedBars", "d": "dailyBars"}
WAIT_SECONDS = 5.0  # longest any fake helper waits for the client before failing the test


def _stamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, as Alpaca writes timestamps."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _number(value: str | Decimal) -> float:
    """A JSON/msgpack number; ``json.dumps`` writes the float's shortest repr, i.e. exactly ``value``."""
    return float(Decimal(value))


def bar_json(moment: datetime, close: str, volume: int, **prices: str) -> dict[str, Any]:
    """A bar as Alpaca's REST API sends it; open/high/low default to the close."""
    return {
        "t": _stamp(moment),
        "o": _number(prices.get("open", close)),
        "h": _number(prices.get("high", close)),
        "l": _number(prices.get("low", close)),
        "c": _number(close),
        "v": volume,
        "n": max(1, volume // 100),
        "vw": _number(close),
    }


# ------------------------------------------------------------------------------------------------- HTTP


@dataclass
class Scripted:
    """What the next matching request does instead of (or before) the normal answer."""

    path_prefix: str
    status: int | None = None  # answer with this HTTP error status
    message: str = "scripted failure"
    delay: float = 0.0  # sleep this long first (longer than the client timeout = a timeout)
    body: bytes | None = None  # answer 200 with exactly these bytes (malformed answers)


class FakeAlpacaData:
    def __init__(self, api_key: str = API_KEY, secret_key: str = SECRET_KEY, page_size: int = 2) -> None:
        self.api_key = api_key
        self.secret_key = secret_key
        self.page_size = page_size
        self.lock = threading.Lock()
        self.latest_bars: dict[str, dict[str, Any]] = {}
        self.latest_quotes: dict[str, dict[str, Any]] = {}
        self.daily: dict[str, list[dict[str, Any]]] = {}
        self.scripts: list[Scripted] = []
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, query) of every request
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeAlpacaData:
        class Handler(_Handler):
            fake = self

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-alpaca-data", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=WAIT_SECONDS)

    @property
    def url(self) -> str:
        """The base URL for ``url_override`` (the SDK appends ``/v2``)."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    # ----------------------------------------------------------------- controls

    def set_latest_bar(self, symbol: str, moment: datetime, close: str, volume: int) -> None:
        with self.lock:
            self.latest_bars[symbol] = bar_json(moment, close, volume)

    def set_quote(self, symbol: str, moment: datetime, bid: str, ask: str) -> None:
        """A latest quote; "0" for a side means Alpaca has nothing quoted on it."""
        with self.lock:
            self.latest_quotes[symbol] = {
                "t": _stamp(moment),
                "bp": _number(bid),
                "bs": 3 if Decimal(bid) else 0,
                "bx": "V" if Decimal(bid) else "",
                "ap": _number(ask),
                "as": 2 if Decimal(ask) else 0,
                "ax": "V" if Decimal(ask) else "",
                "c": ["R"],
                "z": "C",
            }

    def add_daily_bar(self, symbol: str, day: date, close: str, volume: int) -> None:
        """A daily bar, stamped as Alpaca stamps them: midnight New York of the trading date."""
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK)
        with self.lock:
            self.daily.setdefault(symbol, []).append(bar_json(midnight, close, volume))
            self.daily[symbol].sort(key=lambda bar: bar["t"])

    def fail_next(self, status: int, message: str = "scripted failure", *, path_prefix: str = "/v2/") -> None:
        self.scripts.append(Scripted(path_prefix, status=status, message=message))

    def delay_next(self, seconds: float, *, path_prefix: str = "/v2/") -> None:
        self.scripts.append(Scripted(path_prefix, delay=seconds))

    def answer_next(self, body: bytes, *, path_prefix: str = "/v2/") -> None:
        """The next matching request gets 200 with ``body`` verbatim (for malformed answers)."""
        self.scripts.append(Scripted(path_prefix, body=body))

    def requests_to(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [query for seen, query in self.requests if seen == path]

    def take_script(self, path: str) -> Scripted | None:
        with self.lock:
            for i, script in enumerate(self.scripts):
                if path.startswith(script.path_prefix):
                    return self.scripts.pop(i)
        return None

    # ------------------------------------------------------------------ the API

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        symbols = [symbol for symbol in query.get("symbols", "").split(",") if symbol]
        if not symbols:
            return 400, {"message": "missing symbols"}
        if query.get("feed", "iex") not in FEEDS:
            return 400, {"message": f"invalid feed {query['feed']}"}
        with self.lock:
            if path == "/v2/stocks/bars/latest":
                return 200, {"bars": {s: self.latest_bars[s] for s in symbols if s in self.latest_bars}}
            if path == "/v2/stocks/quotes/latest":
                return 200, {"quotes": {s: self.latest_quotes[s] for s in symbols if s in self.latest_quotes}}
            if path == "/v2/stocks/bars":
                return self.bars_page(symbols, query)
        return 404, {"message": "endpoint not found"}

    def bars_page(self, symbols: list[str], query: dict[str, str]) -> tuple[int, Any]:
        """One page of daily bars, ordered by symbol then time as Alpaca pages multi-symbol answers."""
        if query.get("timeframe") != "1Day":
            return 400, {"message": "the fake serves daily bars only"}
        try:
            start = datetime.fromisoformat(query["start"]) if "start" in query else None
            end = datetime.fromisoformat(query["end"]) if "end" in query else None
            offset = int(base64.b64decode(query["page_token"]).decode()) if query.get("page_token") else 0
        except ValueError:
            return 400, {"message": "invalid start, end or page_token"}
        matching = [
            (symbol, bar)
            for symbol in sorted(set(symbols))
            for bar in self.daily.get(symbol, [])
            if (start is None or datetime.fromisoformat(bar["t"]) >= start)
            and (end is None or datetime.fromisoformat(bar["t"]) <= end)
        ]
        limit = min(int(query.get("limit") or 1000), self.page_size)
        page = matching[offset : offset + limit]
        grouped: dict[str, list[dict[str, Any]]] = {}
        for symbol, bar in page:
            grouped.setdefault(symbol, []).append(bar)
        more = offset + limit < len(matching)
        token = base64.b64encode(str(offset + limit).encode()).decode() if more else None
        return 200, {"bars": grouped, "next_page_token": token}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAlpacaData
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
        pass

    def _send(self, status: int, payload: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def do_GET(self) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        with fake.lock:
            fake.requests.append((parts.path, query))
        if (
            self.headers.get("APCA-API-KEY-ID") != fake.api_key
            or self.headers.get("APCA-API-SECRET-KEY") != fake.secret_key
        ):
            self._send(403, json.dumps({"message": "forbidden"}).encode())
            return
        script = fake.take_script(parts.path)
        if script is not None:
            time.sleep(script.delay)
            if script.body is not None:
                self._send(200, script.body)
                return
            if script.status is not None:
                self._send(script.status, json.dumps({"message": script.message}).encode())
                return
        status, body = fake.answer(parts.path, query)
        self._send(status, json.dumps(body).encode())


@pytest.fixture
def fake_alpaca_data() -> Iterator[FakeAlpacaData]:
    """A running fake Alpaca market data API on 127.0.0.1 (random port), stopped after the test."""
    fake = FakeAlpacaData().start()
    try:
        yield fake
    finally:
        fake.stop()


# ---------------------------------------------------------------------------------------------- websocket


def bar_message(symbol: str, moment: datetime, close: str, volume: int) -> dict[str, Any]:
    """A minute bar as the stream pushes it (``_pack`` turns the datetime into a msgpack Timestamp)."""
    return {"T": "b", "S": symbol, **bar_json(moment, close, volume), "t": moment}


def trade_message(symbol: str, moment: datetime, price: str, size: int) -> dict[str, Any]:
    """A trade as the stream pushes it (``_pack`` turns the datetime into a msgpack Timestamp)."""
    return {"T": "t", "S": symbol, "t": moment, "p": _number(price), "s": size, "x": "V", "i": 1, "c": ["@"]}


def error_message(code: int, message: str) -> dict[str, Any]:
    return {"T": "error", "code": code, "msg": message}


def _pack(messages: list[dict[str, Any]]) -> bytes:
    """Alpaca sends every frame as a msgpack array, with timestamps as msgpack Timestamps."""
    return msgpack.packb([{key: _encoded(value) for key, value in message.items()} for message in messages])


def _encoded(value: Any) -> Any:
    return msgpack.Timestamp.from_datetime(value) if isinstance(value, datetime) else value


class FakeAlpacaStream:
    def __init__(self, api_key: str = API_KEY, secret_key: str = SECRET_KEY, feed: str = "iex") -> None:
        self.api_key = api_key
        self.secret_key = secret_key
        self.feed = feed
        self.silent = False  # accept the websocket but never send "connected"
        self.changed = threading.Condition()
        self.connections = 0
        self.auth_attempts = 0
        self.subscriptions: list[dict[str, list[str]]] = []  # what each subscribe asked for, in order
        self.content_types: list[str | None] = []
        self._subscribed: dict[ServerConnection, dict[str, set[str]]] = {}  # live connections' channels
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.port = 0

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeAlpacaStream:
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), name="fake-alpaca-stream")
        self._thread.daemon = True
        self._thread.start()
        if not self._ready.wait(WAIT_SECONDS):
            raise RuntimeError("the fake Alpaca stream did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._closing is not None:
            self._loop.call_soon_threadsafe(self._closing.set)
        if self._thread is not None:
            self._thread.join(WAIT_SECONDS)

    @property
    def url(self) -> str:
        """The full endpoint for ``StockDataStream(url_override=...)``."""
        return f"ws://127.0.0.1:{self.port}/v2/{self.feed}"

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._closing = asyncio.Event()
        server: Server
        async with serve(self._connection, "127.0.0.1", 0, process_request=self._check_path) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._closing.wait()

    # ----------------------------------------------------------------- controls

    def wait_for_subscriptions(self, count: int = 1) -> dict[str, list[str]]:
        """Block until ``count`` subscribe messages have arrived; return the last one."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.subscriptions) >= count, WAIT_SECONDS):
                raise AssertionError(f"the client sent {len(self.subscriptions)} subscriptions, not {count}")
            return self.subscriptions[-1]

    def push(self, *messages: dict[str, Any]) -> int:
        """Send ``messages`` in one frame to each connection subscribed to them; return how many got some."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._push(list(messages)), self._loop)
        return future.result(WAIT_SECONDS)

    def drop_connections(self) -> None:
        """Close every connection abruptly (code 1011), as a server restart would."""
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._drop(), self._loop).result(WAIT_SECONDS)

    # ---------------------------------------------------------------- protocol

    def _check_path(self, connection: ServerConnection, request: Request) -> Response | None:
        if urlsplit(request.path).path != f"/v2/{self.feed}":
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        with self.changed:
            self.content_types.append(request.headers.get("Content-Type"))
        return None

    async def _connection(self, ws: ServerConnection) -> None:
        with self.changed:
            self.connections += 1
            self.changed.notify_all()
        try:
            if self.silent:
                await ws.wait_closed()
                return
            await ws.send(_pack([{"T": "success", "msg": "connected"}]))
            authenticated = False
            async for raw in ws:
                if isinstance(raw, str):
                    await ws.send(_pack([error_message(400, "invalid syntax")]))  # the fake speaks msgpack only
                    continue
                request = msgpack.unpackb(raw)
                action = request.get("action")
                if action == "auth":
                    authenticated = await self._auth(ws, request)
                    if not authenticated:
                        return
                elif not authenticated:
                    await ws.send(_pack([error_message(401, "not authenticated")]))
                elif action in ("subscribe", "unsubscribe"):
                    await self._subscribe(ws, request, add=action == "subscribe")
                else:
                    await ws.send(_pack([error_message(400, "invalid syntax")]))
        except ConnectionClosed:
            pass
        finally:
            self._subscribed.pop(ws, None)

    async def _auth(self, ws: ServerConnection, request: dict[str, Any]) -> bool:
        with self.changed:
            self.auth_attempts += 1
            self.changed.notify_all()
        if (request.get("key"), request.get("secret")) != (self.api_key, self.secret_key):
            await ws.send(_pack([error_message(402, "auth failed")]))
            await ws.close()
            return False
        await ws.send(_pack([{"T": "success", "msg": "authenticated"}]))
        return True

    async def _subscribe(self, ws: ServerConnection, request: dict[str, Any], *, add: bool) -> None:
        channels = self._subscribed.setdefault(ws, {channel: set() for channel in CHANNELS})
        for channel in CHANNELS:
            symbols = set(request.get(channel) or [])
            channels[channel] = channels[channel] | symbols if add else channels[channel] - symbols
        if add:
            with self.changed:
                self.subscriptions.append({c: sorted(request.get(c) or []) for c in CHANNELS if request.get(c)})
                self.changed.notify_all()
        current = {channel: sorted(symbols) for channel, symbols in channels.items()}
        current["corrections"] = current["cancelErrors"] = current["trades"]
        await ws.send(_pack([{"T": "subscription", **current}]))

    async def _push(self, messages: list[dict[str, Any]]) -> int:
        delivered = 0
        for ws, channels in list(self._subscribed.items()):
            wanted = [m for m in messages if m["T"] == "error" or self._wants(channels, m)]
            if wanted:
                try:
                    await ws.send(_pack(wanted))
                except ConnectionClosed:
                    continue
                delivered += 1
        return delivered

    @staticmethod
    def _wants(channels: dict[str, set[str]], message: dict[str, Any]) -> bool:
        channel = CHANNEL_OF_TYPE.get(message["T"])
        if channel is None:
            return False
        return message.get("S") in channels[channel] or "*" in channels[channel]

    async def _drop(self) -> None:
        for ws in list(self._subscribed):
            await ws.close(1011, "fake server restart")


@pytest.fixture
def fake_alpaca_stream() -> Iterator[FakeAlpacaStream]:
    """A running fake Alpaca market data stream on 127.0.0.1 (random port), stopped after the test."""
    fake = FakeAlpacaStream().start()
    try:
        yield fake
    finally:
        fake.stop()
