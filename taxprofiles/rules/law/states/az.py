"""Arizona individual income tax (Form 140), 2022-2026.

Sources:
- Rates: A.R.S. §43-1011. 2022: 2.55% on the first $28,653 ($57,305 joint and head of household), 2.98%
  above (Laws 2021, ch. 412 (SB 1828), as the 2022 Form 140 booklet's tax table applies it); from 2023 a
  flat 2.5% (§43-1011(A)(6); Form 140 booklets 2023-2025, line 46).
- Standard deduction: the federal basic standard deduction (A.R.S. §43-1041(A) and (H); Form 140 line 43
  of each year): $12,950/$25,900/$19,400 (2022), $13,850/$27,700/$20,800 (2023), $14,600/$29,200/$21,900
  (2024), $15,750/$31,500/$23,625 (2025), $16,100/$32,200/$24,150 (2026: Laws 2026, ch. 140 (HB 4168)
  with Rev. Proc. 2025-32 §4.14(1)), single or separate / joint / head of household.
- Long-term capital gain subtraction: 25% of the net long-term capital gain included in federal AGI from
  assets acquired after 2011 (A.R.S. §43-1022(21); Form 140 line 29a and its worksheet, which takes the
  net long-term gain of Schedule D line 15 and allows nothing when line 15 or line 16 is zero or a loss).
- Arizona follows the federal netting and the $3,000 loss limit: Arizona gross income starts from federal
  AGI (§43-1001).
- Checked against PolicyEngine-US 2.68.0 (gov.states.az.tax.income; variables az_agi,
  az_long_term_capital_gains_subtraction, az_standard_deduction, az_income_tax_before_credits).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SINGLE,
    ZERO,
    D,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "AZ"
NAME = "Arizona"
SIMPLIFICATIONS = (
    "Arizona AGI is taken to be the federal AGI less the long-term capital gain subtraction (no other "
    "Arizona additions or subtractions)",
    "every long-term gain is taken to come from assets bought after 2011 (the 25% subtraction applies)",
    "Arizona's family tax credit and dependent credit are not modelled",
)

_SCHEDULES = {
    2022: schedules(
        {
            SINGLE: ((0, "0.0255"), (28_653, "0.0298")),
            JOINT: ((0, "0.0255"), (57_305, "0.0298")),
            HEAD: ((0, "0.0255"), (57_305, "0.0298")),
        }
    ),
    **{year: schedules(((0, "0.025"),)) for year in (2023, 2024, 2025, 2026)},
}
_STANDARD_DEDUCTION = {
    2022: {SINGLE: 12_950, JOINT: 25_900, HEAD: 19_400},
    2023: {SINGLE: 13_850, JOINT: 27_700, HEAD: 20_800},
    2024: {SINGLE: 14_600, JOINT: 29_200, HEAD: 21_900},
    2025: {SINGLE: 15_750, JOINT: 31_500, HEAD: 23_625},
    2026: {SINGLE: 16_100, JOINT: 32_200, HEAD: 24_150},
}
_LONG_TERM_SUBTRACTION = D("0.25")

YEARS = tuple(sorted(_SCHEDULES))
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _STANDARD_DEDUCTION.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    subtraction = ZERO
    if income.net_lt > ZERO and income.net_st + income.net_lt > ZERO:
        subtraction = income.net_lt * _LONG_TERM_SUBTRACTION
    az_agi = max(ZERO, income.agi - subtraction)
    taxable = az_agi - _DEDUCTIONS[year][income.status]
    return cents(_SCHEDULES[year][income.status].tax(taxable))
