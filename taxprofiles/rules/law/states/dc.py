"""District of Columbia individual income tax (Form D-40), 2022-2026.

Sources:
- DC AGI is federal AGI with DC's modifications (D.C. Code §47-1803.02); capital gains are taxed as
  ordinary income and the federal $3,000 loss limit applies.
- Standard deduction (D.C. Code §47-1801.04(3A); D-40 line 17 of each year): the federal basic standard
  deduction through 2024 ($12,950 / $25,900 / $19,400 in 2022, $13,850 / $27,700 / $20,800 in 2023,
  $14,600 / $29,200 / $21,900 in 2024, single or separate / joint / head of household); from 2025 DC's own
  amount, $15,000 / $30,000 / $22,500 (DC Act 26-214, which did not follow the federal 2025 increase;
  2025 D-40 booklet page 13), indexed from 2026: $15,300 / $30,650 / $23,000 as PolicyEngine-US 2.68.0
  projects it (rounded down to $50; OTR publishes the 2026 figures late in 2026).
- Rates (D.C. Code §47-1806.03(a)(10); the D-40 tax rate schedule, 2022-2025), one schedule for every
  filing status: 4% to $10,000, 6% to $40,000, 6.5% to $60,000, 8.5% to $250,000, 9.25% to $500,000,
  9.75% to $1,000,000 and 10.75% above. Not indexed: 2026 is the same.
- DC requires itemizing on the D-40 when the federal return itemizes (D-40 instructions, line 16).
  PolicyEngine-US 2.68.0 itemizes federally whenever the state income tax in SALT beats the federal
  standard deduction, and then allows no DC deduction (DC itemized deductions leave state income taxes
  out); this module follows the product's federal return, which takes the standard deduction.
- Checked against PolicyEngine-US 2.68.0 (gov.states.dc.tax.income; variables dc_standard_deduction,
  dc_taxable_income_joint, dc_income_tax_before_credits).
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

STATE = "DC"
NAME = "District of Columbia"
SIMPLIFICATIONS = (
    "DC AGI is taken to be the federal AGI (no DC additions or subtractions)",
    "a married couple is taxed on one joint computation: DC lets spouses file separately on the same return, "
    "which can lower a two-earner couple's tax",
    "DC credits (such as the earned income credit and the property tax credit) are not modelled",
)

_SCHEDULE = brackets(
    (0, "0.04"), (10_000, "0.06"), (40_000, "0.065"), (60_000, "0.085"), (250_000, "0.0925"),
    (500_000, "0.0975"), (1_000_000, "0.1075"),
)  # fmt: skip
_STANDARD_DEDUCTION = {
    2022: {SINGLE: 12_950, JOINT: 25_900, HEAD: 19_400},
    2023: {SINGLE: 13_850, JOINT: 27_700, HEAD: 20_800},
    2024: {SINGLE: 14_600, JOINT: 29_200, HEAD: 21_900},
    2025: {SINGLE: 15_000, JOINT: 30_000, HEAD: 22_500},
    2026: {SINGLE: 15_300, JOINT: 30_650, HEAD: 23_000},
}

YEARS = tuple(sorted(_STANDARD_DEDUCTION))
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _STANDARD_DEDUCTION.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    return cents(_SCHEDULE.tax(income.agi - _DEDUCTIONS[year][income.status]))
