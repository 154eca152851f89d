"""Value a household's open lots at the latest known prices, for display.

Figures are Decimal dollars to the cent; a lot without any price shows no value rather than zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from brokers.market_clock import market_date, market_now
from harvesting.engine.holding import is_long_term, one_year_after
from harvesting.engine.money import ZERO, to_cents
from portfolios.models import Account, Security, TaxLot
from portfolios.price_store import Quote, latest_quotes


@dataclass(frozen=True, slots=True)
class LotValue:
    lot: TaxLot
    quote: Quote | None
    long_term: bool
    days_to_long_term: int

    @property
    def market_value(self) -> Decimal | None:
        return None if self.quote is None else to_cents(self.lot.quantity * self.quote.price)

    @property
    def unrealized(self) -> Decimal | None:
        value = self.market_value
        return None if value is None else value - self.lot.adjusted_basis


@dataclass(frozen=True, slots=True)
class AccountValue:
    account: Account
    lots: Sequence[LotValue]

    @property
    def market_value(self) -> Decimal:
        return sum((lot.market_value or ZERO for lot in self.lots), ZERO)

    @property
    def cost_basis(self) -> Decimal:
        return sum((lot.lot.adjusted_basis for lot in self.lots), ZERO)

    @property
    def unrealized(self) -> Decimal:
        return sum((lot.unrealized or ZERO for lot in self.lots), ZERO)


@dataclass(frozen=True, slots=True)
class HouseholdTotals:
    market_value: Decimal
    cost_basis: Decimal
    unrealized: Decimal
    taxable_losses: Decimal
    priced_at: datetime | None
    simulated: bool = False  # some prices were simulated between real closes by the replay feed


def household_totals(accounts: Sequence[AccountValue]) -> HouseholdTotals:
    """Sum the household; ``taxable_losses`` adds up the losing lots of taxable accounts only,
    since a loss inside an IRA can never be harvested."""
    lots = [lot for account in accounts for lot in account.lots]
    taxable_losses = sum(
        (
            lot.unrealized
            for account in accounts
            if not account.account.is_tax_deferred
            for lot in account.lots
            if lot.unrealized is not None and lot.unrealized < 0
        ),
        ZERO,
    )
    stamps = [lot.quote.at for lot in lots if lot.quote is not None]
    return HouseholdTotals(
        market_value=sum((account.market_value for account in accounts), ZERO),
        cost_basis=sum((account.cost_basis for account in accounts), ZERO),
        unrealized=sum((account.unrealized for account in accounts), ZERO),
        taxable_losses=taxable_losses,
        priced_at=max(stamps, default=None),
        simulated=any(lot.quote is not None and lot.quote.simulated for lot in lots),
    )


def household_positions(accounts: Sequence[Account], at: datetime | None = None) -> list[AccountValue]:
    """Value every open lot of ``accounts`` (their ``lots`` prefetched) at its latest quote.

    Holding periods are judged on the quote's date, so a replayed history shows the terms of its day.
    """
    at = at or market_now()
    quotes = _quotes([lot for account in accounts for lot in account.lots.all()], at)
    today = market_date(at)
    return [
        AccountValue(
            account=account,
            lots=[_lot_value(lot, quotes.get(lot.security_id), today) for lot in account.lots.all()],
        )
        for account in accounts
    ]


def account_position(account: Account, lots: Sequence[TaxLot], at: datetime) -> AccountValue:
    """Value one account's ``lots`` at their latest quotes, as ``household_positions`` does."""
    quotes = _quotes(lots, at)
    today = market_date(at)
    return AccountValue(account=account, lots=[_lot_value(lot, quotes.get(lot.security_id), today) for lot in lots])


def _quotes(lots: Sequence[TaxLot], at: datetime) -> dict[int, Quote]:
    """Each lot's security's latest quote at ``at``. Where the lots came with ``security__latest`` selected, the
    latest-price cache rows are already here; only a security whose cached price is after ``at`` (a clock behind
    the prices), that has none, or that was loaded without it takes ``latest_quotes``'s query."""
    quotes: dict[int, Quote] = {}
    for lot in lots:
        if not Security.latest.is_cached(lot.security):
            continue
        latest = getattr(lot.security, "latest", None)
        if latest is not None and latest.timestamp <= at:
            quotes[lot.security_id] = Quote(latest.price, latest.timestamp, latest.simulated)
    missing = {lot.security_id for lot in lots} - quotes.keys()
    if missing:
        quotes.update(latest_quotes(missing, at=at))
    return quotes


def _lot_value(lot: TaxLot, quote: Quote | None, today: date) -> LotValue:
    as_of = market_date(quote.at) if quote else today
    long_term = is_long_term(lot.holding_period_start, as_of)
    days_left = 0 if long_term else (one_year_after(lot.holding_period_start) - as_of).days + 1
    return LotValue(lot=lot, quote=quote, long_term=long_term, days_to_long_term=days_left)
