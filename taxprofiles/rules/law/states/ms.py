"""Mississippi individual income tax (Form 80-105), 2022-2026.

Sources:
- Mississippi gross income (Miss. Code Ann. 27-7-15) counts wages, dividends and capital gains as federal
  AGI does, with the federal $3,000 limit on a net capital loss (Form 80-105 line 10 / Schedule D); the
  exclusion for gains on Mississippi company stock held over a year is not modelled.
- Standard deduction (27-7-17(3)): $2,300 single and married filing separately, $3,400 head of household,
  $4,600 joint; personal exemption (27-7-21): $6,000 single and separate, $8,000 head of household,
  $12,000 joint (Form 80-100 instructions, "Filing status and exemptions", of each year 2022-2025).
  Neither is indexed.
- Rates (27-7-5 as amended by HB 531 of 2022 and HB 1 of 2025): 2022: 0% on the first $5,000, 4% on the
  next $5,000, 5% above $10,000; 2023: 0% up to $10,000, 5% above; 2024: 4.7%; 2025: 4.4%; 2026: 4.0%
  above $10,000 (HB 1 of 2025 sets 4.0% for 2026; Department of Revenue "Tax Rates, Exemptions &
  Deductions"; Form 80-100 instructions of 2022-2025, page 3).
- Checked against PolicyEngine-US 2.68.0 (gov.states.ms.tax.income; variables ms_taxable_income_joint,
  ms_income_tax_before_credits_unit): within $0.01 on random single, joint (one earner) and separate
  profiles for 2023-2025, before and after a harvested loss.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SINGLE,
    StateIncome,
    brackets,
    by_status,
    cents,
)

STATE = "MS"
NAME = "Mississippi"
SIMPLIFICATIONS = (
    "Mississippi AGI is taken to be the federal AGI (no Mississippi adjustments)",
    "a joint return is taxed as one income: Mississippi lets spouses split their income on a joint "
    "return, which can lower a two-earner couple's tax by up to about $500",
    "Mississippi's child care and charitable credits are not modelled",
)

_SCHEDULES = {
    2022: brackets((0, "0"), (5_000, "0.04"), (10_000, "0.05")),
    2023: brackets((0, "0"), (10_000, "0.05")),
    2024: brackets((0, "0"), (10_000, "0.047")),
    2025: brackets((0, "0"), (10_000, "0.044")),
    2026: brackets((0, "0"), (10_000, "0.04")),
}
_DEDUCTION_AND_EXEMPTION = by_status({SINGLE: 2_300 + 6_000, JOINT: 4_600 + 12_000, HEAD: 3_400 + 8_000})

YEARS = tuple(sorted(_SCHEDULES))


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.agi - _DEDUCTION_AND_EXEMPTION[income.status]
    return cents(_SCHEDULES[year].tax(taxable))
