"""Replay a ledger of transactions into open tax lots and the sales that closed them.

This is the lot-relief core: buys, dividend reinvestments and transfers-in open lots; sells relieve
them by specific identification (the sell names a lot) or by the account's method. The wash-sale
adjustments of IRC §1091 are layered on the sales this produces.

Amounts are Decimal dollars, quantities Decimal shares (fractions allowed). A sale's proceeds are
quantity x price less fees; a purchase's basis is quantity x price plus fees; both to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from harvesting.engine.holding import days_held, is_long_term
from harvesting.engine.money import ZERO, prorate, to_cents


class Action(StrEnum):
    BUY = "buy"
    SELL = "sell"
    REINVEST = "reinvest"
    TRANSFER_IN = "transfer_in"


class ReliefMethod(StrEnum):
    FIFO = "fifo"
    HIFO = "hifo"


def shares(quantity: Decimal) -> str:
    """Write a share count without exponent or trailing zeros: 12.50000000 -> 12.5."""
    text = f"{quantity:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class LedgerError(ValueError):
    """A ledger that cannot be replayed, naming the caller's row reference and why."""

    def __init__(self, row: int, reason: str) -> None:
        super().__init__(f"row {row}: {reason}")
        self.row = row
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One transaction. ``row`` is the caller's reference (a file row or a database id)."""

    row: int
    account: str
    symbol: str
    action: Action
    trade_date: date
    quantity: Decimal
    price: Decimal
    fees: Decimal = ZERO
    lot: str = ""
    cost_basis: Decimal | None = None
    acquired: date | None = None


@dataclass(frozen=True, slots=True)
class OpenLot:
    account: str
    symbol: str
    lot: str
    quantity: Decimal
    cost_basis: Decimal
    acquired: date
    holding_start: date

    @property
    def basis_per_share(self) -> Decimal:
        return self.cost_basis / self.quantity


@dataclass(frozen=True, slots=True)
class Sale:
    """The part of one lot that one sell closed."""

    row: int
    account: str
    symbol: str
    lot: str
    quantity: Decimal
    acquired: date
    holding_start: date
    sold: date
    proceeds: Decimal
    cost_basis: Decimal

    @property
    def gain_loss(self) -> Decimal:
        return self.proceeds - self.cost_basis

    @property
    def long_term(self) -> bool:
        return is_long_term(self.holding_start, self.sold)

    @property
    def days_held(self) -> int:
        return days_held(self.holding_start, self.sold)


@dataclass(frozen=True, slots=True)
class Replay:
    open_lots: tuple[OpenLot, ...]
    sales: tuple[Sale, ...]


@dataclass(slots=True)
class _Position:
    """The open lots of one security in one account, in the order they were opened."""

    lots: list[OpenLot] = field(default_factory=list)
    names_used: set[str] = field(default_factory=set)

    @property
    def quantity(self) -> Decimal:
        return sum((lot.quantity for lot in self.lots), ZERO)


def replay_ledger(
    entries: Iterable[LedgerEntry],
    relief_methods: Mapping[str, ReliefMethod] | None = None,
    problems: list[LedgerError] | None = None,
) -> Replay:
    """Replay ``entries`` in date order (same-day entries in the order given).

    ``relief_methods`` maps an account to its lot-relief method; FIFO where absent. An entry that
    cannot happen (a sell of more than is held, a sell of a lot that is not open, a lot name used
    twice in one position) raises ``LedgerError``; when a ``problems`` list is given instead, the
    error is appended to it and the entry skipped, so an importer can report every bad row at once.
    """
    methods = relief_methods or {}
    positions: dict[tuple[str, str], _Position] = {}
    sales: list[Sale] = []
    for entry in sorted(entries, key=lambda e: e.trade_date):
        position = positions.setdefault((entry.account, entry.symbol), _Position())
        try:
            _check_amounts(entry)
            if entry.action is Action.SELL:
                sales.extend(_sell(position, entry, methods.get(entry.account, ReliefMethod.FIFO)))
            else:
                _open(position, entry)
        except LedgerError as error:
            if problems is None:
                raise
            problems.append(error)
    open_lots = tuple(lot for position in positions.values() for lot in position.lots)
    return Replay(open_lots=open_lots, sales=tuple(sales))


def _check_amounts(entry: LedgerEntry) -> None:
    if entry.quantity <= ZERO:
        raise LedgerError(entry.row, f"quantity must be more than zero; got {shares(entry.quantity)}")
    if entry.price < ZERO or entry.fees < ZERO:
        raise LedgerError(entry.row, "price and fees must not be negative")


def _open(position: _Position, entry: LedgerEntry) -> None:
    if entry.action is Action.TRANSFER_IN:
        if entry.cost_basis is None or entry.acquired is None:
            raise LedgerError(entry.row, "a transfer-in needs its cost basis and acquisition date")
        basis, acquired = to_cents(entry.cost_basis), entry.acquired
    else:
        basis, acquired = to_cents(entry.quantity * entry.price + entry.fees), entry.trade_date
    name = entry.lot or _next_lot_name(position, acquired)
    if name in position.names_used:
        raise LedgerError(entry.row, f"lot {name!r} already exists in {entry.account} {entry.symbol}")
    position.names_used.add(name)
    position.lots.append(
        OpenLot(
            account=entry.account,
            symbol=entry.symbol,
            lot=name,
            quantity=entry.quantity,
            cost_basis=basis,
            acquired=acquired,
            holding_start=acquired,
        )
    )


def _next_lot_name(position: _Position, acquired: date) -> str:
    stem = acquired.isoformat()
    name, n = stem, 1
    while name in position.names_used:
        n += 1
        name = f"{stem}-{n}"
    return name


def _sell(position: _Position, entry: LedgerEntry, method: ReliefMethod) -> list[Sale]:
    held = position.quantity
    if entry.quantity > held:
        raise LedgerError(
            entry.row,
            f"sells {shares(entry.quantity)} {entry.symbol} in {entry.account} but only {shares(held)} are held",
        )
    if entry.lot:
        chosen = [lot for lot in position.lots if lot.lot == entry.lot]
        if not chosen:
            raise LedgerError(entry.row, f"no open lot {entry.lot!r} of {entry.symbol} in {entry.account}")
        if entry.quantity > chosen[0].quantity:
            in_lot = shares(chosen[0].quantity)
            raise LedgerError(
                entry.row,
                f"sells {shares(entry.quantity)} {entry.symbol} from lot {entry.lot!r}, which holds {in_lot}",
            )
    elif method is ReliefMethod.HIFO:
        chosen = sorted(position.lots, key=lambda lot: (-lot.basis_per_share, lot.acquired))
    else:
        chosen = sorted(position.lots, key=lambda lot: lot.acquired)

    proceeds_left = to_cents(entry.quantity * entry.price - entry.fees)
    to_sell = entry.quantity
    sales: list[Sale] = []
    for lot in chosen:
        if to_sell == ZERO:
            break
        taken = min(lot.quantity, to_sell)
        basis = prorate(lot.cost_basis, taken, lot.quantity)
        proceeds = prorate(proceeds_left, taken, to_sell)
        proceeds_left -= proceeds
        to_sell -= taken
        sales.append(
            Sale(
                row=entry.row,
                account=lot.account,
                symbol=lot.symbol,
                lot=lot.lot,
                quantity=taken,
                acquired=lot.acquired,
                holding_start=lot.holding_start,
                sold=entry.trade_date,
                proceeds=proceeds,
                cost_basis=basis,
            )
        )
        _reduce(position, lot, taken, basis)
    return sales


def _reduce(position: _Position, lot: OpenLot, quantity: Decimal, basis: Decimal) -> None:
    index = position.lots.index(lot)
    if quantity == lot.quantity:
        del position.lots[index]
        return
    position.lots[index] = OpenLot(
        account=lot.account,
        symbol=lot.symbol,
        lot=lot.lot,
        quantity=lot.quantity - quantity,
        cost_basis=lot.cost_basis - basis,
        acquired=lot.acquired,
        holding_start=lot.holding_start,
    )
