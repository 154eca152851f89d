"""Why a harvest is worth what it is to this client: which gains the loss offsets, at which rates, what carries.

An advisor approves a trade on the strength of this explanation, so every figure comes from the same tax
engine that valued the scan (the client's whole return with and without the loss); only the split of the
loss into what it offsets is derived here, from the Schedule D netting order: a loss offsets gains of its
own term first, then of the other term, then up to $3,000 ($1,500 married filing separately) of ordinary
income; the rest carries forward.
Pure Python: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from taxprofiles.rules.capital import Netting, net_capital
from taxprofiles.rules.federal import NIIT_RATE
from taxprofiles.rules.harvest_value import HarvestValuer

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Explanation:
    loss: Decimal
    long_term: bool
    federal_savings: Decimal
    state_savings: Decimal
    total_savings: Decimal
    carried_forward: Decimal
    carryforward_value: Decimal
    offsets: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # (what, dollars, rate)
    niit: bool = False
    state: str = ""
    state_rate: Decimal = ZERO
    tax_year: int = 0
    ranked_value: Decimal | None = None  # what the scan credited it with, after the household's better harvests

    @property
    def ranked_lower(self) -> bool:
        """The scan valued it below its stand-alone saving (by a dollar or more, not a rounding cent)."""
        return self.ranked_value is not None and self.total_savings - self.ranked_value >= 1


def explain(valuer: HarvestValuer, loss: Decimal, *, long_term: bool, tax_year: int) -> Explanation:
    """Explain realizing ``loss`` (positive dollars) of the given term for the client ``valuer`` describes.

    What the loss offsets is the change in Schedule D's result: the short-term and long-term gains taxed, and
    the loss deducted from ordinary income (up to the limit), before and after it.
    """
    value = valuer.value(lt_loss=loss) if long_term else valuer.value(st_loss=loss)
    income = valuer.income
    limit = valuer.law.capital_loss_limit
    before = net_capital(income.st_gains, income.lt_gains, income.st_carryforward, income.lt_carryforward, limit)
    st_after = income.st_gains - (ZERO if long_term else loss)
    lt_after = income.lt_gains - (loss if long_term else ZERO)
    after = net_capital(st_after, lt_after, income.st_carryforward, income.lt_carryforward, limit)
    st_offset = _short_term_taxed(before) - _short_term_taxed(after)
    lt_offset = before.preferential_gain - after.preferential_gain
    ordinary = after.loss_deducted - before.loss_deducted
    niit = NIIT_RATE if valuer.niit_applies else ZERO
    st = ("short-term gains", st_offset, valuer.marginal_ordinary_rate + niit)
    lt = ("long-term gains", lt_offset, valuer.long_term_rate + niit)
    offsets = [
        *((lt, st) if long_term else (st, lt)),
        (f"ordinary income (the ${limit:,.0f} limit)", ordinary, valuer.marginal_ordinary_rate),
    ]
    return Explanation(
        loss=loss,
        long_term=long_term,
        federal_savings=value.federal_savings,
        state_savings=value.state_savings,
        total_savings=value.total_savings,
        carried_forward=value.carryforward_created_lt + value.carryforward_created_st,
        carryforward_value=value.carryforward_value,
        offsets=[offset for offset in offsets if offset[1] > 0],
        niit=valuer.niit_applies,
        state=valuer.state,
        state_rate=valuer.state_rate,
        tax_year=tax_year,
    )


def _short_term_taxed(netting: Netting) -> Decimal:
    """The part of a net capital gain taxed at ordinary rates (the rest is the preferential, long-term part)."""
    return max(netting.capital_income, ZERO) - netting.preferential_gain
