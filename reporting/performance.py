"""After-tax performance of a portfolio that harvested against the same portfolio had it not. Plain Python.

Both portfolios start the period with the same holdings and receive the same deposits and withdrawals;
they differ only by the period's harvest trades (the sale and the replacement). Three views, because
each answers a question a client asks:

- pre-tax: what the replacement trades did to the value (tracking difference, and cash the
  replacement did not spend);
- after tax, holdings kept: the tax saved this year is the client's money too;
- after tax, everything sold at the period's end: harvesting lowers the basis, so some of the saving
  comes back as tax later. This is the deferral the disclosures speak of, stated in dollars.

Returns are Modified Dietz returns: the period's gain over the starting value plus the deposits
weighted by the share of the period they were invested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
BASIS_POINT = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class Flow:
    """Money into (positive) or out of (negative) the portfolio: a deposit bought shares, a sale paid out."""

    day: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Outcome:
    """One portfolio over the period, in dollars."""

    start_value: Decimal
    end_value: Decimal
    cash: Decimal  # left over by the harvests (the replacement is sized never to cost more than the sale)
    tax_saved: Decimal  # this year's tax saved against the portfolio that did not harvest
    liquidation_tax: Decimal  # tax on the unrealized gains of taxable accounts, were everything sold at the end

    @property
    def pre_tax_value(self) -> Decimal:
        return self.end_value + self.cash

    @property
    def after_tax_value(self) -> Decimal:
        return self.end_value + self.cash + self.tax_saved

    @property
    def liquidation_value(self) -> Decimal:
        return self.after_tax_value - self.liquidation_tax


@dataclass(frozen=True, slots=True)
class Comparison:
    start: date
    end: date
    flows: tuple[Flow, ...]
    harvesting: Outcome
    without: Outcome

    @property
    def net_flows(self) -> Decimal:
        return sum((flow.amount for flow in self.flows), ZERO)

    def pre_tax_return(self, outcome: Outcome) -> Decimal | None:
        return modified_dietz(outcome.start_value, outcome.pre_tax_value, self.flows, self.start, self.end)

    def after_tax_return(self, outcome: Outcome) -> Decimal | None:
        return modified_dietz(outcome.start_value, outcome.after_tax_value, self.flows, self.start, self.end)

    def liquidation_return(self, outcome: Outcome) -> Decimal | None:
        return modified_dietz(outcome.start_value, outcome.liquidation_value, self.flows, self.start, self.end)

    @property
    def harvesting_pre_tax_return(self) -> Decimal | None:
        return self.pre_tax_return(self.harvesting)

    @property
    def without_pre_tax_return(self) -> Decimal | None:
        return self.pre_tax_return(self.without)

    @property
    def harvesting_after_tax_return(self) -> Decimal | None:
        return self.after_tax_return(self.harvesting)

    @property
    def without_after_tax_return(self) -> Decimal | None:
        return self.after_tax_return(self.without)

    @property
    def pre_tax_difference(self) -> Decimal:
        return self.harvesting.pre_tax_value - self.without.pre_tax_value

    @property
    def after_tax_difference(self) -> Decimal:
        return self.harvesting.after_tax_value - self.without.after_tax_value

    @property
    def liquidation_difference(self) -> Decimal:
        return self.harvesting.liquidation_value - self.without.liquidation_value

    @property
    def deferred_tax(self) -> Decimal:
        """The part of this year's saving that would come back as tax if everything were sold at the end."""
        return self.harvesting.liquidation_tax - self.without.liquidation_tax


def modified_dietz(
    start_value: Decimal, end_value: Decimal, flows: Sequence[Flow], start: date, end: date
) -> Decimal | None:
    """The period's return as a fraction rounded to a basis point; None when nothing was invested."""
    days = (end - start).days
    if days <= 0:
        return None
    net = sum((flow.amount for flow in flows), ZERO)
    weighted = sum((flow.amount * Decimal((end - flow.day).days) / Decimal(days) for flow in flows), ZERO)
    invested = start_value + weighted
    if invested <= ZERO:
        return None
    return ((end_value - start_value - net) / invested).quantize(BASIS_POINT, ROUND_HALF_UP)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)
