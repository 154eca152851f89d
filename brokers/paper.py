"""The paper broker (the embedded default): fills market orders at the latest stored price, plus or minus
a half-spread, and keeps its orders in the database so a lost response is found again by client order id.

For tests and demos it can be told to fill only part of an order, to reject a symbol, or to lose its
answer (the order is recorded, then a retryable timeout is raised, as a real network failure would).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction

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
from brokers.models import PaperOrder

BASIS_POINT = Decimal("0.0001")
PRICE_PLACES = Decimal("0.000001")


@dataclass
class PaperBehaviour:
    """What the paper broker should do wrong, for tests and demos."""

    fill_fraction: Decimal = Decimal(1)  # of each order's quantity filled at once
    reject_symbols: set[str] = field(default_factory=set)
    lose_next_responses: int = 0  # record the order, then raise a retryable timeout


# The behaviour every PaperBroker made by the execution service uses; tests and demos change it.
behaviour = PaperBehaviour()


class PaperBroker:
    def __init__(
        self,
        price_of: Callable[[str], tuple[Decimal, datetime] | None],
        half_spread_bps: Decimal = Decimal("5"),
        behaviour: PaperBehaviour | None = None,
    ) -> None:
        self.price_of = price_of
        self.half_spread = half_spread_bps * BASIS_POINT
        self.behaviour = behaviour or PaperBehaviour()

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        existing = PaperOrder.objects.filter(client_order_id=request.client_order_id).first()
        if existing is not None:
            return _order(existing)
        order = self._execute(request)
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError:
            return _order(PaperOrder.objects.get(client_order_id=request.client_order_id))
        if self.behaviour.lose_next_responses > 0:
            self.behaviour.lose_next_responses -= 1
            raise BrokerError("paper broker: the response was lost (simulated timeout)", retryable=True)
        return _order(order)

    def _execute(self, request: OrderRequest) -> PaperOrder:
        order = PaperOrder(
            client_order_id=request.client_order_id,
            symbol=request.symbol,
            side=request.side.value,
            quantity=request.quantity,
        )
        quote = self.price_of(request.symbol)
        if request.symbol in self.behaviour.reject_symbols or quote is None:
            order.status = BrokerOrderStatus.REJECTED
            order.reason = "symbol not tradable" if quote is None else "rejected by the paper broker (simulated)"
            return order
        # It fills at the latest stored price, and when that price was: with the replay feed, "now" is
        # the replayed close, so the ledger dates the trade on the day whose price it got.
        price, priced_at = quote
        sign = 1 if request.side is Side.BUY else -1
        order.average_price = (price * (1 + sign * self.half_spread)).quantize(PRICE_PLACES, ROUND_HALF_UP)
        filled = (request.quantity * self.behaviour.fill_fraction).quantize(Decimal("0.00000001"))
        order.filled_quantity = filled
        order.status = BrokerOrderStatus.FILLED if filled == request.quantity else BrokerOrderStatus.PARTIALLY_FILLED
        order.filled_at = priced_at
        return order

    def get_order(self, client_order_id: str) -> BrokerOrder:
        order = PaperOrder.objects.filter(client_order_id=client_order_id).first()
        if order is None:
            raise OrderNotFound(client_order_id)
        return _order(order)

    def cancel_order(self, client_order_id: str) -> BrokerOrder:
        order = PaperOrder.objects.filter(client_order_id=client_order_id).first()
        if order is None:
            raise OrderNotFound(client_order_id)
        if order.status in (BrokerOrderStatus.ACCEPTED, BrokerOrderStatus.PARTIALLY_FILLED):
            order.status = BrokerOrderStatus.CANCELLED
            order.save(update_fields=["status"])
        return _order(order)

    def list_positions(self) -> list[BrokerPosition]:
        return []  # the paper broker keeps no positions: the platform's ledger is the book

    def account_status(self) -> AccountStatus:
        return AccountStatus("PAPER", Decimal(0), Decimal(0), market_open=True)


def _order(order: PaperOrder) -> BrokerOrder:
    return BrokerOrder(
        broker_order_id=f"paper-{order.pk}",
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=Side(order.side),
        quantity=order.quantity,
        status=BrokerOrderStatus(order.status),
        filled_quantity=order.filled_quantity,
        average_price=order.average_price,
        reason=order.reason,
        submitted_at=order.submitted_at,
        filled_at=order.filled_at,
    )
