"""The broker interface: what the execution service needs from any broker, paper or real.

Every order carries the caller's idempotency key as the broker's client order id, so that after a
crash or a timeout the order is found again by that key instead of being submitted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class BrokerOrderStatus(StrEnum):
    """The broker's view of an order, reduced to what the ledger needs."""

    ACCEPTED = "accepted"  # received, not filled yet (includes queued until the market opens)
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def final(self) -> bool:
        return self in (BrokerOrderStatus.FILLED, BrokerOrderStatus.REJECTED, BrokerOrderStatus.CANCELLED,
                        BrokerOrderStatus.EXPIRED)  # fmt: skip


class BrokerError(Exception):
    """A broker call failed. ``retryable`` says whether trying the same call again may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class OrderNotFound(BrokerError):
    """No order has this client order id: it never reached the broker."""

    def __init__(self, client_order_id: str) -> None:
        super().__init__(f"no order with client order id {client_order_id}", retryable=False)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A market order. ``quantity`` may be fractional; ``client_order_id`` is the idempotency key."""

    client_order_id: str
    symbol: str
    side: Side
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class BrokerOrder:
    """An order as the broker reports it; ``filled_quantity`` at ``average_price`` so far."""

    broker_order_id: str
    client_order_id: str
    symbol: str
    side: Side
    quantity: Decimal
    status: BrokerOrderStatus
    filled_quantity: Decimal = Decimal(0)
    average_price: Decimal | None = None
    reason: str = ""
    submitted_at: datetime | None = None
    filled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BrokerPosition:
    symbol: str
    quantity: Decimal
    market_value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AccountStatus:
    account_number: str
    cash: Decimal
    buying_power: Decimal
    trading_blocked: bool = False
    market_open: bool = True
    notes: list[str] = field(default_factory=list)


class Broker(Protocol):
    """What execution needs. Implementations: ``brokers.paper.PaperBroker``, ``brokers.alpaca.AlpacaBroker``."""

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """Submit, or return the existing order if this client order id was submitted before."""
        ...

    def get_order(self, client_order_id: str) -> BrokerOrder:
        """Look an order up by its client order id; raise OrderNotFound if it never arrived."""
        ...

    def cancel_order(self, client_order_id: str) -> BrokerOrder: ...

    def list_positions(self) -> list[BrokerPosition]: ...

    def account_status(self) -> AccountStatus: ...
