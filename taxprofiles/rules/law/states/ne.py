"""Nebraska individual income tax (Form 1040N), 2022-2026.

Sources:
- Nebraska AGI is federal AGI with Nebraska's adjustments (Neb. Rev. Stat. 77-2716); capital gains and
  losses follow federal AGI (the one-time special capital gains election for employer stock is not
  modelled).
- Standard deduction: Neb. Rev. Stat. 77-2716.01, the Nebraska amounts indexed each year (Form 1040N
  line 6 of the Individual Income Tax Booklet of each year: 2022 $7,350 single, $14,700 joint, $10,750
  head of household; 2023 $7,900 / $15,800 / $11,600; 2024 $8,350 / $16,700 / $12,250; 2025 $8,600 /
  $17,200 / $12,600); 2026: Form 1040N-ES 2026 Income Tax Worksheet line 5 ($8,850 / $17,700 / $12,950).
- Personal exemption credit per person (nonrefundable): 77-2716.01; Form 1040N line 18 ($146 in 2022,
  $157 in 2023, $166 in 2024, $171 in 2025; $176 in 2026 by Form 1040N-ES 2026).
- Rates: Neb. Rev. Stat. 77-2715.03 as amended by LB 754 (2023), top rate 6.84% in 2022, 6.64% in
  2023, 5.84% in 2024, 5.20% in 2025 and 4.55% (the third bracket too) in 2026; brackets indexed
  (77-2715.03; Nebraska Tax Rate Schedules in the booklet of each year and Form 1040N-ES 2026).
- Nebraska tax is at most the federal tax liability (Form 1040N Federal Tax Liability Worksheet, 316 NAC
  22-003.01), for returns whose Nebraska adjustments are under $5,000, as here.
- Checked against PolicyEngine-US 2.68.0 (gov.states.ne.tax.income; variables ne_taxable_income,
  ne_income_tax_before_refundable_credits): within $0.01 on random single, joint and separate profiles
  for 2023-2025, before and after a harvested loss, except where the federal-liability limit binds: there
  the limit is the product's federal tax, taken from the IRS Tax Table below $100,000 of taxable income
  as Form 1040 requires, while PolicyEngine computes the federal tax from the rate schedule (up to
  about $3 apart).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    SINGLE,
    D,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "NE"
NAME = "Nebraska"
SIMPLIFICATIONS = (
    "Nebraska AGI is taken to be the federal AGI (no Nebraska adjustments)",
    "Nebraska's earned income, child care and school readiness credits are not modelled",
)

# Thresholds of the 2nd, 3rd and 4th brackets per filing status.
_TOPS = {
    2022: {
        SINGLE: (3_440, 20_590, 33_180),
        JOINT: (6_860, 41_190, 66_360),
        HEAD: (6_410, 32_950, 49_200),
        SEPARATE: (3_440, 20_590, 33_180),
    },
    2023: {
        SINGLE: (3_700, 22_170, 35_730),
        JOINT: (7_390, 44_350, 71_460),
        HEAD: (6_900, 35_480, 52_980),
        SEPARATE: (3_700, 22_170, 35_730),
    },
    2024: {
        SINGLE: (3_900, 23_370, 37_670),
        JOINT: (7_790, 46_760, 75_340),
        HEAD: (7_270, 37_400, 55_850),
        SEPARATE: (3_900, 23_370, 37_670),
    },
    2025: {
        SINGLE: (4_030, 24_120, 38_870),
        JOINT: (8_040, 48_250, 77_730),
        HEAD: (7_510, 38_590, 57_630),
        SEPARATE: (4_030, 24_120, 38_870),
    },
    2026: {
        SINGLE: (4_130, 24_760, 39_900),
        JOINT: (8_250, 49_530, 79_800),
        HEAD: (7_700, 39_620, 59_160),
        SEPARATE: (4_130, 24_760, 39_900),
    },
}
_RATES = {
    2022: ("0.0246", "0.0351", "0.0501", "0.0684"),
    2023: ("0.0246", "0.0351", "0.0501", "0.0664"),
    2024: ("0.0246", "0.0351", "0.0501", "0.0584"),
    2025: ("0.0246", "0.0351", "0.0501", "0.052"),
    2026: ("0.0246", "0.0351", "0.0455", "0.0455"),
}
_STANDARD_DEDUCTION = {
    2022: {SINGLE: 7_350, JOINT: 14_700, HEAD: 10_750},
    2023: {SINGLE: 7_900, JOINT: 15_800, HEAD: 11_600},
    2024: {SINGLE: 8_350, JOINT: 16_700, HEAD: 12_250},
    2025: {SINGLE: 8_600, JOINT: 17_200, HEAD: 12_600},
    2026: {SINGLE: 8_850, JOINT: 17_700, HEAD: 12_950},
}
_EXEMPTION_CREDIT = {2022: 146, 2023: 157, 2024: 166, 2025: 171, 2026: 176}

YEARS = tuple(sorted(_TOPS))
_SCHEDULES = {
    year: schedules({status: tuple(zip((0, *tops), _RATES[year], strict=True)) for status, tops in by.items()})
    for year, by in _TOPS.items()
}
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _STANDARD_DEDUCTION.items()}
_CREDITS = {year: D(amount) for year, amount in _EXEMPTION_CREDIT.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.agi - _DEDUCTIONS[year][income.status]
    before_credits = _SCHEDULES[year][income.status].tax(taxable)
    after_credits = before_credits - _CREDITS[year] * income.persons
    # Form 1040N Federal Tax Liability Worksheet: no more than the federal tax (regular tax and AMT).
    return cents(min(after_credits, income.federal_income_tax))
