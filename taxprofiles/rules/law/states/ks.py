"""Kansas individual income tax (Form K-40), 2022-2026.

Sources:
- Rates and brackets: K.S.A. 79-32,110(a). 2022-2023: 3.1% / 5.25% / 5.7% above $15,000 and
  $30,000 of taxable income ($30,000 and $60,000 on joint returns; K-40 instructions 2022 and
  2023, tax computation schedules). From 2024 (2024 Special Session SB 1, Kansas Notice 24-08):
  5.2% up to $23,000 ($46,000 joint) and 5.58% above (K-40 instructions 2024 p. 34, 2025 p. 34).
- Standard deduction: K.S.A. 79-32,119(c): $3,500 single, $8,000 joint, $6,000 head of household,
  $4,000 married filing separately (2022-2023); $3,605, $8,240, $6,180, $4,120 from 2024
  (Notice 24-08; K-40 instructions 2024 p. 2, 2025 p. 2).
- Exemptions: K.S.A. 79-32,121(a). 2022-2023: $2,250 each, two on a joint return and two for head
  of household (K-40 line 5). From 2024: $9,160 for a single filer, married filing separately or
  head of household (plus $2,320 for head of household), $18,320 on a joint return.
- No tax on a taxable income of $2,500 or less ($5,000 joint) through 2023 (K.S.A. 79-32,110(a),
  the K-40 tax table); from 2024 no tax when Kansas AGI is no more than the standard deduction plus
  exemptions ($12,765 single, $26,560 joint, $17,660 head of household, $13,280 separate; K-40
  instructions 2024 p. 3).
- Kansas AGI starts from federal AGI (K.S.A. 79-32,117); capital gains are taxed as ordinary
  income with the federal $3,000 loss limit.
- 2026: the 2025 figures (the law sets no indexing; PolicyEngine-US 2.68.0 carries them forward).
  2025 SB 269 (enacted over the veto) lowers both rates from tax year 2026 on when the prior fiscal
  year's revenue exceeds the inflation-adjusted fiscal 2024 revenue (determined each August 15);
  no such reduction is in PolicyEngine-US 2.68.0 and none is modelled here.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    D,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "KS"
NAME = "Kansas"
SIMPLIFICATIONS = (
    "Kansas AGI is taken to be the federal AGI (no Kansas additions or subtractions)",
    "the 2022-2023 tax is computed from the rate schedule, not the $50-wide tax table (a few dollars apart)",
    "the food sales tax credit, the earned income credit and the child care credit are not modelled",
    "2026 uses the 2025 rates: a revenue-triggered rate cut under 2025 SB 269 is not modelled",
)

_OLD = schedules(
    {
        "single": ((0, "0.031"), (15_000, "0.0525"), (30_000, "0.057")),
        JOINT: ((0, "0.031"), (30_000, "0.0525"), (60_000, "0.057")),
    }
)
_NEW = schedules(
    {
        "single": ((0, "0.052"), (23_000, "0.0558")),
        JOINT: ((0, "0.052"), (46_000, "0.0558")),
    }
)
# Standard deduction plus exemptions, and the level at or below which no tax is due.
_OLD_ALLOWANCE = by_status(
    {"single": 3_500 + 2_250, JOINT: 8_000 + 4_500, HEAD: 6_000 + 4_500, SEPARATE: 4_000 + 2_250}
)
_OLD_NO_TAX = by_status({"single": 2_500, JOINT: 5_000})  # taxable income
_NEW_ALLOWANCE = by_status(
    {"single": 12_765, JOINT: 26_560, HEAD: 17_660, SEPARATE: 13_280}
)  # = Kansas AGI with no tax

YEARS = (2022, 2023, 2024, 2025, 2026)


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    if year <= 2023:
        taxable = income.agi - _OLD_ALLOWANCE[status]
        if taxable <= _OLD_NO_TAX[status]:
            return D(0)
        return cents(_OLD[status].tax(taxable))
    allowance = _NEW_ALLOWANCE[status]
    if income.agi <= allowance:
        return D(0)
    return cents(_NEW[status].tax(income.agi - allowance))
