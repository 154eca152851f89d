"""Georgia individual income tax (Form 500), 2022-2026.

Sources:
- Starting point: federal adjusted gross income (O.C.G.A. §48-7-27(a); Form 500 line 8). Georgia taxes
  capital gains as ordinary income and follows the federal $3,000 loss limit.
- 2022-2023 rates and brackets: O.C.G.A. §48-7-20(b) (1%-5.75%; single 750/2,250/3,750/5,250/7,000;
  joint and head of household 1,000/3,000/5,000/7,000/10,000; separate 500/1,500/2,500/3,500/5,000);
  IT-511 booklets 2022 and 2023, tax rate schedule (dor.georgia.gov/tax-tables-georgia-tax-rate-schedule).
- Flat rate from 2024: O.C.G.A. §48-7-20(a.1) as amended by HB 1015 (2024): 5.39% for 2024; HB 111
  (2025): 5.19% for 2025; HB 463 (2025-2026 session), §2-1: 4.99% for 2026 (2025 IT-511 booklet p. 9).
- Standard deduction: O.C.G.A. §48-7-27(a)(1)(B); Form 500 line 11: 2022-2023 5,400 single and head of
  household, 7,100 joint, 3,550 separate; 2024-2025 12,000 (24,000 joint); 2026 15,000 (30,000 joint)
  under HB 463 §2-3.
- Personal exemption (2022-2023 only, repealed from 2024 by HB 1437 (2022)): O.C.G.A. §48-7-26(b);
  Form 500 line 8a: 2,700 single and head of household, 7,400 joint, 3,700 separate.
- Low income credit: O.C.G.A. §48-7A-3(b)-(c), IT-511 "Low Income Credit" worksheet: $26 to $5 per
  exemption for federal AGI under $20,000, nonrefundable.
- 2026 figures are the enacted ones (HB 463); the law's further triggered cuts are not assumed, as in
  PolicyEngine-US 2.68.0.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    SINGLE,
    Brackets,
    D,
    StateIncome,
    by_status,
    cents,
    flat,
    schedules,
)

STATE = "GA"
NAME = "Georgia"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "Georgia AGI is taken to be the federal AGI (no Georgia additions or subtractions)",
    "the retirement income exclusion (age 62 and over) and credits other than the low income credit are not modelled",
)

_RATES = ("0.01", "0.02", "0.03", "0.04", "0.05", "0.0575")
_GRADUATED = schedules(
    {
        SINGLE: tuple(zip((0, 750, 2_250, 3_750, 5_250, 7_000), _RATES, strict=True)),
        JOINT: tuple(zip((0, 1_000, 3_000, 5_000, 7_000, 10_000), _RATES, strict=True)),
        SEPARATE: tuple(zip((0, 500, 1_500, 2_500, 3_500, 5_000), _RATES, strict=True)),
        HEAD: tuple(zip((0, 1_000, 3_000, 5_000, 7_000, 10_000), _RATES, strict=True)),
    }
)
_FLAT = {2024: flat("0.0539"), 2025: flat("0.0519"), 2026: flat("0.0499")}
_SCHEDULES: dict[int, dict[str, Brackets]] = {
    2022: _GRADUATED,
    2023: _GRADUATED,
    **{year: dict.fromkeys((SINGLE, JOINT, SEPARATE, HEAD), one) for year, one in _FLAT.items()},
}
_OLD_DEDUCTION = by_status({SINGLE: 5_400, JOINT: 7_100, SEPARATE: 3_550, HEAD: 5_400})
_OLD_EXEMPTION = by_status({SINGLE: 2_700, JOINT: 7_400, SEPARATE: 3_700, HEAD: 2_700})
_NEW_2024 = by_status({SINGLE: 12_000, JOINT: 24_000})
_NEW_2026 = by_status({SINGLE: 15_000, JOINT: 30_000})
# Standard deduction plus personal exemption, per year and status.
_ALLOWANCE = {
    2022: {s: _OLD_DEDUCTION[s] + _OLD_EXEMPTION[s] for s in _OLD_DEDUCTION},
    2023: {s: _OLD_DEDUCTION[s] + _OLD_EXEMPTION[s] for s in _OLD_DEDUCTION},
    2024: _NEW_2024,
    2025: _NEW_2024,
    2026: _NEW_2026,
}
# Low income credit per exemption, by federal AGI (below each limit): O.C.G.A. §48-7A-3(b).
_LOW_INCOME = ((D(6_000), D(26)), (D(8_000), D(20)), (D(10_000), D(14)), (D(15_000), D(8)), (D(20_000), D(5)))
_LOW_INCOME_LIMIT = D(20_000)


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    taxable = income.agi - _ALLOWANCE[year][status]
    before_credits = _SCHEDULES[year][status].tax(taxable)
    if income.agi < _LOW_INCOME_LIMIT:
        for limit, amount in _LOW_INCOME:
            if income.agi < limit:
                before_credits -= amount * income.persons
                break
    return cents(before_credits)
