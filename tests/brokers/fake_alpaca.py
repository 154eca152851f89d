"""A small local stand-in for Alpaca's trading API v2, for testing ``brokers.alpaca.AlpacaBroker``.

It speaks the subset of the API the adapter uses, with JSON shaped like Alpaca's (as parsed by alpaca-py's
models): ``POST /v2/orders``, ``GET /v2/orders:by_client_order_id``, ``GET|DELETE /v2/orders/{id}``,
``GET /v2/positions``, ``GET /v2/account``, ``GET /v2/clock``. Requests without the right
``APCA-API-KEY-ID``/``APCA-API-SECRET-KEY`` headers get 401.

Tests drive it with scripted behaviours (``fail_next``, ``delay_next``), broker-side events (``fill``,
``set_status``) and inspect ``post_count``/``requests``/``orders``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

API_KEY = "PKTESTKEY"
SECRET_KEY = "test-secret"

FINAL = {"filled", "canceled", "expired", "rejected", "replaced"}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass
class Scripted:
    """What the next matching request does instead of (or before) the normal answer."""

    method: str
    path_prefix: str = "/v2/"
    status: int | None = None  # answer with this HTTP error status
    message: str = "scripted failure"
    code: int = 50010000
    delay: float = 0.0  # sleep this long before answering (longer than the client timeout = a timeout)
    record_order: bool = False  # for POST /v2/orders: create the order although the answer fails/is late


class FakeAlpaca:
    def __init__(self, api_key: str = API_KEY, secret_key: str = SECRET_KEY) -> None:
        self.api_key = api_key
        self.secret_key = secret_key
        self.lock = threading.Lock()
        self.orders: dict[str, dict[str, Any]] = {}  # by Alpaca order id
        self.by_client_id: dict[str, str] = {}
        self.positions: dict[str, dict[str, Any]] = {}  # symbol -> {"qty": Decimal, "cost": Decimal}
        self.prices: dict[str, Decimal] = {}
        self.account: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "account_number": "PA3TESTACCT",
            "status": "ACTIVE",
            "crypto_status": "ACTIVE",
            "currency": "USD",
            "cash": "100000",
            "buying_power": "200000",
            "regt_buying_power": "200000",
            "non_marginable_buying_power": "100000",
            "portfolio_value": "100000",
            "equity": "100000",
            "last_equity": "100000",
            "long_market_value": "0",
            "short_market_value": "0",
            "initial_margin": "0",
            "maintenance_margin": "0",
            "sma": "0",
            "multiplier": "2",
            "trading_blocked": False,
            "transfers_blocked": False,
            "account_blocked": False,
            "trade_suspended_by_user": False,
            "shorting_enabled": True,
            "accrued_fees": "0",
            "pending_transfer_in": "0",
            "created_at": "2024-01-02T14:00:00Z",
        }
        self.market_open = True
        self.initial_status = "accepted"
        self.scripts: list[Scripted] = []
        self.requests: list[tuple[str, str]] = []
        self.post_count = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeAlpaca:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-alpaca", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    @property
    def url(self) -> str:
        """The base URL for ``url_override`` (the SDK appends ``/v2``)."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    # ----------------------------------------------------------------- controls

    def fail_next(
        self,
        method: str,
        status: int,
        message: str = "scripted failure",
        *,
        code: int | None = None,
        path_prefix: str = "/v2/",
        record_order: bool = False,
    ) -> None:
        """The next ``method`` request under ``path_prefix`` answers ``status`` (optionally after recording)."""
        self.scripts.append(
            Scripted(method, path_prefix, status, message, code or status * 100000, record_order=record_order)
        )

    def fail_next_post(self, status: int, message: str = "scripted failure", **kwargs: Any) -> None:
        self.fail_next("POST", status, message, path_prefix="/v2/orders", **kwargs)

    def delay_next_post(self, seconds: float, *, record_order: bool = True) -> None:
        """The next order POST sleeps ``seconds`` before answering; the order is recorded first by default."""
        self.scripts.append(Scripted("POST", "/v2/orders", delay=seconds, record_order=record_order))

    def set_position(self, symbol: str, qty: str, price: str, avg_entry_price: str | None = None) -> None:
        quantity = Decimal(qty)
        entry = Decimal(avg_entry_price or price)
        with self.lock:
            self.positions[symbol] = {"qty": quantity, "cost": quantity * entry}
            self.prices[symbol] = Decimal(price)

    def order_for(self, client_order_id: str) -> dict[str, Any]:
        return self.orders[self.by_client_id[client_order_id]]

    def fill(self, client_order_id: str, price: str, qty: str | None = None) -> dict[str, Any]:
        """A fill of ``qty`` (default: all that is left) at ``price``; partial fills leave it partially_filled."""
        with self.lock:
            order = self.order_for(client_order_id)
            total, filled = Decimal(order["qty"]), Decimal(order["filled_qty"])
            amount = Decimal(qty) if qty is not None else total - filled
            fill_price = Decimal(price)
            assert 0 < amount <= total - filled, "fill exceeds the open quantity"
            previous_value = filled * Decimal(order["filled_avg_price"] or 0)
            filled += amount
            average = (previous_value + amount * fill_price) / filled
            now = _now()
            order.update(
                filled_qty=_num(filled),
                filled_avg_price=_num(average.quantize(Decimal("0.0001"))),
                status="filled" if filled == total else "partially_filled",
                updated_at=now,
            )
            if filled == total:
                order["filled_at"] = now
            signed = amount if order["side"] == "buy" else -amount
            position = self.positions.setdefault(order["symbol"], {"qty": Decimal(0), "cost": Decimal(0)})
            if signed > 0:
                position["cost"] += signed * fill_price
            elif position["qty"]:
                position["cost"] += signed * position["cost"] / position["qty"]
            position["qty"] += signed
            self.prices[order["symbol"]] = fill_price
            if position["qty"] == 0:
                del self.positions[order["symbol"]]
            return dict(order)

    def set_status(self, client_order_id: str, status: str) -> None:
        with self.lock:
            order = self.order_for(client_order_id)
            order["status"] = status
            order["updated_at"] = _now()
            if status == "canceled":
                order["canceled_at"] = order["updated_at"]
            elif status == "expired":
                order["expired_at"] = order["updated_at"]
            elif status == "rejected":
                order["failed_at"] = order["updated_at"]

    # ------------------------------------------------------------------ the API

    def take_script(self, method: str, path: str) -> Scripted | None:
        with self.lock:
            for i, script in enumerate(self.scripts):
                if script.method == method and path.startswith(script.path_prefix):
                    return self.scripts.pop(i)
        return None

    def create_order(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for field in ("symbol", "side", "type", "time_in_force"):
            if not body.get(field):
                return 422, {"code": 40010001, "message": f"{field} is required"}
        if body.get("qty") is None and body.get("notional") is None:
            return 422, {"code": 40010001, "message": "qty or notional is required"}
        if body["side"] not in ("buy", "sell"):
            return 422, {"code": 40010001, "message": "invalid side"}
        qty = Decimal(str(body["qty"]))
        if qty <= 0:
            return 422, {"code": 40010001, "message": "qty must be > 0"}
        client_order_id = body.get("client_order_id") or str(uuid.uuid4())
        with self.lock:
            if client_order_id in self.by_client_id:
                return 422, {"code": 40010001, "message": "client_order_id must be unique"}
            now = _now()
            order_id = str(uuid.uuid4())
            order = {
                "id": order_id,
                "client_order_id": client_order_id,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
                "filled_at": None,
                "expired_at": None,
                "expires_at": None,
                "canceled_at": None,
                "failed_at": None,
                "replaced_at": None,
                "replaced_by": None,
                "replaces": None,
                "asset_id": str(uuid.uuid5(uuid.NAMESPACE_URL, body["symbol"])),
                "symbol": body["symbol"],
                "asset_class": "us_equity",
                "notional": None,
                "qty": _num(qty),
                "filled_qty": "0",
                "filled_avg_price": None,
                "order_class": body.get("order_class") or "simple",
                "order_type": body["type"],
                "type": body["type"],
                "side": body["side"],
                "position_intent": "buy_to_open" if body["side"] == "buy" else "sell_to_close",
                "time_in_force": body["time_in_force"],
                "limit_price": None,
                "stop_price": None,
                "status": self.initial_status,
                "extended_hours": bool(body.get("extended_hours", False)),
                "legs": None,
                "trail_percent": None,
                "trail_price": None,
                "hwm": None,
            }
            self.orders[order_id] = order
            self.by_client_id[client_order_id] = order_id
            return 200, dict(order)

    def position_json(self, symbol: str, position: dict[str, Any]) -> dict[str, Any]:
        qty: Decimal = position["qty"]
        price = self.prices.get(symbol, Decimal(0))
        market_value = qty * price
        cost = position["cost"]
        return {
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_URL, symbol)),
            "symbol": symbol,
            "exchange": "NASDAQ",
            "asset_class": "us_equity",
            "asset_marginable": True,
            "avg_entry_price": _num((cost / qty).quantize(Decimal("0.0001"))) if qty else "0",
            "qty": _num(qty),
            "qty_available": _num(qty),
            "side": "long" if qty > 0 else "short",
            "market_value": _num(market_value),
            "cost_basis": _num(cost),
            "unrealized_pl": _num(market_value - cost),
            "unrealized_plpc": "0",
            "unrealized_intraday_pl": "0",
            "unrealized_intraday_plpc": "0",
            "current_price": _num(price),
            "lastday_price": _num(price),
            "change_today": "0",
        }

    def clock_json(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "timestamp": now.isoformat(),
            "is_open": self.market_open,
            "next_open": (now + timedelta(hours=15)).replace(microsecond=0).isoformat(),
            "next_close": (now + timedelta(hours=6)).replace(microsecond=0).isoformat(),
        }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAlpaca
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
        pass

    def _send(self, status: int, body: Any = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        try:
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def _read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        body = self._read_json() if method == "POST" else {}
        with fake.lock:
            fake.requests.append((method, path))
            if method == "POST" and path == "/v2/orders":
                fake.post_count += 1
        if (
            self.headers.get("APCA-API-KEY-ID") != fake.api_key
            or self.headers.get("APCA-API-SECRET-KEY") != fake.secret_key
        ):
            self._send(401, {"code": 40110000, "message": "request is not authorized"})
            return

        is_order_post = method == "POST" and path == "/v2/orders"
        created: tuple[int, dict[str, Any]] | None = None
        script = fake.take_script(method, path)
        if script is not None:
            if script.record_order and is_order_post:
                created = fake.create_order(body)  # the broker has the order, whatever the client hears
            if script.delay:
                time.sleep(script.delay)
            if script.status is not None:
                self._send(script.status, {"code": script.code, "message": script.message})
                return

        if is_order_post:
            self._send(*(created or fake.create_order(body)))
        elif method == "GET" and path == "/v2/orders:by_client_order_id":
            client_order_id = (query.get("client_order_id") or [""])[0]
            with fake.lock:
                order_id = fake.by_client_id.get(client_order_id)
                order = dict(fake.orders[order_id]) if order_id else None
            if order is None:
                self._send(404, {"code": 40410000, "message": "order not found"})
            else:
                self._send(200, order)
        elif path.startswith("/v2/orders/") and method in ("GET", "DELETE"):
            order_id = path.removeprefix("/v2/orders/")
            with fake.lock:
                order = fake.orders.get(order_id)
                if order is None:
                    answer: Any = (404, {"code": 40410000, "message": f"order not found for {order_id}"})
                elif method == "GET":
                    answer = (200, dict(order))
                elif order["status"] in FINAL:
                    answer = (422, {"code": 42210000, "message": f'order is already in "{order["status"]}" state'})
                else:
                    order["status"] = "canceled"
                    order["canceled_at"] = order["updated_at"] = _now()
                    answer = (204, None)
            self._send(*answer)
        elif method == "GET" and path == "/v2/positions":
            with fake.lock:
                positions = [fake.position_json(symbol, p) for symbol, p in sorted(fake.positions.items())]
            self._send(200, positions)
        elif method == "GET" and path == "/v2/account":
            with fake.lock:
                account = dict(fake.account)
            self._send(200, account)
        elif method == "GET" and path == "/v2/clock":
            self._send(200, fake.clock_json())
        else:
            self._send(404, {"code": 40410000, "message": "endpoint not found"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


@pytest.fixture
def fake_alpaca() -> Iterator[FakeAlpaca]:
    """A running fake Alpaca on 127.0.0.1 (random port), stopped after the test."""
    fake = FakeAlpaca().start()
    try:
        yield fake
    finally:
        fake.stop()
