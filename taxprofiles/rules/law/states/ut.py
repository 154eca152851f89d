"""Utah individual income tax (Form TC-40), 2022-2026.

Sources:
- Flat rate: Utah Code §59-10-104(2)(b): 4.85% for 2022 (2022 HB 59), 4.65% for 2023 (2023 HB 54),
  4.55% for 2024 (2024 HB 106), 4.5% for 2025 (2025 HB 106), 4.45% for 2026 (2026 SB 60).
- Taxpayer tax credit: Utah Code §59-10-1018; TC-40 instructions, lines 11-19 (2025:
  files.tax.utah.gov/tax/forms/2025/tc-40inst.pdf page 10): 6% of the federal standard deduction
  (or the federal itemized deductions less state income taxes) plus the Utah exemptions for
  dependents, reduced by 1.3% of Utah taxable income above a base phase-out amount by filing status
  (single and married separately $15,548 / $16,742 / $17,652 / $18,213 in 2022-2025, joint
  $31,096 / $33,484 / $35,304 / $36,426, head of household $23,322 / $25,114 / $26,478 / $27,320).
- The federal standard deduction used for the credit is the year's (Rev. Procs. 2021-45, 2022-38,
  2023-34, and for 2025-2026 the One Big Beautiful Bill Act's $15,750 / $31,500 / $23,625 and
  Rev. Proc. 2025-32); when the return's federal standard deduction is given it is used instead.
- Utah taxable income starts from federal AGI (§59-10-103): capital gains are ordinary income and the
  federal $3,000 loss limit applies.
- 2026: the phase-out amounts are indexed (§59-10-1018(1)); until the Tax Commission publishes them
  they are the 2025 amounts as PolicyEngine-US 2.68.0 projects them, rounded to the dollar.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import HEAD, JOINT, SINGLE, D, StateIncome, by_status, cents

STATE = "UT"
NAME = "Utah"
SIMPLIFICATIONS = (
    "Utah taxable income is taken to be the federal AGI (no Utah additions or subtractions)",
    "the taxpayer tax credit is modelled without dependents; the retirement, Social Security, earned income"
    " and other Utah credits are not modelled",
)

_RATE = {2022: "0.0485", 2023: "0.0465", 2024: "0.0455", 2025: "0.045", 2026: "0.0445"}
_PHASEOUT_START = {
    2022: {SINGLE: 15_548, JOINT: 31_096, HEAD: 23_322},
    2023: {SINGLE: 16_742, JOINT: 33_484, HEAD: 25_114},
    2024: {SINGLE: 17_652, JOINT: 35_304, HEAD: 26_478},
    2025: {SINGLE: 18_213, JOINT: 36_426, HEAD: 27_320},
    2026: {SINGLE: 18_626, JOINT: 37_252, HEAD: 27_939},
}
_FEDERAL_STANDARD_DEDUCTION = {
    2022: {SINGLE: 12_950, JOINT: 25_900, HEAD: 19_400},
    2023: {SINGLE: 13_850, JOINT: 27_700, HEAD: 20_800},
    2024: {SINGLE: 14_600, JOINT: 29_200, HEAD: 21_900},
    2025: {SINGLE: 15_750, JOINT: 31_500, HEAD: 23_625},
    2026: {SINGLE: 16_100, JOINT: 32_200, HEAD: 24_150},
}
_CREDIT_RATE = D("0.06")
_PHASEOUT_RATE = D("0.013")

YEARS = tuple(sorted(_RATE))
_RATES = {year: D(rate) for year, rate in _RATE.items()}
_STARTS = {year: by_status(starts) for year, starts in _PHASEOUT_START.items()}
_FEDERAL = {year: by_status(amounts) for year, amounts in _FEDERAL_STANDARD_DEDUCTION.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    taxable = max(D(0), income.agi)
    if income.itemized is not None:
        deductions = income.itemized
    else:
        deductions = income.federal_standard_deduction or _FEDERAL[year][status]
    reduction = max(D(0), taxable - _STARTS[year][status]) * _PHASEOUT_RATE
    credit = max(D(0), deductions * _CREDIT_RATE - reduction)
    return cents(taxable * _RATES[year] - credit)
