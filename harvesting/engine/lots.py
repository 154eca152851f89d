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
  shares sold (by the same sell), and other shares of the same purchase, are never their own
  replacement.
- Shares bought in the 30 days before the sale count even when they were sold again before it: the
  statute asks only whether they were acquired in the window (``WashSaleReading.STATUTE``, the
  default). The narrower ``WashSaleReading.HELD_AT_SALE`` counts them only while they are still held
  at the sale. Within one purchase, the shares still held are matched before those sold earlier
  (in the order they were sold).
- Only the matched share count is disallowed (a partial wash sale splits the replacement lot).
  The disallowed loss is added to the replacement's basis and its holding period starts as many
  days before its acquisition as the sold shares were held; chains follow by themselves. When the
  replacement shares were already sold, the earlier sale's record takes the basis and the holding
  period (split in two when only part of it is matched); its own wash-sale matching is not redone.
- A replacement bought in an IRA or Roth IRA disallows the loss for good: no basis changes
  (Rev. Rul. 2008-5). Sales inside tax-deferred accounts realize nothing reportable.
- Gains are never affected.

Amounts are Decimal dollars, quantities Decimal shares (fractions allowed). A sale's proceeds are
quantity x price less fees; a purchase's basis is quantity x price plus fees; both to the cent,
half up. Splitting a lot or a loss prorates cents so that the parts always add up to the whole.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
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


class WashSaleReading(StrEnum):
    """Which shares bought in the 30 days before a loss sale can replace the shares sold."""

    # Any acquisition in the window counts, even of shares sold again since (IRC §1091(a)).
    STATUTE = "statute"
    # Earlier purchases count only while still held at the sale (less conservative).
    HELD_AT_SALE = "held_at_sale"


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
    ``purchase_row`` is the row of the entry that opened the lot: with the lot's place among that
    purchase's open parts, a stable identity that survives replays.
    """

    account: str
    symbol: str
    lot: str
    quantity: Decimal
    cost_basis: Decimal
    acquired: date
    holding_start: date
    adjustment: Decimal = ZERO
    purchase_row: int = field(default=0, compare=False)

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


class _Acquisition:
    """An acquisition known before it is replayed, so that a loss can claim shares bought after it.

    Everything about it that does not depend on the replay (its lot name, basis and date) is fixed
    up front, so an entry that is going to be rejected never becomes an acquisition at all.
    """

    __slots__ = ("acquired", "available", "basis", "index", "name", "pending")

    def __init__(self, index: int, name: str, acquired: date, quantity: Decimal, basis: Decimal) -> None:
        self.index = index
        self.name = name
        self.acquired = acquired
        self.available = quantity
        self.basis = basis
        # (shares, basis added, days tacked on, permanent) for each loss this purchase absorbs.
        self.pending: list[tuple[Decimal, Decimal, int, bool]] = []


class _SoldShares:
    """Shares sold before a later loss sale, which may still replace its shares (the statute reading).

    ``sale`` is the record of those not matched yet; ``None`` once every one has replaced a loss.
    Its first ``washed`` shares are those whose loss a wash sale disallowed, carrying its adjustment.
    """

    __slots__ = ("account", "acquired", "permanent", "purchase", "sale", "washed")

    def __init__(self, sold: _Lot, sale: Sale, permanent: bool, washed: Decimal) -> None:
        self.account = sold.account
        self.acquired = sold.acquired
        self.purchase = sold.purchase
        self.permanent = permanent
        self.sale: Sale | None = sale
        self.washed = washed

    @property
    def quantity(self) -> Decimal:
        return ZERO if self.sale is None else self.sale.quantity


class _Position:
    """The open lots of one security in one account, in the order they were opened."""

    __slots__ = ("held", "lots", "ordered", "tax_deferred")

    def __init__(self, tax_deferred: bool) -> None:
        self.lots: list[_Lot] = []
        self.tax_deferred = tax_deferred
        self.held = ZERO  # the sum of the lots' quantities
        self.ordered = True  # whether ``lots`` is in acquisition order (a transfer-in may break it)


class _GroupAcquisitions:
    """Every acquisition of one identity group, by acquisition date, for finding replacements."""

    __slots__ = ("dates", "items")

    def __init__(self) -> None:
        self.items: list[_Acquisition] = []
        self.dates: list[date] = []


def replay_ledger(
    entries: Iterable[LedgerEntry],
    relief_methods: Mapping[str, ReliefMethod] | None = None,
    problems: list[LedgerError] | None = None,
    *,
    tax_deferred: Collection[str] = (),
    identity: Mapping[str, str] | None = None,
    reading: WashSaleReading = WashSaleReading.STATUTE,
) -> Replay:
    """Replay one household's ``entries`` in date order (same-day entries in the order given).

    ``relief_methods`` maps an account to its lot-relief method (FIFO where absent);
    ``tax_deferred`` names the IRA and Roth IRA accounts; ``identity`` maps a symbol to its
    substantially-identical group (a symbol absent from it is identical only to itself);
    ``reading`` says whether shares bought before a loss sale and sold again before it can replace
    the shares it sells (see ``WashSaleReading``).

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
        reading,
    ).run(problems)


class _Replayer:
    def __init__(
        self,
        entries: list[LedgerEntry],
        methods: Mapping[str, ReliefMethod],
        tax_deferred: frozenset[str],
        identity: Mapping[str, str],
        reading: WashSaleReading,
    ) -> None:
        self.entries = entries
        self.statute = reading is WashSaleReading.STATUTE
        self.methods = methods
        self.tax_deferred = tax_deferred
        self.identity = identity
        self.positions: dict[tuple[str, str], _Position] = {}
        self.group_positions: dict[str, list[_Position]] = {}
        self.acquisitions: dict[int, _Acquisition] = {}
        self.rejected: dict[int, LedgerError] = {}
        self.by_group: dict[str, _GroupAcquisitions] = {}
        # Under the statute reading, each group's shares sold that may still replace a later loss.
        self.sold_by_group: dict[str, list[_SoldShares]] = {}
        self.sales: list[Sale] = []
        self.wash_sales: list[WashSale] = []
        self._current = -1
        self._index_acquisitions()

    def _index_acquisitions(self) -> None:
        """Check every opening entry and index the valid ones by group and acquisition date."""
        names_used: dict[tuple[str, str], set[str]] = {}
        stems: dict[date, str] = {}
        for index, entry in enumerate(self.entries):
            if entry.action is Action.SELL:
                continue
            try:
                if not (entry.quantity > ZERO and entry.price >= ZERO and entry.fees >= ZERO):
                    _check_amounts(entry)
                if entry.action is Action.TRANSFER_IN:
                    if entry.cost_basis is None or entry.acquired is None:
                        raise LedgerError(entry.row, "a transfer-in needs its cost basis and acquisition date")
                    basis, acquired = to_cents(entry.cost_basis), entry.acquired
                else:
                    basis, acquired = to_cents(entry.quantity * entry.price + entry.fees), entry.trade_date
                position_key = (entry.account, entry.symbol)
                used = names_used.get(position_key)
                if used is None:
                    used = names_used[position_key] = set()
                name = entry.lot
                if not name:
                    stem = stems.get(acquired)
                    if stem is None:
                        stem = stems[acquired] = acquired.isoformat()
                    name = stem if stem not in used else _next_lot_name(used, acquired)
                elif name in used:
                    raise LedgerError(entry.row, f"lot {name!r} already exists in {entry.account} {entry.symbol}")
            except LedgerError as error:
                self.rejected[index] = error
                continue
            used.add(name)
            self.acquisitions[index] = _Acquisition(index, name, acquired, entry.quantity, basis)
        # Acquisitions are in entry order, which is date order unless a transfer-in dates back.
        items = list(self.acquisitions.items())
        if any(items[i][1].acquired > items[i + 1][1].acquired for i in range(len(items) - 1)):
            items.sort(key=lambda item: (item[1].acquired, item[0]))
        by_group = self.by_group
        identity = self.identity
        entries = self.entries
        for index, acquisition in items:
            symbol = entries[index].symbol
            group_key = identity.get(symbol, symbol)
            group = by_group.get(group_key)
            if group is None:
                group = by_group[group_key] = _GroupAcquisitions()
            group.items.append(acquisition)
            group.dates.append(acquisition.acquired)

    def _group(self, symbol: str) -> str:
        return self.identity.get(symbol, symbol)

    def _position(self, account: str, symbol: str) -> _Position:
        position = self.positions.get((account, symbol))
        if position is None:
            position = self.positions[(account, symbol)] = _Position(account in self.tax_deferred)
            self.group_positions.setdefault(self._group(symbol), []).append(position)
        return position

    def run(self, problems: list[LedgerError] | None) -> Replay:
        positions = self.positions
        for index, entry in enumerate(self.entries):
            position = positions.get((entry.account, entry.symbol)) or self._position(entry.account, entry.symbol)
            try:
                if entry.action is Action.SELL:
                    if not (entry.quantity > ZERO and entry.price >= ZERO and entry.fees >= ZERO):
                        _check_amounts(entry)
                    self._current = index
                    self._sell(position, entry)
                elif index in self.rejected:
                    raise self.rejected[index]
                else:
                    self._open(position, self.acquisitions[index], entry)
            except LedgerError as error:
                if problems is None:
                    raise
                problems.append(error)
        open_lots = tuple(
            [
                OpenLot(
                    lot.account,
                    lot.symbol,
                    lot.name,
                    lot.quantity,
                    lot.basis,
                    lot.acquired,
                    lot.holding_start,
                    lot.adjustment,
                    self.entries[lot.purchase].row,
                )
                for position in self.positions.values()
                for lot in position.lots
            ]
        )
        return Replay(open_lots=open_lots, sales=tuple(self.sales), wash_sales=tuple(self.wash_sales))

    # --- opening lots ----------------------------------------------------------------------------

    def _open(self, position: _Position, acquisition: _Acquisition, entry: LedgerEntry) -> None:
        """Open the acquisition's lot, split into the parts that absorbed earlier losses and the rest."""
        name, acquired, basis, quantity = acquisition.name, acquisition.acquired, acquisition.basis, entry.quantity
        if position.lots and position.lots[-1].acquired > acquired:
            position.ordered = False
        position.held += quantity
        for matched, added, tacked, permanent in acquisition.pending:
            part = prorate(basis, matched, quantity)
            basis -= part
            quantity -= matched
            position.lots.append(
                _Lot(
                    entry.account,
                    entry.symbol,
                    name,
                    acquisition.index,
                    matched,
                    part if permanent else part + added,
                    acquired,
                    acquired if permanent else acquired - timedelta(days=tacked),
                    ZERO if permanent else added,
                    replacement=True,
                )
            )
        if quantity > ZERO:
            position.lots.append(
                _Lot(entry.account, entry.symbol, name, acquisition.index, quantity, basis, acquired, acquired)
            )

    # --- selling ---------------------------------------------------------------------------------

    def _sell(self, position: _Position, entry: LedgerEntry) -> None:
        chosen = self._relief_order(position, entry)
        proceeds_left = to_cents(entry.quantity * entry.price - entry.fees)
        to_sell = entry.quantity
        # Each sold part is detached from its lot before any matching, so that a later match that
        # changes what remains of the lot (it may replace an earlier portion's loss) leaves it alone.
        sold_parts: list[tuple[_Lot, Decimal]] = []
        for lot in chosen:
            if to_sell == ZERO:
                break
            taken = min(lot.quantity, to_sell)
            proceeds = prorate(proceeds_left, taken, to_sell)
            proceeds_left -= proceeds
            to_sell -= taken
            sold_parts.append((self._detach(position, lot, taken), proceeds))
        # Losses within one sale are matched in order of the sold shares' acquisition.
        if len(sold_parts) > 1 and not (
            position.ordered and not entry.lot and self.methods.get(entry.account) is not ReliefMethod.HIFO
        ):
            sold_parts.sort(key=lambda part: part[0].acquired)
        recorded: list[tuple[_Lot, Sale, Decimal]] = []
        for sold, proceeds in sold_parts:
            loss = sold.basis - proceeds
            adjustment = washed = ZERO
            if loss > ZERO and not position.tax_deferred:
                adjustment, washed = self._wash(entry, sold, loss)
            sale = Sale(
                entry.row,
                sold.account,
                sold.symbol,
                sold.name,
                sold.quantity,
                sold.acquired,
                sold.holding_start,
                entry.trade_date,
                proceeds,
                sold.basis,
                adjustment,
                position.tax_deferred,
            )
            self.sales.append(sale)
            recorded.append((sold, sale, washed))
        if self.statute:
            # Registered only now, so that the shares of one sell never replace each other.
            self.sold_by_group.setdefault(self._group(entry.symbol), []).extend(
                _SoldShares(sold, sale, position.tax_deferred, washed)
                for sold, sale, washed in recorded
                if not sold.replacement
            )

    def _relief_order(self, position: _Position, entry: LedgerEntry) -> list[_Lot]:
        held = position.held
        if entry.quantity > held:
            raise LedgerError(
                entry.row,
                f"sells {shares(entry.quantity)} {entry.symbol} in {entry.account} but only {shares(held)} are held",
            )
        if entry.lot:
            named = [lot for lot in position.lots if lot.name == entry.lot]
            if not named:
                raise LedgerError(entry.row, f"no open lot {entry.lot!r} of {entry.symbol} in {entry.account}")
            in_lot = sum((lot.quantity for lot in named), ZERO) if len(named) > 1 else named[0].quantity
            if entry.quantity > in_lot:
                holds = shares(in_lot)
                raise LedgerError(
                    entry.row,
                    f"sells {shares(entry.quantity)} {entry.symbol} from lot {entry.lot!r}, which holds {holds}",
                )
            return named
        if self.methods.get(entry.account, ReliefMethod.FIFO) is ReliefMethod.HIFO:
            return sorted(position.lots, key=lambda lot: (-lot.basis / lot.quantity, lot.acquired))
        if position.ordered:
            return position.lots[:]
        return sorted(position.lots, key=lambda lot: lot.acquired)

    @staticmethod
    def _detach(position: _Position, lot: _Lot, quantity: Decimal) -> _Lot:
        """Take ``quantity`` shares out of ``lot`` (all of it: remove it) and return them as a lot."""
        position.held -= quantity
        if quantity == lot.quantity:
            position.lots.remove(lot)
            return lot
        basis = prorate(lot.basis, quantity, lot.quantity)
        adjustment = prorate(lot.adjustment, quantity, lot.quantity)
        lot.quantity -= quantity
        lot.basis -= basis
        lot.adjustment -= adjustment
        return _Lot(
            lot.account,
            lot.symbol,
            lot.name,
            lot.purchase,
            quantity,
            basis,
            lot.acquired,
            lot.holding_start,
            adjustment,
            lot.replacement,
        )

    # --- wash sales ------------------------------------------------------------------------------

    def _wash(self, entry: LedgerEntry, sold: _Lot, loss: Decimal) -> tuple[Decimal, Decimal]:
        """Match the ``sold`` shares, sold at ``loss``, with replacements; return the loss disallowed
        and the number of shares matched.
        """
        sale_date = entry.trade_date
        quantity = sold.quantity
        matches: list[tuple[_Lot | _Acquisition | _SoldShares, Decimal]] = []
        need = quantity
        for candidate in self._candidates(sold, sale_date):
            available = candidate.available if isinstance(candidate, _Acquisition) else candidate.quantity
            take = min(need, available)
            matches.append((candidate, take))
            need -= take
            if need == ZERO:
                break
        if not matches:
            return ZERO, ZERO
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
            elif isinstance(candidate, _SoldShares):
                permanent = candidate.permanent
                self._absorb_sold(candidate, take, part, tacked)
                account, row = candidate.account, self.entries[candidate.purchase].row
            else:
                permanent = self._position(candidate.account, candidate.symbol).tax_deferred
                self._absorb(candidate, take, part, tacked, permanent)
                account, row = candidate.account, self.entries[candidate.purchase].row
            self.wash_sales.append(WashSale(entry.row, row, account, sold.symbol, take, part, permanent))
        return disallowed, matched

    def _candidates(self, sold: _Lot, sale_date: date) -> list[_Lot | _Acquisition | _SoldShares]:
        """Return the shares that can replace ``sold``, in order of acquisition: those held now and
        bought from 30 days before the sale, and those bought (not yet replayed) up to 30 days after;
        under the statute reading also those bought from 30 days before and sold by an earlier sell,
        after the held shares of the same purchase.

        The shares of this sell are gone from the held lots already and not yet among those sold;
        shares of the sold lot's own purchase never count; a share that absorbed a loss before never
        absorbs another.
        """
        group = self._group(sold.symbol)
        earliest, latest = sale_date - WINDOW, sale_date + WINDOW
        found: list[tuple[date, int, _Lot | _Acquisition | _SoldShares]] = []
        purchase = sold.purchase
        for position in self.group_positions.get(group, ()):
            lots = position.lots
            start = 0
            if position.ordered:  # only the lots of the last 30 days: walk back from the newest
                start = len(lots)
                while start and lots[start - 1].acquired >= earliest:
                    start -= 1
            for i in range(start, len(lots)):
                lot = lots[i]
                if earliest <= lot.acquired <= latest and not lot.replacement and lot.purchase != purchase:
                    found.append((lot.acquired, lot.purchase, lot))
        acquisitions = self.by_group.get(group)
        if acquisitions is not None:
            for position_in_group in range(bisect_left(acquisitions.dates, earliest), len(acquisitions.dates)):
                acquisition = acquisitions.items[position_in_group]
                if acquisition.acquired > latest:
                    break
                if acquisition.index > self._current and acquisition.available > ZERO:
                    found.append((acquisition.acquired, acquisition.index, acquisition))
        sold_before = self.sold_by_group.get(group)
        if sold_before:
            # Sales come in date order, so shares acquired before this window never count again.
            sold_before[:] = [item for item in sold_before if item.sale is not None and item.acquired >= earliest]
            found.extend(
                (item.acquired, item.purchase, item)
                for item in sold_before
                if item.acquired <= latest and item.purchase != purchase
            )
        # Stable: within one purchase the held shares (found first) come before those sold earlier.
        found.sort(key=lambda item: (item[0], item[1]))
        return [candidate for _, _, candidate in found]

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

    def _absorb_sold(self, sold: _SoldShares, take: Decimal, added: Decimal, tacked: int) -> None:
        """Make the first ``take`` of the shares sold earlier a replacement: their sale's record takes the
        added basis and the tacked holding period, split from the rest of the record when only part is
        matched (the shares whose own loss was washed, and its adjustment, come first).
        """
        sale = sold.sale
        if sale is None:
            raise AssertionError("a sold part with no shares left was offered as a replacement")
        sales = self.sales
        at = len(sales) - 1  # a replacement sold within the last 30 days is near the end
        while sales[at] is not sale:
            at -= 1
        rest = None
        if take < sale.quantity:
            proceeds = prorate(sale.proceeds, take, sale.quantity)
            basis = prorate(sale.cost_basis, take, sale.quantity)
            washed = min(take, sold.washed)
            adjustment = prorate(sale.adjustment, washed, sold.washed) if washed else ZERO
            sold.washed -= washed
            # Rounded apart, neither part may keep more adjustment than its own loss.
            matched_loss = max(ZERO, basis - proceeds)
            rest_loss = max(ZERO, sale.cost_basis - basis - (sale.proceeds - proceeds))
            adjustment = min(max(adjustment, sale.adjustment - rest_loss), sale.adjustment, matched_loss)
            rest = _sale_part(
                sale,
                sale.quantity - take,
                sale.proceeds - proceeds,
                sale.cost_basis - basis,
                sale.adjustment - adjustment,
                sale.holding_start,
            )
            sale = _sale_part(sale, take, proceeds, basis, adjustment, sale.holding_start)
        if not sold.permanent:
            sale = _sale_part(
                sale,
                sale.quantity,
                sale.proceeds,
                sale.cost_basis + added,
                sale.adjustment,
                sale.acquired - timedelta(days=tacked),
            )
        sales[at] = sale
        if rest is not None:
            sales.insert(at + 1, rest)
        sold.sale = rest


def _sale_part(
    sale: Sale,
    quantity: Decimal,
    proceeds: Decimal,
    cost_basis: Decimal,
    adjustment: Decimal,
    holding_start: date,
) -> Sale:
    """Return ``sale`` with the given shares, amounts and holding-period start."""
    return Sale(
        sale.row,
        sale.account,
        sale.symbol,
        sale.lot,
        quantity,
        sale.acquired,
        holding_start,
        sale.sold,
        proceeds,
        cost_basis,
        adjustment,
        sale.tax_deferred,
    )


def _check_amounts(entry: LedgerEntry) -> None:
    if entry.quantity <= ZERO:
        raise LedgerError(entry.row, f"quantity must be more than zero; got {shares(entry.quantity)}")
    if entry.price < ZERO or entry.fees < ZERO:
        raise LedgerError(entry.row, "price and fees must not be negative")


def _next_lot_name(used: set[str], acquired: date) -> str:
    stem = acquired.isoformat()
    name, n = stem, 1
    while name in used:
        n += 1
        name = f"{stem}-{n}"
    return name
