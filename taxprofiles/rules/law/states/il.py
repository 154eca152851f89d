"""Illinois individual income tax (Form IL-1040), 2022-2026.

Sources:
- Starting point: federal adjusted gross income (35 ILCS 5/203(a); IL-1040 line 1). Illinois taxes
  capital gains as ordinary income and follows the federal $3,000 loss limit.
- Rate: 4.95% of net income (35 ILCS 5/201(b)(5.4); IL-1040 line 12 instructions).
- Exemption allowance: 35 ILCS 5/204(b), indexed by the cost of living (IL-1040 Step 4 instructions):
  2,425 for 2022 and 2023, 2,775 for 2024, 2,850 for 2025, per person (two on a joint return).
- No exemption when federal AGI exceeds $250,000 ($500,000 on a joint return): 35 ILCS 5/204(g).
- 2026: the Department of Revenue has not published the 2026 allowance in the product's sources; it is
  2,925, the 2025 figure indexed as PolicyEngine-US 2.68.0 projects it (rounded to $25 as the statute
  does).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import JOINT, SINGLE, StateIncome, by_status, cents, flat

STATE = "IL"
NAME = "Illinois"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "Illinois base income is taken to be the federal AGI (no Illinois additions or subtractions)",
    "the Illinois earned income credit and property tax and education credits are not modelled",
)

_RATE = flat("0.0495")
_EXEMPTION = {2022: 2_425, 2023: 2_425, 2024: 2_775, 2025: 2_850, 2026: 2_925}
_EXEMPTION_LIMIT = by_status({SINGLE: 250_000, JOINT: 500_000})


def tax(year: int, income: StateIncome) -> Decimal:
    exemptions = _EXEMPTION[year] * income.persons if income.agi <= _EXEMPTION_LIMIT[income.status] else 0
    return cents(_RATE.tax(income.agi - exemptions))
