"""Why a harvest is worth what it is to this client: which gains the loss offsets, at which rates, what carries.

An advisor approves a trade on the strength of this explanation, so every figure comes from the same tax
engine that valued the scan (the client's whole return with and without the loss); only the split of the
loss into what it offsets is derived here, from the Schedule D netting order: a loss offsets gains of its
own term first, then of the other term, then up to $3,000 of ordinary income; the rest carries forward.
Pure Python: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

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
    """Explain realizing ``loss`` (positive dollars) of the given term for the client ``valuer`` describes."""
    value = valuer.value(lt_loss=loss) if long_term else valuer.value(st_loss=loss)
    income = valuer.income
    net_st = income.st_gains - income.st_carryforward
    net_lt = income.lt_gains - income.lt_carryforward
    same, other = (net_lt, net_st) if long_term else (net_st, net_lt)
    niit = NIIT_RATE if valuer.niit_applies else ZERO
    carried = value.carryforward_created_lt + value.carryforward_created_st
    first = min(loss, max(same, ZERO))
    second = min(loss - first, max(other + min(same, ZERO), ZERO))
    ordinary = max(loss - first - second - carried, ZERO)
    st_rate = valuer.marginal_ordinary_rate + niit
    lt_rate = valuer.long_term_rate + niit
    same_label, other_label = ("long-term", "short-term") if long_term else ("short-term", "long-term")
    same_rate, other_rate = (lt_rate, st_rate) if long_term else (st_rate, lt_rate)
    offsets = [
        (f"{same_label} gains", first, same_rate),
        (f"{other_label} gains", second, other_rate),
        ("ordinary income (the $3,000 limit)", ordinary, valuer.marginal_ordinary_rate),
    ]
    return Explanation(
        loss=loss,
        long_term=long_term,
        federal_savings=value.federal_savings,
        state_savings=value.state_savings,
        total_savings=value.total_savings,
        carried_forward=carried,
        carryforward_value=value.carryforward_value,
        offsets=[offset for offset in offsets if offset[1] > 0],
        niit=valuer.niit_applies,
        state=valuer.state,
        state_rate=valuer.state_rate,
        tax_year=tax_year,
    )
