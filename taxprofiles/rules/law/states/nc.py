"""North Carolina individual income tax (Form D-400), 2022-2026.

Sources:
- Starting point: federal AGI (N.C. Gen. Stat. §105-153.5, Form D-400 line 6); North Carolina taxes capital
  gains as ordinary income and follows the federal $3,000 loss limit.
- Standard deduction: N.C. Gen. Stat. §105-153.5(a)(1); $12,750 single and married filing separately,
  $25,500 married filing jointly, $19,125 head of household since 2022, not indexed (Form D-401 line 11
  instructions, 2022-2025). No personal exemptions.
- Flat rate: N.C. Gen. Stat. §105-153.7(a) as amended by S.L. 2023-134 (H259): 4.99% for 2022, 4.75% for
  2023, 4.5% for 2024, 4.25% for 2025 and 3.99% for 2026 (NCDOR tax rate schedules; Form D-400 line 15).
- 2026: the statute fixes the 3.99% rate; the standard deduction is not indexed, so the 2025 amounts stand.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import HEAD, JOINT, SINGLE, ZERO, StateIncome, by_status, cents

STATE = "NC"
NAME = "North Carolina"
SIMPLIFICATIONS = (
    "North Carolina income is taken to be the federal AGI (no North Carolina additions or subtractions)",
    "North Carolina's child deduction and tax credits are not modelled",
)

_RATE = {2022: "0.0499", 2023: "0.0475", 2024: "0.045", 2025: "0.0425", 2026: "0.0399"}
_STANDARD_DEDUCTION = by_status({SINGLE: 12_750, JOINT: 25_500, HEAD: 19_125})

YEARS = tuple(sorted(_RATE))
_RATES = {year: Decimal(rate) for year, rate in _RATE.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.agi - _STANDARD_DEDUCTION[income.status]
    if taxable <= ZERO:
        return ZERO
    return cents(taxable * _RATES[year])
