"""Alpaca broker adapter on the official ``alpaca-py`` SDK (paper trading endpoint by default).

Idempotency: every order is sent with the caller's idempotency key as Alpaca's ``client_order_id``, which Alpaca
keeps unique per account. ``submit_order`` POSTs at most once per call; when the answer is lost (timeout,
connection error, 5xx, 429) or Alpaca says the client order id already exists, the order is looked up by its
client order id instead of being submitted again. A worker that crashes between submit and record recovers the
same way, through ``get_order``.

Specific lots -- what Alpaca cannot do
--------------------------------------
Alpaca sells by *quantity*: its order API has no way to name the tax lots a sell should draw from (no
specific-identification / "versus purchase" lot selection). A ``MarketOrderRequest`` carries only symbol, side
and qty, so the lot choice never reaches the broker (see ``AlpacaBroker.submit_order``).

The platform therefore records the *intended* lots in its own ledger by specific identification: the sell
transaction names the lot(s) it closes, and that ledger -- not the broker -- is what Form 8949 reports. The
broker's own cost-basis records (its default lot relief method, reported on the 1099-B) may differ from the
ledger. Reconciliation must use the client's standing lot election with the broker (a specific-identification
instruction given to Alpaca outside this API); where the broker's 1099-B lots disagree with the ledger, the
difference is a reconciliation item to resolve with the broker, never a reason to rewrite the ledger's lots.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

import requests
from alpaca.common.enums import BaseURL
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, OrderStatus, PositionSide, TimeInForce
from alpaca.trading.models import Clock, Order, Position, TradeAccount
from alpaca.trading.requests import MarketOrderRequest
from pydantic import ValidationError

from brokers.base import (
    AccountStatus,
    BrokerError,
    BrokerOrder,
    BrokerOrderStatus,
    BrokerPosition,
    OrderNotFound,
    OrderRequest,
    Side,
)

if TYPE_CHECKING:
    from brokers.models import BrokerConnection

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
# Alpaca's trading endpoints, by ``BrokerEnvironment`` value: the only URLs a firm's connection may use.
ALPACA_TRADING_ENDPOINTS = {"paper": BaseURL.TRADING_PAPER.value, "live": BaseURL.TRADING_LIVE.value}
MAX_QTY_DECIMAL_PLACES = 9  # Alpaca accepts fractional quantities with up to 9 decimal places

# Alpaca statuses after which the order will not change any more.
_FINAL_STATUSES: dict[OrderStatus, BrokerOrderStatus] = {
    OrderStatus.FILLED: BrokerOrderStatus.FILLED,
    OrderStatus.CANCELED: BrokerOrderStatus.CANCELLED,
    # The order was replaced by another order (with another client order id); we never replace orders, and
    # whatever was filled before the replacement stays filled on this one.
    OrderStatus.REPLACED: BrokerOrderStatus.CANCELLED,
    OrderStatus.EXPIRED: BrokerOrderStatus.EXPIRED,
    OrderStatus.REJECTED: BrokerOrderStatus.REJECTED,
}

# Working statuses: still at the broker, may (still) fill. They become ACCEPTED, or PARTIALLY_FILLED once
# anything has filled. ``done_for_day`` and ``calculated`` are not final: Alpaca moves the order on later
# (to filled, expired or canceled). ``suspended``/``held``/``stopped`` wait at the broker.
_WORKING_STATUSES = frozenset(
    {
        OrderStatus.NEW,
        OrderStatus.ACCEPTED,
        OrderStatus.PENDING_NEW,
        OrderStatus.ACCEPTED_FOR_BIDDING,
        OrderStatus.PENDING_REVIEW,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.DONE_FOR_DAY,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PENDING_REPLACE,
        OrderStatus.STOPPED,
        OrderStatus.SUSPENDED,
        OrderStatus.CALCULATED,
        OrderStatus.HELD,
    }
)

# Working statuses worth telling the operator about in ``BrokerOrder.reason``.
_NOTEWORTHY = frozenset(
    {
        OrderStatus.DONE_FOR_DAY,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PENDING_REPLACE,
        OrderStatus.PENDING_REVIEW,
        OrderStatus.STOPPED,
        OrderStatus.SUSPENDED,
        OrderStatus.CALCULATED,
        OrderStatus.HELD,
    }
)


def map_order_status(status: OrderStatus | str, filled_quantity: Decimal) -> BrokerOrderStatus:
    """Reduce an Alpaca order status to ``BrokerOrderStatus``."""
    status = OrderStatus(status)
    if status in _FINAL_STATUSES:
        return _FINAL_STATUSES[status]
    if status in _WORKING_STATUSES:
        return BrokerOrderStatus.PARTIALLY_FILLED if filled_quantity > 0 else BrokerOrderStatus.ACCEPTED
    raise BrokerError(f"unknown Alpaca order status {status!r}", retryable=False)  # pragma: no cover


class _TimeoutSession(requests.Session):
    """A requests session with a default timeout: alpaca-py sets none, so a hung call would never return."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


_Model = TypeVar("_Model")


def _parsed(value: object, model: type[_Model]) -> _Model:
    """The SDK's return types allow raw dicts (``raw_data=True``, which we never set); insist on its model."""
    if not isinstance(value, model):
        raise BrokerError(f"unexpected Alpaca response {type(value).__name__}, not {model.__name__}", retryable=False)
    return value


def _api_error_message(exc: APIError) -> str:
    raw = str(exc)
    try:
        body = json.loads(raw)
    except (TypeError, ValueError):
        return raw.strip() or exc.__class__.__name__
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return raw


def _is_duplicate_client_order_id(exc: APIError) -> bool:
    """Alpaca answers 422 "client_order_id must be unique" when the key was used before."""
    return exc.status_code == 422 and "client_order_id" in _api_error_message(exc).lower()


def map_api_error(exc: APIError, action: str) -> BrokerError:
    """Translate an HTTP error from Alpaca. 429/408/5xx may succeed on retry; other 4xx will not."""
    status = exc.status_code
    message = f"Alpaca {action} failed ({status}): {_api_error_message(exc)}"
    if status is None:  # no HTTP response to judge by: treat like a transport failure
        return BrokerError(message, retryable=True)
    return BrokerError(message, retryable=status in (408, 429) or status >= 500)


def map_transport_error(exc: requests.RequestException, action: str) -> BrokerError:
    """Timeouts and connection failures: the call may or may not have reached Alpaca; retry is safe."""
    kind = "timed out" if isinstance(exc, requests.Timeout) else "could not reach Alpaca"
    return BrokerError(f"Alpaca {action} {kind}: {exc}", retryable=True)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise BrokerError(f"Alpaca sent a non-numeric amount {value!r}", retryable=False) from exc


def _alpaca_qty(quantity: Decimal) -> float:
    """The SDK types ``qty`` as float; refuse amounts a float or Alpaca would not carry exactly."""
    if not quantity.is_finite() or quantity <= 0:
        raise BrokerError(f"order quantity must be positive, got {quantity}", retryable=False)
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_QTY_DECIMAL_PLACES:
        raise BrokerError(
            f"Alpaca accepts at most {MAX_QTY_DECIMAL_PLACES} decimal places, got {quantity}", retryable=False
        )
    as_float = float(quantity)
    if Decimal(repr(as_float)) != quantity:
        raise BrokerError(f"order quantity {quantity} cannot be sent exactly", retryable=False)
    return as_float


class AlpacaBroker:
    """``brokers.base.Broker`` for Alpaca's trading API v2.

    ``retry_attempts`` is the SDK's own retry on 429/504; it is off by default so that every retry decision is
    made here (or by the caller), where idempotency is handled. ``timeout`` bounds each HTTP request.
    """

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        paper: bool = True,
        url_override: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        retry_attempts: int = 0,
        retry_wait_seconds: int = 1,
    ) -> None:
        if not api_key or not secret_key:
            raise BrokerError("Alpaca API key and secret key are required", retryable=False)
        self.paper = paper
        self.client = TradingClient(api_key, secret_key, paper=paper, url_override=url_override or None)
        # alpaca-py 0.44 exposes neither a timeout nor (on TradingClient) retry settings, and reads no
        # environment variables for them; set its RESTClient attributes directly.
        self.client._session = _TimeoutSession(timeout)
        self.client._retry = max(0, retry_attempts)
        self.client._retry_wait = retry_wait_seconds

    # ------------------------------------------------------------------ orders

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """Submit a market DAY order, or return the existing order for this client order id.

        Lots: Alpaca receives only symbol, side and quantity -- it cannot sell a specific lot. The lots this sell
        is meant to close are recorded in the platform's ledger by specific identification (see module docstring).
        """
        order_data = MarketOrderRequest(
            symbol=request.symbol,
            qty=_alpaca_qty(request.quantity),
            side=OrderSide.BUY if request.side == Side.BUY else OrderSide.SELL,
            time_in_force=TimeInForce.DAY,
            client_order_id=request.client_order_id,
        )
        try:
            order = _parsed(self.client.submit_order(order_data), Order)
        except APIError as exc:
            if _is_duplicate_client_order_id(exc):
                logger.info("Alpaca already has client order id %s; looking it up", request.client_order_id)
                return self._existing(request, map_api_error(exc, "submit"))
            error = map_api_error(exc, "submit")
            if not error.retryable:
                raise error from exc
            return self._recover(request, error)
        except requests.RequestException as exc:
            return self._recover(request, map_transport_error(exc, "submit"))
        except ValidationError as exc:
            # The POST succeeded but the answer did not parse: the order exists. Find it by its key.
            return self._recover(request, BrokerError(f"unexpected Alpaca order response: {exc}", retryable=True))
        return self._check_matches(request, self._to_broker_order(order))

    def _recover(self, request: OrderRequest, error: BrokerError) -> BrokerOrder:
        """The submit's outcome is unknown: return the order if it reached Alpaca, else raise ``error``.

        Never submits again. If the order is not there, the caller may retry ``submit_order`` with the same
        client order id; should the first POST land after all, Alpaca refuses the second as a duplicate.
        """
        logger.warning("Alpaca submit of %s failed (%s); looking it up", request.client_order_id, error.message)
        try:
            order = self.get_order(request.client_order_id)
        except BrokerError as lookup_error:
            logger.warning("lookup of %s failed: %s", request.client_order_id, lookup_error.message)
            raise error from lookup_error
        return self._check_matches(request, order)

    def _existing(self, request: OrderRequest, error: BrokerError) -> BrokerOrder:
        try:
            order = self.get_order(request.client_order_id)
        except OrderNotFound as exc:
            # Alpaca claims the id exists but cannot find it (e.g. still propagating): ask the caller to retry.
            raise BrokerError(error.message, retryable=True) from exc
        return self._check_matches(request, order)

    @staticmethod
    def _check_matches(request: OrderRequest, order: BrokerOrder) -> BrokerOrder:
        """An idempotency key reused for a different order is a bug upstream; never pass that order off."""
        if (order.symbol, order.side, order.quantity) != (request.symbol, request.side, request.quantity):
            raise BrokerError(
                f"client order id {request.client_order_id} belongs to a different Alpaca order "
                f"({order.side} {order.quantity} {order.symbol}, not {request.side} {request.quantity} "
                f"{request.symbol})",
                retryable=False,
            )
        return order

    def get_order(self, client_order_id: str) -> BrokerOrder:
        return self._to_broker_order(self._fetch(client_order_id))

    def _fetch(self, client_order_id: str) -> Order:
        try:
            return _parsed(self.client.get_order_by_client_id(client_order_id), Order)
        except APIError as exc:
            if exc.status_code == 404:
                raise OrderNotFound(client_order_id) from exc
            raise map_api_error(exc, "order lookup") from exc
        except requests.RequestException as exc:
            raise map_transport_error(exc, "order lookup") from exc
        except ValidationError as exc:
            raise BrokerError(f"unexpected Alpaca order response: {exc}", retryable=False) from exc

    def cancel_order(self, client_order_id: str) -> BrokerOrder:
        """Ask Alpaca to cancel; returns the order as it stands afterwards (cancellation may still be pending).

        An order that already reached a final state (e.g. filled) is returned as it is, not treated as an error.
        """
        order = self._fetch(client_order_id)
        try:
            self.client.cancel_order_by_id(order.id)
        except APIError as exc:
            error = map_api_error(exc, "cancel")
            current = self.get_order(client_order_id)
            if exc.status_code == 422 and current.status.final:
                return current
            raise error from exc
        except requests.RequestException as exc:
            raise map_transport_error(exc, "cancel") from exc
        return self.get_order(client_order_id)

    # --------------------------------------------------------------- account

    def list_positions(self) -> list[BrokerPosition]:
        try:
            positions = [_parsed(p, Position) for p in self.client.get_all_positions()]
        except APIError as exc:
            raise map_api_error(exc, "positions") from exc
        except requests.RequestException as exc:
            raise map_transport_error(exc, "positions") from exc
        result = []
        for position in positions:
            quantity = _decimal(position.qty) or Decimal(0)
            if position.side == PositionSide.SHORT and quantity > 0:
                quantity = -quantity
            result.append(BrokerPosition(position.symbol, quantity, _decimal(position.market_value)))
        return result

    def account_status(self) -> AccountStatus:
        try:
            account = _parsed(self.client.get_account(), TradeAccount)
            clock = _parsed(self.client.get_clock(), Clock)
        except APIError as exc:
            raise map_api_error(exc, "account") from exc
        except requests.RequestException as exc:
            raise map_transport_error(exc, "account") from exc
        notes: list[str] = []
        if self.paper:
            notes.append("Alpaca paper trading account")
        status = getattr(account.status, "value", account.status)
        if status != "ACTIVE":
            notes.append(f"account status is {status}")
        blocked = bool(account.trading_blocked or account.account_blocked or account.trade_suspended_by_user)
        if account.account_blocked:
            notes.append("account is blocked")
        if account.trade_suspended_by_user:
            notes.append("trading suspended by the account holder")
        if not clock.is_open:
            notes.append(f"market closed; next open {clock.next_open.isoformat()}")
        return AccountStatus(
            account_number=account.account_number,
            cash=_decimal(account.cash) or Decimal(0),
            buying_power=_decimal(account.buying_power) or Decimal(0),
            trading_blocked=blocked or status != "ACTIVE",
            market_open=clock.is_open,
            notes=notes,
        )

    # -------------------------------------------------------------- mapping

    @staticmethod
    def _to_broker_order(order: Order) -> BrokerOrder:
        filled = _decimal(order.filled_qty) or Decimal(0)
        status = map_order_status(order.status, filled)
        average = _decimal(order.filled_avg_price) if filled > 0 else None
        reason = ""
        if order.status in _NOTEWORTHY:
            reason = f"Alpaca status {order.status.value}"
        elif order.status == OrderStatus.REPLACED:
            reason = f"replaced by Alpaca order {order.replaced_by}"
        elif order.status == OrderStatus.REJECTED:
            reason = "rejected by Alpaca"
        side = Side.BUY if order.side == OrderSide.BUY else Side.SELL
        return BrokerOrder(
            broker_order_id=str(order.id),
            client_order_id=order.client_order_id,
            symbol=order.symbol or "",
            side=side,
            quantity=_decimal(order.qty) or Decimal(0),
            status=status,
            filled_quantity=filled,
            average_price=average,
            reason=reason,
            submitted_at=order.submitted_at,
            filled_at=order.filled_at,
        )


def alpaca_broker_from_settings() -> AlpacaBroker:
    """Build the broker from ``ALPACA_*`` settings (read from the environment in ``taxharvest.settings``)."""
    from django.conf import settings

    api_key = getattr(settings, "ALPACA_API_KEY", "")
    secret_key = getattr(settings, "ALPACA_SECRET_KEY", "")
    if not api_key or not secret_key:
        raise BrokerError("ALPACA_API_KEY and ALPACA_SECRET_KEY must be set to use Alpaca", retryable=False)
    base_url = (getattr(settings, "ALPACA_BASE_URL", "") or "").rstrip("/")
    # The SDK appends "/v2" itself; accept a base URL written either way.
    base_url = base_url.removesuffix("/v2")
    return AlpacaBroker(
        api_key,
        secret_key,
        paper=getattr(settings, "ALPACA_PAPER", True),
        url_override=base_url or None,
    )


def alpaca_broker_for_connection(connection: BrokerConnection) -> AlpacaBroker:
    """Build the broker of a firm's ``BrokerConnection`` from its own (decrypted) keys.

    The endpoint is Alpaca's own paper or live URL; only a platform superuser can point a connection at a test
    server (``base_url``). Nothing here reads the environment or the server's ``ALPACA_*`` settings.
    """
    from brokers.credentials import CredentialsError, credential_decrypt

    if not connection.has_credentials:
        raise BrokerError(
            f"Enter the API key and secret key of the connection {connection.label!r} in the admin", retryable=False
        )
    try:
        api_key = credential_decrypt(connection.api_key_encrypted)
        secret_key = credential_decrypt(connection.secret_key_encrypted)
    except CredentialsError as exc:
        raise BrokerError(exc.message, retryable=False) from exc
    base_url = connection.base_url.rstrip("/").removesuffix("/v2") or ALPACA_TRADING_ENDPOINTS[connection.environment]
    return AlpacaBroker(api_key, secret_key, paper=connection.paper, url_override=base_url)
