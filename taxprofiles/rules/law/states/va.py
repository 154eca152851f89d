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
  federal return (Va. Code §58.1-322.03(1)). The product's profile says whether the client itemizes; a
  client without itemized deductions takes the federal standard deduction, and so Virginia's.
- 2026: Virginia does not index; the 2025 figures carry over (the standard deduction by HB 30, 2026).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    JOINT,
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
YEARS = tuple(sorted(_STANDARD_DEDUCTION))


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    exemptions = _EXEMPTION * income.persons
    before_credits = _SCHEDULE[status].tax(income.agi - _STANDARD_DEDUCTION[year][status] - exemptions)
    return cents(before_credits - min(before_credits, _REBATE[year][status]))
