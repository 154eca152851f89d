"""Maine individual income tax (Form 1040ME), 2022-2026.

Sources:
- Rates and brackets: 36 M.R.S. §5111(1-F), indexed under §5403(1); 5.8% / 6.75% / 7.15%
  (Maine individual income tax rate schedules 2022-2025; the 2026 schedule revised May 20, 2026).
- High-income surcharge from 2026: 2% of Maine taxable income above $1,000,000 ($1,500,000 joint and
  head of household, $750,000 married filing separately), 36 M.R.S. §5111(7) (P.L. 2025, LD 2212,
  Part DDDD).
- Standard deduction: 36 M.R.S. §5124-C, the federal amount for 2022-2024 and Maine's own amounts for
  2025 (§5124-C(1-B): $15,000 / $30,000 / $22,500) and 2026 (§5124-C(1-C): $15,700 / $31,400 /
  $23,550). It phases out over $75,000 ($150,000 joint, $112,500 head of household) of Maine AGI
  above the indexed threshold (§5124-C, §5125(6), §5403(4); Form 1040ME standard/itemized
  deduction worksheet; 2026: estimated tax worksheet line 6a).
- Personal exemption: 36 M.R.S. §5126-A(1), one per filer (two on a joint return), indexed under
  §5403(7): $4,450 (2022), $4,700 (2023), $5,000 (2024), $5,150 (2025), $5,250 (2026, the 2025 figure
  indexed as PolicyEngine-US 2.68.0 projects it). It phases out over $125,000 ($62,500 separate)
  above the indexed threshold (§5126-A(2); Form 1040ME personal exemption phase-out worksheet).
- The 2025 affordability payment (P.L. 2025, LD 2212, Part T, Sec. T-1: $300 for each filer and spouse
  with federal AGI below $50,000, $75,000 head of household, $100,000 joint) is a direct payment from
  a Special Revenue Fund (Sec. T-1, sub-§3), not a tax credit: it is not included here, although
  PolicyEngine-US 2.68.0 counts it among Maine's refundable credits (state_income_tax).
- Maine AGI starts from federal AGI (36 M.R.S. §5102 and §5122); capital gains are taxed as ordinary
  income with the federal $3,000 loss limit.
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

STATE = "ME"
NAME = "Maine"
SIMPLIFICATIONS = (
    "Maine AGI is taken to be the federal AGI (no Maine additions or subtractions)",
    "the earned income credit, the sales and property tax fairness credits and the child care credit are not modelled",
)

_RATES = ("0.058", "0.0675", "0.0715")
_TOPS = {
    2022: {SINGLE: (23_000, 54_450), JOINT: (46_000, 108_900), HEAD: (34_500, 81_700)},
    2023: {SINGLE: (24_500, 58_050), JOINT: (49_050, 116_100), HEAD: (36_750, 87_100)},
    2024: {SINGLE: (26_050, 61_600), JOINT: (52_100, 123_250), HEAD: (39_050, 92_450)},
    2025: {SINGLE: (26_800, 63_450), JOINT: (53_600, 126_900), HEAD: (40_200, 95_150)},
    2026: {SINGLE: (27_400, 64_850), JOINT: (54_850, 129_750), HEAD: (41_100, 97_300)},
}
_STANDARD_DEDUCTION = {
    2022: {SINGLE: 12_950, JOINT: 25_900, HEAD: 19_400},
    2023: {SINGLE: 13_850, JOINT: 27_700, HEAD: 20_800},
    2024: {SINGLE: 14_600, JOINT: 29_200, HEAD: 21_900},
    2025: {SINGLE: 15_000, JOINT: 30_000, HEAD: 22_500},
    2026: {SINGLE: 15_700, JOINT: 31_400, HEAD: 23_550},
}
_DEDUCTION_PHASEOUT_START = {
    2022: {SINGLE: 85_850, JOINT: 171_700, HEAD: 128_750},
    2023: {SINGLE: 91_500, JOINT: 183_050, HEAD: 137_300},
    2024: {SINGLE: 97_150, JOINT: 194_300, HEAD: 145_750},
    2025: {SINGLE: 100_000, JOINT: 200_050, HEAD: 150_000},
    2026: {SINGLE: 102_250, JOINT: 204_550, HEAD: 153_400},
}
_DEDUCTION_PHASEOUT_WIDTH = by_status({SINGLE: 75_000, JOINT: 150_000, HEAD: 112_500})
_EXEMPTION = {2022: 4_450, 2023: 4_700, 2024: 5_000, 2025: 5_150, 2026: 5_250}
_EXEMPTION_PHASEOUT_START = {
    2022: {SINGLE: 286_200, JOINT: 343_400, HEAD: 314_800, SEPARATE: 171_700},
    2023: {SINGLE: 305_150, JOINT: 366_100, HEAD: 335_650, SEPARATE: 183_050},
    2024: {SINGLE: 323_900, JOINT: 388_650, HEAD: 356_300, SEPARATE: 194_325},
    2025: {SINGLE: 333_450, JOINT: 400_100, HEAD: 366_750, SEPARATE: 200_050},
    2026: {SINGLE: 341_000, JOINT: 409_150, HEAD: 375_050, SEPARATE: 204_575},
}
_EXEMPTION_PHASEOUT_WIDTH = by_status({SINGLE: 125_000, JOINT: 125_000, SEPARATE: 62_500})
_SURCHARGE_RATE = {2026: D("0.02")}
_SURCHARGE_START = by_status({SINGLE: 1_000_000, JOINT: 1_500_000, HEAD: 1_500_000, SEPARATE: 750_000})

YEARS = tuple(sorted(_TOPS))
_SCHEDULES = {
    year: schedules({status: tuple(zip((0, *tops), _RATES, strict=True)) for status, tops in by.items()})
    for year, by in _TOPS.items()
}
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _STANDARD_DEDUCTION.items()}
_DEDUCTION_STARTS = {year: by_status(starts) for year, starts in _DEDUCTION_PHASEOUT_START.items()}
_EXEMPTION_STARTS = {year: by_status(starts) for year, starts in _EXEMPTION_PHASEOUT_START.items()}
_EXEMPTIONS = {year: D(amount) for year, amount in _EXEMPTION.items()}
_ONE = D(1)
_ZERO = D(0)


def _kept(agi: Decimal, start: Decimal, width: Decimal) -> Decimal:
    """The share of an amount left after its phase-out (1 below the start, 0 past start + width)."""
    if agi <= start:
        return _ONE
    return max(_ZERO, _ONE - (agi - start) / width)


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    agi = income.agi
    deduction = _DEDUCTIONS[year][status] * _kept(
        agi, _DEDUCTION_STARTS[year][status], _DEDUCTION_PHASEOUT_WIDTH[status]
    )
    exemption = _EXEMPTIONS[year] * income.persons
    exemption_start = _EXEMPTION_STARTS[year][status]
    if agi > exemption_start:
        exemption *= _kept(agi, exemption_start, _EXEMPTION_PHASEOUT_WIDTH[status])
    taxable = agi - deduction - exemption
    surtax = _ZERO
    if year in _SURCHARGE_RATE and taxable > _SURCHARGE_START[status]:
        surtax = (taxable - _SURCHARGE_START[status]) * _SURCHARGE_RATE[year]
    return cents(_SCHEDULES[year][status].tax(taxable) + surtax)
