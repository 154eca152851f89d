"""Rhode Island personal income tax (Form RI-1040), 2022-2026.

Sources:
- Rates (3.75%, 4.75%, 5.99%; one schedule for every filing status) and the indexed brackets:
  R.I. Gen. Laws §44-30-2.6(c)(2)(A); the Division of Taxation's tax rate schedules (2022:
  tax.ri.gov .../2022 RI Tax Tables; 2023, 2024: Tax Rate and Worksheets; 2025: RI-1040 instructions
  page 13) and, for 2026, Advisory ADV 2025-22 (inflation-adjusted amounts for tax year 2026).
- Standard deduction by filing status and its phase-out (20% for each increment, or part of one, of
  modified federal AGI above the start, gone after five): §44-30-2.6(c)(3)(B); RI-1040 line 4 and
  the standard deduction worksheet of each year; ADV 2025-22 for 2026.
- Personal exemption (one per filer) and the same phase-out: §44-30-2.6(c)(3)(C); exemption
  worksheet line 1 of each year; ADV 2025-22 for 2026.
- Rhode Island starts from federal AGI (§44-30-12): capital gains are ordinary income and the federal
  $3,000 loss limit applies.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

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

STATE = "RI"
NAME = "Rhode Island"
SIMPLIFICATIONS = (
    "Rhode Island AGI is taken to be the federal AGI (no Rhode Island modifications)",
    "the Rhode Island earned income credit and property-tax relief credit are not modelled",
)

_RATES = ("0.0375", "0.0475", "0.0599")
_BRACKETS = {
    2022: (68_200, 155_050),
    2023: (73_450, 166_950),
    2024: (77_450, 176_050),
    2025: (79_900, 181_650),
    2026: (82_050, 186_450),
}
_STANDARD_DEDUCTION = {
    2022: {SINGLE: 9_300, JOINT: 18_600, SEPARATE: 9_300, HEAD: 13_950},
    2023: {SINGLE: 10_000, JOINT: 20_050, SEPARATE: 10_025, HEAD: 15_050},
    2024: {SINGLE: 10_550, JOINT: 21_150, SEPARATE: 10_575, HEAD: 15_850},
    2025: {SINGLE: 10_900, JOINT: 21_800, SEPARATE: 10_900, HEAD: 16_350},
    2026: {SINGLE: 11_200, JOINT: 22_400, SEPARATE: 11_200, HEAD: 16_800},
}
_EXEMPTION = {2022: 4_350, 2023: 4_700, 2024: 4_950, 2025: 5_100, 2026: 5_250}
# Phase-out of the standard deduction and exemptions: start (modified federal AGI) and increment.
_PHASEOUT = {
    2022: (217_050, 6_200),
    2023: (233_750, 6_700),
    2024: (246_450, 7_050),
    2025: (254_250, 7_250),
    2026: (261_000, 7_450),
}
_STEP_SHARE = D("0.2")

YEARS = tuple(sorted(_BRACKETS))
_SCHEDULES = {year: schedules(tuple(zip((0, *tops), _RATES, strict=True))) for year, tops in _BRACKETS.items()}
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _STANDARD_DEDUCTION.items()}
_EXEMPTIONS = {year: D(amount) for year, amount in _EXEMPTION.items()}
_PHASEOUTS = {year: (D(start), D(step)) for year, (start, step) in _PHASEOUT.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    agi = income.agi
    allowed = D(1)  # the share of the deduction and exemptions left after the phase-out
    start, step = _PHASEOUTS[year]
    if agi > start:
        steps = ((agi - start) / step).to_integral_value(ROUND_CEILING)
        allowed = max(D(0), 1 - _STEP_SHARE * steps)
    deductions = (_DEDUCTIONS[year][income.status] + _EXEMPTIONS[year] * income.persons) * allowed
    taxable = agi - deductions
    return cents(_SCHEDULES[year][income.status].tax(taxable))
