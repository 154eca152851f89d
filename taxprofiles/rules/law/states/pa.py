"""Pennsylvania personal income tax (Form PA-40), 2022-2026.

Sources:
- Classes of income: 72 P.S. §7303(a): compensation (wages), net profits, net gains from the disposition
  of property, interest, dividends, ... each class is netted on its own and a loss in one class does not
  offset income in another (72 P.S. §7303(a.2); PA-40 instructions: a net loss from the sale of property
  is entered as zero on line 5). So the year's short- and long-term gains and losses net against each
  other, a net loss counts as zero (no $3,000 deduction against wages, no carryforward: PA-40 Schedule D),
  and Pennsylvania has no long-term rate.
- Rate: 3.07% of the classes' total (72 P.S. §7302(a); PA-40 line 12), unchanged 2004-2026.
- No standard deduction and no personal exemptions (PA-40 instructions).
- Tax forgiveness: 72 P.S. §7304(b), PA-40 Schedule SP: full forgiveness when eligibility income is at
  most $6,500 ($13,000 married), less 10% for each $250 (or part of one) above it; eligibility income is
  taken to be the taxable classes. Incomes this low are rare among the product's clients.
- 2026: the rate and the forgiveness amounts are set by statute and not indexed; the 2025 figures stand.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import JOINT, SEPARATE, ZERO, D, StateIncome, cents

STATE = "PA"
NAME = "Pennsylvania"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "Pennsylvania taxes wages, dividends and the year's net gains at 3.07%; a net capital loss counts as "
    "zero and does not reduce wages or carry forward",
    "other Pennsylvania classes of income and deductions (interest, business income, 529 contributions) "
    "are not modelled",
    "married filing separately: tax forgiveness counts only this return's income (Pennsylvania counts both spouses')",
    "the refundable child care and earned income credits are not modelled",
)

_RATE = D("0.0307")
_FORGIVENESS_BASE = D(6_500)
_FORGIVENESS_STEP = D(250)
_FORGIVENESS_PER_STEP = D("0.10")
_FULL_FORGIVENESS_STEPS = 10


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.ordinary + income.qualified_dividends + income.gains_only_capital
    if taxable <= ZERO:
        return ZERO
    before_forgiveness = taxable * _RATE
    base = _FORGIVENESS_BASE * (2 if income.status in (JOINT, SEPARATE) else 1)
    if taxable <= base + _FORGIVENESS_STEP * _FULL_FORGIVENESS_STEPS:
        steps = -((base - taxable) // _FORGIVENESS_STEP) if taxable > base else 0
        before_forgiveness *= min(D(1), steps * _FORGIVENESS_PER_STEP)
    return cents(before_forgiveness)
