"""Maryland state income tax (Form 502), 2022-2026; the county income tax is not included.

Sources:
- Rates and brackets: Md. Code, Tax-General §10-105(a)(1) (single, married filing separately) and
  (a)(2) (joint, head of household, surviving spouse): 2% / 3% / 4% on the first $3,000, then 4.75%
  to $100,000 ($150,000), 5% to $125,000 ($175,000), 5.25% to $150,000 ($225,000), 5.5% to $250,000
  ($300,000) and 5.75% above. From 2025 the Budget Reconciliation and Financing Act of 2025
  (HB 352, ch. 604) adds 6.25% above $500,000 ($600,000) and 6.5% above $1,000,000 ($1,200,000).
- Capital gains surtax from 2025: 2% of the net capital gain when federal AGI exceeds $350,000
  (Tax-General §10-105 as amended by HB 352; 2025 resident booklet p. 22).
- Standard deduction: Tax-General §10-217. 2022-2024: 15% of Maryland AGI, at least $1,600 / $1,700 /
  $1,800 and at most $2,400 / $2,550 / $2,700 (single, married filing separately), at least $3,200 /
  $3,450 / $3,650 and at most $4,850 / $5,150 / $5,450 (joint, head of household, surviving spouse;
  Form 502 instructions 2022-2024, standard deduction worksheet). From 2025 a flat $3,350 ($6,700),
  indexed by chained CPI and rounded down to $50 (HB 352): $3,400 ($6,850) for 2026 as
  PolicyEngine-US 2.68.0 projects it.
- Personal exemption: Tax-General §10-211, $3,200 per person, reduced by federal AGI: to $1,600 above
  $100,000, $800 above $125,000 and nothing above $150,000 (single, married filing separately); to
  $1,600 above $150,000, $800 above $175,000 and nothing above $200,000 (joint, head of household).
- Maryland AGI starts from federal AGI (Tax-General §10-203); capital gains are taxed as ordinary
  income with the federal $3,000 loss limit.
- The county income tax (Tax-General §10-106, 2.25%-3.30% of Maryland taxable income, or Anne
  Arundel's and Frederick's graduated rates) is a separate line of Form 502 and is not included
  here, as PolicyEngine's state income tax does not include it.
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

STATE = "MD"
NAME = "Maryland"
SIMPLIFICATIONS = (
    "the county income tax every Maryland county levies (2.25%-3.30% of Maryland taxable income) is not included",
    "Maryland AGI is taken to be the federal AGI (no Maryland additions or subtractions, such as the "
    "two-income subtraction for married couples)",
    "the earned income, poverty level, child care and child tax credits are not modelled",
)

_LOW = ((0, "0.02"), (1_000, "0.03"), (2_000, "0.04"), (3_000, "0.0475"))
_OLD = schedules(
    {
        SINGLE: (*_LOW, (100_000, "0.05"), (125_000, "0.0525"), (150_000, "0.055"), (250_000, "0.0575")),
        JOINT: (*_LOW, (150_000, "0.05"), (175_000, "0.0525"), (225_000, "0.055"), (300_000, "0.0575")),
        HEAD: (*_LOW, (150_000, "0.05"), (175_000, "0.0525"), (225_000, "0.055"), (300_000, "0.0575")),
    }
)
_NEW = schedules(
    {
        SINGLE: (
            *_LOW,
            (100_000, "0.05"),
            (125_000, "0.0525"),
            (150_000, "0.055"),
            (250_000, "0.0575"),
            (500_000, "0.0625"),
            (1_000_000, "0.065"),
        ),
        JOINT: (
            *_LOW,
            (150_000, "0.05"),
            (175_000, "0.0525"),
            (225_000, "0.055"),
            (300_000, "0.0575"),
            (600_000, "0.0625"),
            (1_200_000, "0.065"),
        ),
        HEAD: (
            *_LOW,
            (150_000, "0.05"),
            (175_000, "0.0525"),
            (225_000, "0.055"),
            (300_000, "0.0575"),
            (600_000, "0.0625"),
            (1_200_000, "0.065"),
        ),
    }
)
# 2022-2024: 15% of Maryland AGI between a minimum and a maximum.
_PERCENT_DEDUCTION = D("0.15")
_DEDUCTION_MIN = {
    2022: by_status({SINGLE: 1_600, JOINT: 3_200, HEAD: 3_200}),
    2023: by_status({SINGLE: 1_700, JOINT: 3_450, HEAD: 3_450}),
    2024: by_status({SINGLE: 1_800, JOINT: 3_650, HEAD: 3_650}),
}
_DEDUCTION_MAX = {
    2022: by_status({SINGLE: 2_400, JOINT: 4_850, HEAD: 4_850}),
    2023: by_status({SINGLE: 2_550, JOINT: 5_150, HEAD: 5_150}),
    2024: by_status({SINGLE: 2_700, JOINT: 5_450, HEAD: 5_450}),
}
_FLAT_DEDUCTION = {
    2025: by_status({SINGLE: 3_350, JOINT: 6_700, HEAD: 6_700}),
    2026: by_status({SINGLE: 3_400, JOINT: 6_850, HEAD: 6_850}),
}
# Federal AGI at or below which each exemption amount holds (the last one: anything above).
_EXEMPTION_STEPS = by_status({SINGLE: 100_000, JOINT: 150_000, HEAD: 150_000, SEPARATE: 100_000})
_STEP = D(25_000)
_SURTAX_RATE = D("0.02")
_SURTAX_AGI = D(350_000)
_ZERO = D(0)

YEARS = (2022, 2023, 2024, 2025, 2026)


_FULL, _HALF, _QUARTER = D(3_200), D(1_600), D(800)


def _exemption_each(status: str, agi: Decimal) -> Decimal:
    first = _EXEMPTION_STEPS[status]
    if agi <= first:
        return _FULL
    if agi <= first + _STEP:
        return _HALF
    if agi <= first + _STEP + _STEP:
        return _QUARTER
    return _ZERO


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    agi = income.agi
    if year <= 2024:
        deduction = min(max(agi * _PERCENT_DEDUCTION, _DEDUCTION_MIN[year][status]), _DEDUCTION_MAX[year][status])
        schedule = _OLD[status]
    else:
        deduction = _FLAT_DEDUCTION[year][status]
        schedule = _NEW[status]
    taxable = max(_ZERO, agi - deduction - _exemption_each(status, agi) * income.persons)
    total = schedule.tax(taxable)
    if year >= 2025 and agi > _SURTAX_AGI and income.capital_income > _ZERO:
        total += income.capital_income * _SURTAX_RATE
    return cents(total)
