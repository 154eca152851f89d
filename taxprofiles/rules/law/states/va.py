"""Virginia individual income tax (Form 760), 2022-2026.

Sources:
- Rates and brackets (2% to $3,000, 3% to $5,000, 5% to $17,000, 5.75% above; the same for every
  filing status): Va. Code §58.1-320; Form 760 instructions, tax rate schedule (2022-2025,
  tax.virginia.gov/sites/default/files/vatax-pdf/<year>-760-instructions.pdf, page 41).
- Standard deduction: Va. Code §58.1-322.03(1)(b) and the Appropriation Acts that raised it:
  $8,000 / $16,000 joint for 2022 and 2023, $8,500 / $17,000 for 2024 (HB 1600, 2025 session),
  $8,750 / $17,500 for 2025 (HB 1600) and 2026 (HB 30, 2026 Special Session I, Item 4-14 #1c).
  Married filing separately and head of household take the single figure.
- Personal exemption: $930 for each filer, Va. Code §58.1-322.03(2)(a); Form 760 line 12.
- Tax rebate: $200 single, married separately or head of household, $400 joint, up to the year's
  tax liability, for 2022 (2023 Special Session I, HB 6001, Item 3-5.28 B) and 2024 (HB 1600,
  2025 session, Item 258 GG.3); PolicyEngine-US 2.68.0 treats it as a credit against the year's
  tax, and so does this module.
- Capital gains are ordinary income in Virginia AGI, which starts from federal AGI (Va. Code
  §58.1-321), so the federal $3,000 loss limit applies.
- Federal itemizing: Virginia allows its standard deduction only to filers who do not itemize on the
  federal return, and its itemized deductions are the federal ones less state income taxes (Va. Code
  §58.1-322.03(1)). From 2025 the federal SALT cap is $40,000 ($20,000 married separately), less 30%
  of modified AGI above $500,000 ($250,000), never below $10,000 ($5,000) (IRC §164(b)(7) as amended
  by the One Big Beautiful Bill Act; $40,400 and $505,000 for 2026). A client the product takes to use
  the federal standard deduction but whose Virginia income tax (figured with the standard deduction)
  is deductible above the federal standard deduction itemizes federally instead, as PolicyEngine-US
  2.68.0 has it; the Virginia deduction is then the Virginia itemized deductions, taken to be nothing
  (the product knows no other itemized deductions).
- 2026: Virginia does not index; the 2025 figures carry over (the standard deduction by HB 30, 2026).
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

STATE = "VA"
NAME = "Virginia"
SIMPLIFICATIONS = (
    "Virginia AGI is taken to be the federal AGI (no Virginia additions or subtractions)",
    "the spouse tax adjustment for two-earner couples is not modelled (the product does not know each spouse's income)",
    "the low-income tax credit and the Virginia earned income credit are not modelled",
    "from 2025, a client whose Virginia income tax alone exceeds the federal standard deduction (within the"
    " SALT cap) is taken to itemize federally, with no Virginia itemized deductions besides state income"
    " taxes, which Virginia does not allow",
)

_SCHEDULE = schedules(((0, "0.02"), (3_000, "0.03"), (5_000, "0.05"), (17_000, "0.0575")))
_STANDARD_DEDUCTION = {
    2022: by_status({SINGLE: 8_000, JOINT: 16_000}),
    2023: by_status({SINGLE: 8_000, JOINT: 16_000}),
    2024: by_status({SINGLE: 8_500, JOINT: 17_000}),
    2025: by_status({SINGLE: 8_750, JOINT: 17_500}),
    2026: by_status({SINGLE: 8_750, JOINT: 17_500}),
}
_EXEMPTION = D(930)
_REBATE = {
    2022: by_status({SINGLE: 200, JOINT: 400}),
    2023: by_status(0),
    2024: by_status({SINGLE: 200, JOINT: 400}),
    2025: by_status(0),
    2026: by_status(0),
}
# From 2025: the federal standard deduction, and the SALT cap (cap, where its phase-down starts, floor).
_FEDERAL_STANDARD_DEDUCTION = {
    2025: by_status({SINGLE: 15_750, JOINT: 31_500, HEAD: 23_625}),
    2026: by_status({SINGLE: 16_100, JOINT: 32_200, HEAD: 24_150}),
}
_SALT_CAP = {
    2025: {SEPARATE: (D(20_000), D(250_000), D(5_000)), JOINT: (D(40_000), D(500_000), D(10_000))},
    2026: {SEPARATE: (D(20_200), D(252_500), D(5_000)), JOINT: (D(40_400), D(505_000), D(10_000))},
}
_SALT_PHASE_DOWN = D("0.3")
YEARS = tuple(sorted(_STANDARD_DEDUCTION))


def _itemizes_federally(year: int, income: StateIncome, state_tax: Decimal) -> bool:
    """Whether the Virginia tax alone, as a SALT deduction, beats the federal standard deduction."""
    federal = _FEDERAL_STANDARD_DEDUCTION.get(year)
    if federal is None:
        return False
    cap, start, floor = _SALT_CAP[year][SEPARATE if income.status == SEPARATE else JOINT]
    cap = max(floor, cap - _SALT_PHASE_DOWN * max(D(0), income.agi - start))
    return min(state_tax, cap) > (income.federal_standard_deduction or federal[income.status])


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    exemptions = _EXEMPTION * income.persons
    before_credits = _SCHEDULE[status].tax(income.agi - _STANDARD_DEDUCTION[year][status] - exemptions)
    if income.itemized is None and _itemizes_federally(year, income, before_credits):
        before_credits = _SCHEDULE[status].tax(income.agi - exemptions)
    return cents(before_credits - min(before_credits, _REBATE[year][status]))
