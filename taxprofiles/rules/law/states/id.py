"""Idaho individual income tax (Form 40), 2022-2026.

Sources:
- Starting point: Idaho taxable income is federal AGI less the federal standard deduction (Idaho Code
  §63-3022(j), §63-3022M; Form 40 lines 7-19), i.e. the federal taxable income of a client who takes the
  standard deduction. Idaho taxes capital gains as ordinary income; its 60% capital gains deduction
  (§63-3022H) applies only to Idaho real and tangible property, not to securities.
- Rates: Idaho Code §63-3024. 2022 (HB 436, 2022): 1% / 3% / 4.5% / 6% with brackets 1,662 / 4,987 /
  8,311 (doubled for joint and head of household). From 2023 (HB 1, 2022 1st extraordinary session) a
  single rate above the first bracket, taxed at 0%: 5.8% above 4,490 (8,979 joint) in 2023; 5.695%
  above 4,673 (9,346) in 2024 (HB 521, 2024); 5.3% above 4,811 (9,622) in 2025 (HB 40, 2025).
- Permanent building fund tax: $10 on every return with an income tax (§63-3082; Form 40 line 34).
- Grocery credit (refundable): §63-3024A, $100 per person in 2022, $120 in 2023-2024, $155 from 2025
  (HB 231, 2025); Form 40 line 45.
- 2026: the 5.3% rate of HB 40; the first bracket is indexed and not yet published: 4,920 (9,840 joint),
  the 2025 figures indexed as PolicyEngine-US 2.68.0 projects them (rounded to the dollar).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import HEAD, JOINT, SINGLE, D, StateIncome, cents, schedules

STATE = "ID"
NAME = "Idaho"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "Idaho taxable income is taken to be the federal taxable income (no Idaho additions or subtractions)",
    "Idaho credits other than the grocery credit are not modelled",
)


def _flat(zero_band: int, rate: str) -> tuple[tuple[int, str], ...]:
    return ((0, "0"), (zero_band, rate))


_SCHEDULES = {
    2022: schedules(
        {
            SINGLE: ((0, "0.01"), (1_662, "0.03"), (4_987, "0.045"), (8_311, "0.06")),
            JOINT: ((0, "0.01"), (3_324, "0.03"), (9_974, "0.045"), (16_622, "0.06")),
            HEAD: ((0, "0.01"), (3_324, "0.03"), (9_974, "0.045"), (16_622, "0.06")),
        }
    ),
    **{
        year: schedules({SINGLE: _flat(single, rate), JOINT: _flat(joint, rate), HEAD: _flat(joint, rate)})
        for year, single, joint, rate in (
            (2023, 4_490, 8_979, "0.058"),
            (2024, 4_673, 9_346, "0.05695"),
            (2025, 4_811, 9_622, "0.053"),
            (2026, 4_920, 9_840, "0.053"),
        )
    },
}
_BUILDING_FUND = D(10)
_GROCERY = {2022: D(100), 2023: D(120), 2024: D(120), 2025: D(155), 2026: D(155)}


def tax(year: int, income: StateIncome) -> Decimal:
    amount = _SCHEDULES[year][income.status].tax(income.federal_taxable)
    if amount > 0:
        amount += _BUILDING_FUND
    return cents(amount - _GROCERY[year] * income.persons)
