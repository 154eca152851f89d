"""Ledger entries for engine tests, written the way a ledger file reads: amounts as strings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from harvesting.engine.lots import Action, LedgerEntry


def entry(
    row: int,
    action: Action,
    on: date,
    quantity: str,
    price: str,
    *,
    fees: str = "0",
    account: str = "A1",
    symbol: str = "XYZ",
    lot: str = "",
    cost_basis: str | None = None,
    acquired: date | None = None,
) -> LedgerEntry:
    return LedgerEntry(
        row=row,
        account=account,
        symbol=symbol,
        action=action,
        trade_date=on,
        quantity=Decimal(quantity),
        price=Decimal(price),
        fees=Decimal(fees),
        lot=lot,
        cost_basis=None if cost_basis is None else Decimal(cost_basis),
        acquired=acquired,
    )


def acting(action: Action, symbol: str = "XYZ") -> Callable[..., LedgerEntry]:
    """Return a helper like ``buy(row, on, quantity, price, **options)`` with ``symbol`` as its default."""

    def make(row: int, on: date, quantity: str, price: str, **options: object) -> LedgerEntry:
        options.setdefault("symbol", symbol)
        return entry(row, action, on, quantity, price, **options)  # type: ignore[arg-type]

    return make
