"""South Carolina individual income tax (Form SC1040), 2022-2026.

Sources:
- 2022-2025: South Carolina taxable income starts from federal taxable income (S.C. Code §12-6-560;
  SC1040 line 1), so the federal standard deduction is the state's. Rates (0% to the first bracket,
  3%, then 6.5% / 6.4% / 6.2% / 6.0%) and the indexed brackets: S.C. Code §12-6-510 as amended by
  2022 Act 228; SC1040 tax tables (2022: SC1040TT_2022; 2024: SC1040TT_2024; 2023: SC1040ES_2023
  page 4; 2025: SC1040 instructions 2025 page 1).
- Net capital gain deduction: 44% of the net long-term gain (the federal net capital gain) held more
  than one year, S.C. Code §12-6-1150(A); SC1040 line h / instructions (2024 page 6, 2025 page 6).
- 2025: South Carolina conforms to the Internal Revenue Code as of December 31, 2024 (§12-6-40(A)(1)(a);
  SC DOR Information Letter #26-4), so a filer who took the federal standard deduction adds back the
  part of it the One Big Beautiful Bill Act added ($750, $1,500 joint, $1,125 head of household over
  the pre-Act $15,000 / $30,000 / $22,500 of Rev. Proc. 2024-40 §3.15). A filer who itemizes adds back
  instead the state income tax deducted, up to the excess of the itemized deductions over the federal
  standard deduction (SC1040 line b worksheet), which leaves the federal standard deduction in full when
  the state income tax is the only itemized deduction. The product's profile says whether the client
  itemizes; a client without itemized deductions takes the federal standard deduction and adds back the
  Act's part of it.
- 2026: H.4216 (2025-2026 session) starts South Carolina taxable income from federal AGI less the South
  Carolina Income Adjusted Deduction (SCIAD, §12-6-1140(15): $15,000 single and married separately,
  $22,500 head of household, $30,000 joint, reduced in proportion to AGI above $40,000 / $60,000 /
  $80,000 over $55,000 / $82,500 / $110,000, the reduction rounded down to $10), with rates of 1.99% to
  $30,000 and 5.21% above (§12-6-510(C)); the 44% capital gain deduction stays. Figures as
  PolicyEngine-US 2.68.0 carries them.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SINGLE,
    D,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "SC"
NAME = "South Carolina"
SIMPLIFICATIONS = (
    "South Carolina taxable income is taken to be the federal taxable income (AGI from 2026) with the 44%"
    " capital gain deduction; no other South Carolina additions or subtractions",
    "the two-wage-earner credit is not modelled (the product does not know each spouse's earnings); the"
    " earned income, child care and other South Carolina credits are not modelled",
)

_SCHEDULES = {
    2022: schedules(((0, "0"), (3_200, "0.03"), (16_040, "0.065"))),
    2023: schedules(((0, "0"), (3_330, "0.03"), (16_680, "0.064"))),
    2024: schedules(((0, "0"), (3_460, "0.03"), (17_330, "0.062"))),
    2025: schedules(((0, "0"), (3_560, "0.03"), (17_830, "0.06"))),
    2026: schedules(((0, "0.0199"), (30_000, "0.0521"))),
}
_GAIN_DEDUCTION = D("0.44")
# 2025: the part of the federal standard deduction South Carolina adds back (OBBBA over pre-OBBBA).
_OBBBA_ADDBACK = {2025: by_status({SINGLE: 750, JOINT: 1_500, HEAD: 1_125})}
# 2026: the SCIAD, where its phase-out starts and over what width.
_SCIAD = by_status({SINGLE: 15_000, JOINT: 30_000, HEAD: 22_500})
_SCIAD_START = by_status({SINGLE: 40_000, JOINT: 80_000, HEAD: 60_000})
_SCIAD_WIDTH = by_status({SINGLE: 55_000, JOINT: 110_000, HEAD: 82_500})
_TEN = D(10)
_FROM_AGI = 2026

YEARS = tuple(sorted(_SCHEDULES))


def _sciad(income: StateIncome) -> Decimal:
    status = income.status
    amount = _SCIAD[status]
    excess = income.agi - _SCIAD_START[status]
    if excess <= 0:
        return amount
    reduction = amount * min(D(1), excess / _SCIAD_WIDTH[status])
    return max(D(0), amount - (reduction / _TEN).to_integral_value(ROUND_FLOOR) * _TEN)


def tax(year: int, income: StateIncome) -> Decimal:
    gain_deduction = _GAIN_DEDUCTION * max(D(0), income.preferential_gain)
    if year >= _FROM_AGI:
        taxable = income.agi - _sciad(income) - gain_deduction
    else:
        taxable = income.federal_taxable - gain_deduction
        addback = _OBBBA_ADDBACK.get(year)
        if addback is not None and income.itemized is None:
            return cents(_SCHEDULES[year][income.status].tax(taxable + addback[income.status]))
    return cents(_SCHEDULES[year][income.status].tax(taxable))
