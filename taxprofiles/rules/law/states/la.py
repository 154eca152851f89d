"""Louisiana individual income tax (Form IT-540), 2022-2026.

Sources:
- 2022-2024 rates and brackets: La. R.S. 47:32(A) as amended in 2021 (HB 292, effective 2022),
  1.85% / 3.5% / 4.25% above $12,500 and $50,000 (single and married filing separately;
  doubled for joint returns and qualifying surviving spouses); head of household uses the single
  brackets (IT-540 tax tables 2022, 2023 and 2024).
- 2022-2024 combined personal exemption-standard deduction: La. R.S. 47:294, $4,500 (single,
  married filing separately) or $9,000 (joint, head of household), applied at the first rate:
  the tax is the schedule tax on Louisiana taxable income less 1.85% of the exemption (the
  IT-540 tax tables).
- 2025-2026: a flat 3% (La. R.S. 47:32 as amended by HB 10 of the 2024 Third Extraordinary
  Session), on income after a standard deduction (La. R.S. 47:294 as amended): $12,500
  (single, married filing separately), $25,000 (joint, head of household, surviving spouse),
  indexed from 2026 by CPI-U: $12,838 / $25,676 (Revenue Information Bulletin 26-019).
  The personal exemptions end in 2025 (IT-540 instructions 2025, What's New).
- Louisiana tax table income starts from federal AGI (La. R.S. 47:293(1)); capital gains are taxed as
  ordinary income with the federal $3,000 loss limit. The federal income tax deduction ended with
  2021 (La. Const. art. VII §4(B) as amended by the 2021 constitutional amendment, HB 278).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    D,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "LA"
NAME = "Louisiana"
SIMPLIFICATIONS = (
    "Louisiana income is taken to be the federal AGI (no Louisiana additions or exemptions of income)",
    "the 2022-2024 tax is computed from the rate schedule, not the $50-wide tax table (a few dollars apart)",
    "the earned income and child care credits are not modelled",
)

_SINGLE = ((0, "0.0185"), (12_500, "0.035"), (50_000, "0.0425"))
_JOINT = ((0, "0.0185"), (25_000, "0.035"), (100_000, "0.0425"))
_GRADUATED = schedules({"single": _SINGLE, JOINT: _JOINT, HEAD: _SINGLE})
_EXEMPTION_TAX = by_status({"single": "83.25", JOINT: "166.50", HEAD: "166.50"})  # 1.85% of $4,500 / $9,000
_FLAT = D("0.03")
_STANDARD_DEDUCTION = {
    2025: by_status({"single": 12_500, JOINT: 25_000, HEAD: 25_000}),
    2026: by_status({"single": 12_838, JOINT: 25_676, HEAD: 25_676}),
}

YEARS = (2022, 2023, 2024, 2025, 2026)


def tax(year: int, income: StateIncome) -> Decimal:
    if year >= 2025:
        return cents((income.agi - _STANDARD_DEDUCTION[year][income.status]) * _FLAT)
    status = income.status
    return cents(_GRADUATED[status].tax(income.agi) - _EXEMPTION_TAX[status])
