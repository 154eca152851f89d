"""Kentucky individual income tax (Form 740), 2022-2026.

Sources:
- Rate (flat): KRS 141.020(2), reduced under the triggers of KRS 141.020(2)(c) as enacted by
  2022 HB 8 and confirmed by 2023 HB 1 and 2025 HB 1: 5% (2022), 4.5% (2023), 4% (2024 and
  2025), 3.5% (2026, 2025 HB 1). Form 740 line 12 of each year.
- Standard deduction: KRS 141.081 ($1,700 in 1999, indexed), one per return (Form 740 line 10):
  $2,770 (2022), $2,980 (2023), $3,160 (2024), $3,270 (2025), $3,360 (2026, Department of Revenue
  announcement of September 4, 2025).
- Kentucky AGI starts from federal AGI (KRS 141.010); capital gains are taxed as ordinary income,
  with the federal $3,000 loss limit.
- The personal tax credits of KRS 141.020(3) are only for filers 65 or older, blind, or in the
  National Guard; the family size tax credit (KRS 141.066) ends at 133% of the poverty level.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import D, StateIncome, cents

STATE = "KY"
NAME = "Kentucky"
SIMPLIFICATIONS = (
    "Kentucky AGI is taken to be the federal AGI (no Kentucky additions or subtractions)",
    "a married couple is taxed on a joint return with one standard deduction (filing separately on a "
    "combined return, which can give each spouse a deduction, is not modelled)",
    "the family size tax credit (low incomes only) and the credits for age, blindness and the "
    "National Guard are not modelled",
)

_RATE = {2022: D("0.05"), 2023: D("0.045"), 2024: D("0.04"), 2025: D("0.04"), 2026: D("0.035")}
_STANDARD_DEDUCTION = {2022: D(2_770), 2023: D(2_980), 2024: D(3_160), 2025: D(3_270), 2026: D(3_360)}

YEARS = tuple(sorted(_RATE))


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.agi - _STANDARD_DEDUCTION[year]
    return cents(taxable * _RATE[year])
