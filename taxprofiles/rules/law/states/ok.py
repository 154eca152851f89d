"""Oklahoma individual income tax (Form 511), 2022-2026.

Sources:
- Starting point: federal AGI (68 O.S. §2353(12), Form 511 line 1); Oklahoma taxes capital gains as
  ordinary income and follows the federal $3,000 loss limit.
- Standard deduction: 68 O.S. §2358(A)(6): $6,350 single and married filing separately, $12,700 married
  filing jointly, $9,350 head of household, not indexed (Form 511 instructions, line 10).
- Personal exemption: $1,000 per person (68 O.S. §2358(B); Form 511 line 11).
- Rates: 68 O.S. §2355(B)(1)(h) and (B)(2)(h), Form 511 instructions tax table (2023 page 38, 2024 page 38,
  2025 page 27): 0.25%, 0.75%, 1.75%, 2.75%, 3.75%, 4.75%; the joint and head-of-household brackets are
  twice the single ones, except that the 4.75% bracket starts at $12,200 in 2022 and 2023 and at $14,400
  from 2024 (2024 and 2025 Form 511 tax tables).
- 2026: H.B. 2764 (2025), section amending 68 O.S. §2355: 0% up to $3,750 ($7,500 joint and head of
  household), 2.5% to $4,900 ($9,800), 3.5% to $7,200 ($14,400), 4.5% above.
- Oklahoma requires its itemized deductions when the federal return itemizes (68 O.S. §2358(A)(6)), and
  they leave out state income taxes. PolicyEngine-US 2.68.0 itemizes federally whenever the state income
  tax makes itemizing larger (no other deductions in its profiles), then gives Oklahoma no deduction at
  all; this module follows the product's input (the federal standard deduction, so Oklahoma's), which
  puts it $301.63 (6,350 x 4.75%) below PolicyEngine on those single returns (2025 single, $84,200 wages,
  $364,533 of gains). Every other profile agrees within a cent.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import HEAD, JOINT, SINGLE, ZERO, D, StateIncome, by_status, cents, schedules

STATE = "OK"
NAME = "Oklahoma"
SIMPLIFICATIONS = (
    "Oklahoma income is taken to be the federal AGI (no Oklahoma additions or subtractions, and no "
    "Oklahoma capital gain deduction, which applies only to Oklahoma property and companies)",
    "Oklahoma's low-income credits (earned income, sales tax and property tax relief) are not modelled",
)

_RATES = ("0.0025", "0.0075", "0.0175", "0.0275", "0.0375", "0.0475")
_SINGLE = (0, 1_000, 2_500, 3_750, 4_900, 7_200)
_JOINT_2022 = (0, 2_000, 5_000, 7_500, 9_800, 12_200)
_JOINT_2024 = (0, 2_000, 5_000, 7_500, 9_800, 14_400)
_RATES_2026 = ("0", "0.025", "0.035", "0.045")
_SINGLE_2026 = (0, 3_750, 4_900, 7_200)
_JOINT_2026 = (0, 7_500, 9_800, 14_400)


_TABLES = {
    2022: (_SINGLE, _JOINT_2022, _RATES),
    2023: (_SINGLE, _JOINT_2022, _RATES),
    2024: (_SINGLE, _JOINT_2024, _RATES),
    2025: (_SINGLE, _JOINT_2024, _RATES),
    2026: (_SINGLE_2026, _JOINT_2026, _RATES_2026),
}
_SCHEDULES = {
    year: schedules(
        {
            SINGLE: tuple(zip(single, rates, strict=True)),
            JOINT: tuple(zip(joint, rates, strict=True)),
            HEAD: tuple(zip(joint, rates, strict=True)),
        }
    )
    for year, (single, joint, rates) in _TABLES.items()
}
YEARS = tuple(sorted(_SCHEDULES))
_STANDARD_DEDUCTION = by_status({SINGLE: 6_350, JOINT: 12_700, HEAD: 9_350})
_EXEMPTION = D(1_000)


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    taxable = income.agi - _STANDARD_DEDUCTION[status] - _EXEMPTION * income.persons
    if taxable <= ZERO:
        return ZERO
    return cents(_SCHEDULES[year][status].tax(taxable))
