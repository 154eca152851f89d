"""Replay a household's ledger into open tax lots, realized sales and wash-sale adjustments.

Buys, dividend reinvestments and transfers-in open lots; sells relieve them by specific
identification (the sell names a lot) or by the account's method (FIFO by acquisition date, or
HIFO). Every account of the household is replayed together, because the wash-sale rule
(IRC §1091; Treas. Reg. §1.1091-1 and -2; IRS Publication 550) looks across all of them:

- A loss on a sale in a taxable account is disallowed to the extent that substantially identical
  shares (the same symbol, or one the firm puts in the same identity group) are acquired within
  30 days before or after the sale, in any account of the household.
- Losses are matched in order of sale (within one sale, in order of the sold lots' acquisition);
  replacement shares in order of acquisition. A replacement share absorbs at most one loss. The
  shares sold, and other shares of the same purchase, are never their own replacement. Shares
  bought before the sale count only while they are still held at the sale.
- Only the matched share count is disallowed (a partial wash sale splits the replacement lot).
  The disallowed loss is added to the replacement's basis and its holding period starts as many
  days before its acquisition as the sold shares were held; chains follow by themselves.
- A replacement bought in an IRA or Roth IRA disallows the loss for good: no basis changes
  (Rev. Rul. 2008-5). Sales inside tax-deferred accounts realize nothing reportable.
- Gains are never affected.

Amounts are Decimal dollars, quantities Decimal shares (fractions allowed). A sale's proceeds are
quantity x price less fees; a purchase's basis is quantity x price plus fees; both to the cent,
half up. Splitting a lot or a loss prorates cents so that the parts always add up to the whole.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from harvesting.engine.holding import days_held, is_long_term
from harvesting.engine.money import ZERO, prorate, to_cents

WINDOW = timedelta(days=30)


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
    """An open lot (or the part of one that a wash sale split off).

    ``adjustment`` is the disallowed loss added to the basis by wash sales, already in ``cost_basis``.
    """

    account: str
    symbol: str
    lot: str
    quantity: Decimal
    cost_basis: Decimal
    acquired: date
    holding_start: date
    adjustment: Decimal = ZERO

    @property
    def basis_per_share(self) -> Decimal:
        return self.cost_basis / self.quantity


@dataclass(frozen=True, slots=True)
class Sale:
    """The part of one lot that one sell closed, as Form 8949 reports it.

    ``adjustment`` is the wash-sale loss disallowed (Form 8949 column (g), code W); the reported
    gain or loss is proceeds - cost basis + adjustment. Sales in tax-deferred accounts are kept for
    the record but are not reportable.
    """

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
    adjustment: Decimal = ZERO
    tax_deferred: bool = False

    @property
    def code(self) -> str:
        return "W" if self.adjustment else ""

    @property
    def gain_loss(self) -> Decimal:
        return self.proceeds - self.cost_basis + self.adjustment

    @property
    def long_term(self) -> bool:
        return is_long_term(self.holding_start, self.sold)

    @property
    def days_held(self) -> int:
        return days_held(self.holding_start, self.sold)


@dataclass(frozen=True, slots=True)
class WashSale:
    """Shares of one purchase that absorbed (part of) the loss of one sale."""

    sale_row: int
    replacement_row: int
    replacement_account: str
    symbol: str
    shares: Decimal
    disallowed: Decimal
    permanent: bool


@dataclass(frozen=True, slots=True)
class Replay:
    open_lots: tuple[OpenLot, ...]
    sales: tuple[Sale, ...]
    wash_sales: tuple[WashSale, ...] = ()


class _Lot:
    """A mutable open lot during the replay. ``purchase`` identifies the acquisition it came from."""

    __slots__ = (
        "account",
        "acquired",
        "adjustment",
        "basis",
        "holding_start",
        "name",
        "purchase",
        "quantity",
        "replacement",
        "selling",
        "symbol",
    )

    def __init__(
        self,
        account: str,
        symbol: str,
        name: str,
        purchase: int,
        quantity: Decimal,
        basis: Decimal,
        acquired: date,
        holding_start: date,
        adjustment: Decimal = ZERO,
        replacement: bool = False,
    ) -> None:
        self.account = account
        self.symbol = symbol
        self.name = name
        self.purchase = purchase
        self.quantity = quantity
        self.basis = basis
        self.acquired = acquired
        self.holding_start = holding_start
        self.adjustment = adjustment
        self.replacement = replacement
        self.selling = False


class _Acquisition:
    """A purchase known before it is replayed, so that a loss can claim shares bought after it."""

    __slots__ = ("acquired", "available", "index", "pending")

    def __init__(self, index: int, acquired: date, quantity: Decimal) -> None:
        self.index = index
        self.acquired = acquired
        self.available = quantity
        # (shares, basis added, days tacked on, permanent) for each loss this purchase absorbs.
        self.pending: list[tuple[Decimal, Decimal, int, bool]] = []


class _Position:
    """The open lots of one security in one account, in the order they were opened."""

    __slots__ = ("lots", "names_used", "tax_deferred")

    def __init__(self, tax_deferred: bool) -> None:
        self.lots: list[_Lot] = []
        self.names_used: set[str] = set()
        self.tax_deferred = tax_deferred


class _Upcoming:
    """The purchases of one identity group not yet replayed, in replay order."""

    __slots__ = ("acquisitions", "next")

    def __init__(self) -> None:
        self.acquisitions: list[_Acquisition] = []
        self.next = 0


def replay_ledger(
    entries: Iterable[LedgerEntry],
    relief_methods: Mapping[str, ReliefMethod] | None = None,
    problems: list[LedgerError] | None = None,
    *,
    tax_deferred: Collection[str] = (),
    identity: Mapping[str, str] | None = None,
) -> Replay:
    """Replay one household's ``entries`` in date order (same-day entries in the order given).

    ``relief_methods`` maps an account to its lot-relief method (FIFO where absent);
    ``tax_deferred`` names the IRA and Roth IRA accounts; ``identity`` maps a symbol to its
    substantially-identical group (a symbol absent from it is identical only to itself).

    An entry that cannot happen (a sell of more than is held, a sell of a lot that is not open, a
    lot name used twice in one position, a quantity that is not positive) raises ``LedgerError``;
    when a ``problems`` list is given instead, the error is appended to it and the entry skipped,
    so an importer can report every bad row at once.
    """
    return _Replayer(
        sorted(entries, key=lambda e: e.trade_date),
        relief_methods or {},
        frozenset(tax_deferred),
        identity or {},
    ).run(problems)


class _Replayer:
    def __init__(
        self,
        entries: list[LedgerEntry],
        methods: Mapping[str, ReliefMethod],
        tax_deferred: frozenset[str],
        identity: Mapping[str, str],
    ) -> None:
        self.entries = entries
        self.methods = methods
        self.tax_deferred = tax_deferred
        self.identity = identity
        self.positions: dict[tuple[str, str], _Position] = {}
        self.group_positions: dict[str, list[_Position]] = {}
        self.upcoming: dict[str, _Upcoming] = {}
        self.acquisitions: dict[int, _Acquisition] = {}
        self.sales: list[Sale] = []
        self.wash_sales: list[WashSale] = []
        for index, entry in enumerate(entries):
            if entry.action is not Action.SELL and entry.quantity > ZERO:
                acquisition = _Acquisition(index, entry.acquired or entry.trade_date, entry.quantity)
                self.acquisitions[index] = acquisition
                self._upcoming(entry.symbol).acquisitions.append(acquisition)

    def _group(self, symbol: str) -> str:
        return self.identity.get(symbol, symbol)

    def _upcoming(self, symbol: str) -> _Upcoming:
        group = self._group(symbol)
        upcoming = self.upcoming.get(group)
        if upcoming is None:
            upcoming = self.upcoming[group] = _Upcoming()
        return upcoming

    def _position(self, account: str, symbol: str) -> _Position:
        position = self.positions.get((account, symbol))
        if position is None:
            position = self.positions[(account, symbol)] = _Position(account in self.tax_deferred)
            self.group_positions.setdefault(self._group(symbol), []).append(position)
        return position

    def run(self, problems: list[LedgerError] | None) -> Replay:
        for index, entry in enumerate(self.entries):
            position = self._position(entry.account, entry.symbol)
            try:
                _check_amounts(entry)
                if entry.action is Action.SELL:
                    self._sell(position, entry)
                else:
                    self._open(position, index, entry)
            except LedgerError as error:
                if problems is None:
                    raise
                problems.append(error)
        open_lots = tuple(
            OpenLot(
                account=lot.account,
                symbol=lot.symbol,
                lot=lot.name,
                quantity=lot.quantity,
                cost_basis=lot.basis,
                acquired=lot.acquired,
                holding_start=lot.holding_start,
                adjustment=lot.adjustment,
            )
            for position in self.positions.values()
            for lot in position.lots
        )
        return Replay(open_lots=open_lots, sales=tuple(self.sales), wash_sales=tuple(self.wash_sales))

    # --- opening lots ----------------------------------------------------------------------------

    def _open(self, position: _Position, index: int, entry: LedgerEntry) -> None:
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
        upcoming = self._upcoming(entry.symbol)
        acquisition = upcoming.acquisitions[upcoming.next]
        upcoming.next += 1
        quantity = entry.quantity
        for matched, added, tacked, permanent in acquisition.pending:
            part = prorate(basis, matched, quantity)
            basis -= part
            quantity -= matched
            position.lots.append(
                _Lot(
                    entry.account,
                    entry.symbol,
                    name,
                    index,
                    matched,
                    part if permanent else part + added,
                    acquired,
                    acquired if permanent else acquired - timedelta(days=tacked),
                    ZERO if permanent else added,
                    replacement=True,
                )
            )
        if quantity > ZERO:
            position.lots.append(_Lot(entry.account, entry.symbol, name, index, quantity, basis, acquired, acquired))

    # --- selling ---------------------------------------------------------------------------------

    def _sell(self, position: _Position, entry: LedgerEntry) -> None:
        chosen = self._relief_order(position, entry)
        proceeds_left = to_cents(entry.quantity * entry.price - entry.fees)
        to_sell = entry.quantity
        portions: list[tuple[_Lot, Decimal, Decimal, Decimal]] = []
        for lot in chosen:
            if to_sell == ZERO:
                break
            taken = min(lot.quantity, to_sell)
            basis = prorate(lot.basis, taken, lot.quantity)
            proceeds = prorate(proceeds_left, taken, to_sell)
            proceeds_left -= proceeds
            to_sell -= taken
            portions.append((lot, taken, basis, proceeds))
            lot.selling = True
        for lot, taken, basis, _ in portions:
            self._reduce(position, lot, taken, basis)
        # Losses within one sale are matched in order of the sold shares' acquisition.
        for lot, taken, basis, proceeds in sorted(portions, key=lambda p: p[0].acquired):
            loss = basis - proceeds
            adjustment = ZERO
            if loss > ZERO and not position.tax_deferred:
                adjustment = self._wash(entry, lot, taken, loss)
            self.sales.append(
                Sale(
                    row=entry.row,
                    account=lot.account,
                    symbol=lot.symbol,
                    lot=lot.name,
                    quantity=taken,
                    acquired=lot.acquired,
                    holding_start=lot.holding_start,
                    sold=entry.trade_date,
                    proceeds=proceeds,
                    cost_basis=basis,
                    adjustment=adjustment,
                    tax_deferred=position.tax_deferred,
                )
            )
        for lot, *_ in portions:
            lot.selling = False

    def _relief_order(self, position: _Position, entry: LedgerEntry) -> list[_Lot]:
        held = sum((lot.quantity for lot in position.lots), ZERO)
        if entry.quantity > held:
            raise LedgerError(
                entry.row,
                f"sells {shares(entry.quantity)} {entry.symbol} in {entry.account} but only {shares(held)} are held",
            )
        if entry.lot:
            named = [lot for lot in position.lots if lot.name == entry.lot]
            if not named:
                raise LedgerError(entry.row, f"no open lot {entry.lot!r} of {entry.symbol} in {entry.account}")
            in_lot = shares(sum((lot.quantity for lot in named), ZERO))
            if entry.quantity > Decimal(in_lot):
                raise LedgerError(
                    entry.row,
                    f"sells {shares(entry.quantity)} {entry.symbol} from lot {entry.lot!r}, which holds {in_lot}",
                )
            return named
        if self.methods.get(entry.account, ReliefMethod.FIFO) is ReliefMethod.HIFO:
            return sorted(position.lots, key=lambda lot: (-lot.basis / lot.quantity, lot.acquired))
        return sorted(position.lots, key=lambda lot: lot.acquired)

    @staticmethod
    def _reduce(position: _Position, lot: _Lot, quantity: Decimal, basis: Decimal) -> None:
        if quantity == lot.quantity:
            position.lots.remove(lot)
            return
        adjustment_sold = prorate(lot.adjustment, quantity, lot.quantity)
        lot.quantity -= quantity
        lot.basis -= basis
        lot.adjustment -= adjustment_sold

    # --- wash sales ------------------------------------------------------------------------------

    def _wash(self, entry: LedgerEntry, sold: _Lot, quantity: Decimal, loss: Decimal) -> Decimal:
        """Match ``quantity`` sold shares at ``loss`` with replacements; return the loss disallowed."""
        sale_date = entry.trade_date
        matches: list[tuple[_Lot | _Acquisition, Decimal]] = []
        need = quantity
        for candidate in self._candidates(sold, sale_date):
            available = candidate.available if isinstance(candidate, _Acquisition) else candidate.quantity
            take = min(need, available)
            matches.append((candidate, take))
            need -= take
            if need == ZERO:
                break
        if not matches:
            return ZERO
        matched = quantity - need
        disallowed = prorate(loss, matched, quantity)
        tacked = (sale_date - sold.holding_start).days
        left, shares_left = disallowed, matched
        for candidate, take in matches:
            part = prorate(left, take, shares_left)
            left -= part
            shares_left -= take
            if isinstance(candidate, _Acquisition):
                replacement_entry = self.entries[candidate.index]
                permanent = replacement_entry.account in self.tax_deferred
                candidate.available -= take
                candidate.pending.append((take, part, tacked, permanent))
                account, row = replacement_entry.account, replacement_entry.row
            else:
                permanent = self._position(candidate.account, candidate.symbol).tax_deferred
                self._absorb(candidate, take, part, tacked, permanent)
                account, row = candidate.account, self.entries[candidate.purchase].row
            self.wash_sales.append(
                WashSale(
                    sale_row=entry.row,
                    replacement_row=row,
                    replacement_account=account,
                    symbol=sold.symbol,
                    shares=take,
                    disallowed=part,
                    permanent=permanent,
                )
            )
        return disallowed

    def _candidates(self, sold: _Lot, sale_date: date) -> Iterator[_Lot | _Acquisition]:
        """Yield the shares that can replace ``sold``: held ones bought in the 30 days before the
        sale, then purchases not yet replayed up to 30 days after it, in order of acquisition."""
        group = self._group(sold.symbol)
        earliest = sale_date - WINDOW
        held = [
            lot
            for position in self.group_positions.get(group, ())
            for lot in position.lots
            if lot.acquired >= earliest and not lot.replacement and not lot.selling and lot.purchase != sold.purchase
        ]
        held.sort(key=lambda lot: (lot.acquired, lot.purchase))
        yield from held
        upcoming = self.upcoming.get(group)
        if upcoming is None:
            return
        latest = sale_date + WINDOW
        for acquisition in upcoming.acquisitions[upcoming.next :]:
            if acquisition.acquired > latest:
                break
            if acquisition.available > ZERO and acquisition.acquired >= earliest:
                yield acquisition

    def _absorb(self, lot: _Lot, take: Decimal, added: Decimal, tacked: int, permanent: bool) -> None:
        """Make ``take`` shares of a held lot a replacement, splitting the lot when only part of it is."""
        position = self._position(lot.account, lot.symbol)
        if take < lot.quantity:
            part_basis = prorate(lot.basis, take, lot.quantity)
            part_adjustment = prorate(lot.adjustment, take, lot.quantity)
            rest = _Lot(
                lot.account,
                lot.symbol,
                lot.name,
                lot.purchase,
                lot.quantity - take,
                lot.basis - part_basis,
                lot.acquired,
                lot.holding_start,
                lot.adjustment - part_adjustment,
            )
            lot.quantity, lot.basis, lot.adjustment = take, part_basis, part_adjustment
            position.lots.insert(position.lots.index(lot) + 1, rest)
        lot.replacement = True
        if not permanent:
            lot.basis += added
            lot.adjustment += added
            lot.holding_start = lot.acquired - timedelta(days=tacked)


def _check_amounts(entry: LedgerEntry) -> None:
    if entry.quantity <= ZERO:
        raise LedgerError(entry.row, f"quantity must be more than zero; got {shares(entry.quantity)}")
    if entry.price < ZERO or entry.fees < ZERO:
        raise LedgerError(entry.row, "price and fees must not be negative")


def _next_lot_name(position: _Position, acquired: date) -> str:
    stem = acquired.isoformat()
    name, n = stem, 1
    while name in position.names_used:
        n += 1
        name = f"{stem}-{n}"
    return name
