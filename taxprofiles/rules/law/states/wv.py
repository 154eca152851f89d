"""West Virginia personal income tax (Form IT-140), 2022-2026.

Sources:
- Rates: W. Va. Code §11-21-4e (2022: 3% to 6.5%), §11-21-4g (21.25% cut from 2023, HB 2526:
  2.36% to 5.12%), §11-21-4j (2025: 2.22% to 4.82%, SB 2033; 2026: 2.11% to 4.58%, SB 392 of 2026);
  IT-140 instructions, tax rate schedules (2022 page 36, 2023-2025 page 37). Brackets at $10,000,
  $25,000, $40,000 and $60,000 for every filing status except married filing separately (half).
- Personal exemption: $2,000 for each filer (W. Va. Code §11-21-16; IT-140 line 6). West Virginia
  has no standard deduction.
- West Virginia AGI starts from federal AGI (W. Va. Code §11-21-12): capital gains are ordinary
  income and the federal $3,000 loss limit applies.
- 2026: the rates are SB 392 (2026); the brackets and the exemption are not indexed.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import JOINT, SEPARATE, SINGLE, D, StateIncome, cents, schedules

STATE = "WV"
NAME = "West Virginia"
SIMPLIFICATIONS = (
    "West Virginia AGI is taken to be the federal AGI (no West Virginia additions or subtractions)",
    "the low-income earned income exclusion and the low-income family tax credit are not modelled",
)

_RATES = {
    2022: ("0.03", "0.04", "0.045", "0.06", "0.065"),
    2023: ("0.0236", "0.0315", "0.0354", "0.0472", "0.0512"),
    2024: ("0.0236", "0.0315", "0.0354", "0.0472", "0.0512"),
    2025: ("0.0222", "0.0296", "0.0333", "0.0444", "0.0482"),
    2026: ("0.0211", "0.0281", "0.0316", "0.0422", "0.0458"),
}
_STARTS = (0, 10_000, 25_000, 40_000, 60_000)
_SEPARATE_STARTS = (0, 5_000, 12_500, 20_000, 30_000)
_SCHEDULES = {
    year: schedules(
        {
            SINGLE: tuple(zip(_STARTS, rates, strict=True)),
            JOINT: tuple(zip(_STARTS, rates, strict=True)),
            SEPARATE: tuple(zip(_SEPARATE_STARTS, rates, strict=True)),
        }
    )
    for year, rates in _RATES.items()
}
_EXEMPTION = D(2_000)
YEARS = tuple(sorted(_RATES))


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.agi - _EXEMPTION * income.persons
    return cents(_SCHEDULES[year][income.status].tax(taxable))
