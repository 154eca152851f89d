"""Delaware personal income tax (Form PIT-RES), 2022-2026.

Sources:
- Delaware AGI is federal AGI with Delaware's modifications (30 Del. C. §1105-§1106); capital gains are
  taxed as ordinary income and the federal $3,000 loss limit applies.
- Standard deduction: $3,250, $6,500 on a joint return (30 Del. C. §1108; PIT-RES line 19a of each year,
  2022-2025). Not indexed: 2026 is the same.
- Rates (30 Del. C. §1102(a)(14); the PIT-RES tax rate schedule of each year), one schedule for every
  filing status: nothing on the first $2,000, 2.2% to $5,000, 3.9% to $10,000, 4.8% to $20,000, 5.2% to
  $25,000, 5.55% to $60,000 and 6.6% above. Unchanged 2022-2026.
- Personal credit: $110 for each taxpayer (30 Del. C. §1110(b)(1); PIT-RES line 27a), nonrefundable.
- Checked against PolicyEngine-US 2.68.0 (gov.states.de.tax.income; variables de_taxable_income_joint,
  de_income_tax_before_non_refundable_credits_joint, de_personal_credit).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    JOINT,
    SINGLE,
    D,
    StateIncome,
    brackets,
    by_status,
    cents,
)

STATE = "DE"
NAME = "Delaware"
SIMPLIFICATIONS = (
    "Delaware AGI is taken to be the federal AGI (no Delaware additions or subtractions)",
    "a married couple is taxed on one joint computation: Delaware lets spouses file separately on the same "
    "return, which can lower a two-earner couple's tax",
    "Delaware credits other than the personal credit (such as the earned income credit) are not modelled",
)

_SCHEDULE = brackets(
    (0, "0"), (2_000, "0.022"), (5_000, "0.039"), (10_000, "0.048"), (20_000, "0.052"), (25_000, "0.0555"),
    (60_000, "0.066"),
)  # fmt: skip
_STANDARD_DEDUCTION = by_status({SINGLE: 3_250, JOINT: 6_500})
_PERSONAL_CREDIT = D(110)

YEARS = (2022, 2023, 2024, 2025, 2026)


def tax(year: int, income: StateIncome) -> Decimal:
    before_credits = _SCHEDULE.tax(income.agi - _STANDARD_DEDUCTION[income.status])
    return cents(before_credits - _PERSONAL_CREDIT * income.persons)
