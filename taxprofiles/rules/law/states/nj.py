"""New Jersey gross income tax (Form NJ-1040), 2022-2026.

Sources:
- Gross income by categories: N.J.S.A. 54A:5-1. Wages (category a), dividends (f) and the net gains or
  net income from the disposition of property (c) are each their own category; a net loss in a category
  is not deducted from income in another category and is not carried to another year (54A:5-2; NJ-1040
  instructions, "Net losses by category of income", and line 19, Schedule NJ-BUS/NJ-1040 line 19). So
  capital gains and losses offset each other within the year and a net loss is worth nothing.
- Personal exemptions: $1,000 for the filer, $1,000 for a spouse on a joint return (N.J.S.A. 54A:3-1(a),
  NJ-1040 line 6 of each year).
- Rates: N.J.S.A. 54A:2-1(a) (single and married filing separately) and 54A:2-1(b) (married filing
  jointly, head of household, surviving spouse), as amended by P.L. 2020, c. 94 (10.75% above
  $1,000,000); the Tax Rate Schedules in the NJ-1040 instructions of each year (2022-2025, page 65).
- No tax when gross income is $10,000 or less ($20,000 married filing jointly or head of household):
  N.J.S.A. 54A:2-4; NJ-1040 instructions, "Filing requirements".
- New Jersey does not index its brackets or exemptions: 2026 uses the 2025 law.
- Checked against PolicyEngine-US 2.68.0 (gov.states.nj.tax.income; variables nj_gross_income,
  nj_income_tax): within $0.01 on random single, joint and separate profiles for 2023-2025, before and
  after a harvested loss.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    SINGLE,
    ZERO,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "NJ"
NAME = "New Jersey"
SIMPLIFICATIONS = (
    "New Jersey gross income is taken as wages, dividends and the year's net capital gain (a net capital "
    "loss counts as zero, as New Jersey law requires, and is not carried forward)",
    "New Jersey's property tax deduction or credit, its retirement exclusions and its earned income "
    "and child credits are not modelled",
)

_SINGLE_RATES = (
    (0, "0.014"),
    (20_000, "0.0175"),
    (35_000, "0.035"),
    (40_000, "0.05525"),
    (75_000, "0.0637"),
    (500_000, "0.0897"),
    (1_000_000, "0.1075"),
)
_JOINT_RATES = (
    (0, "0.014"),
    (20_000, "0.0175"),
    (50_000, "0.0245"),
    (70_000, "0.035"),
    (80_000, "0.05525"),
    (150_000, "0.0637"),
    (500_000, "0.0897"),
    (1_000_000, "0.1075"),
)
# The schedules have not changed since 2020 (P.L. 2020, c. 94).
_SCHEDULES = schedules({SINGLE: _SINGLE_RATES, SEPARATE: _SINGLE_RATES, JOINT: _JOINT_RATES, HEAD: _JOINT_RATES})
_EXEMPTION = Decimal(1_000)
_FILING_THRESHOLD = by_status({SINGLE: 10_000, JOINT: 20_000, HEAD: 20_000})

YEARS = (2022, 2023, 2024, 2025, 2026)


def tax(year: int, income: StateIncome) -> Decimal:
    gross = income.ordinary + income.qualified_dividends + income.gains_only_capital
    if gross <= _FILING_THRESHOLD[income.status]:
        return ZERO
    taxable = gross - _EXEMPTION * income.persons
    return cents(_SCHEDULES[income.status].tax(taxable))
