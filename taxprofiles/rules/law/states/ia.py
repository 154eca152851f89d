"""Iowa individual income tax (Form IA 1040), 2022-2026.

Sources:
- 2022: Iowa net income is federal AGI (Iowa Code §422.7); taxable income deducts the federal income tax
  (§422.9(2)(b); IA 1040 line 31) and the standard deduction of 2,210 (single, separate) or 5,450
  (joint, head of household) (§422.9(1); IA 1040 line 37); nine brackets of 0.33%-8.53% for every
  filing status (§422.5(1)(a); 2022 IA 1040 instructions, tax rate schedule).
- From 2023 (SF 2367, 2022) Iowa taxable income is federal taxable income (§422.7 as amended; IA 1040
  line 1), so the federal standard deduction applies. Rates §422.5A: 2023 4.4% / 4.82% / 5.7% / 6% with
  brackets 6,000 / 30,000 / 75,000 (12,000 / 60,000 / 150,000 joint); 2024 (SF 2442, 2024) 4.4% / 4.82%
  / 5.7% with brackets 6,210 / 31,050 (12,420 / 62,100 joint); from 2025 a flat 3.8% (SF 2442).
- Personal exemption credit: $40 per person, two for head of household (§422.12(1)(a); IA 1040 line 40).
- Alternate tax for filers other than single: (net income - $13,500) times 8.53% (2022), 6% (2023),
  5.7% (2024), 4.3% (2025 on), if lower (§422.5(3)/(3B); IA 1040 alternate tax worksheet). No tax on
  net income of $9,000 (single) or $13,500 (others) or less, and a single filer's tax is capped at net
  income above $9,000 (§422.5(2); tax reduction worksheet).
- Iowa taxes capital gains on securities as ordinary income (its capital gain deduction, §422.7(21),
  covers real property, businesses and livestock, not securities) and follows the federal loss limit.
- 2026: the 3.8% rate of SF 2442; nothing indexed.
- PolicyEngine-US 2.68.0 departs from the statute for 2022: its Iowa net income takes a net capital loss
  in full (e.g. wages 150,000 and a 10,000 short-term loss give net income 140,000), where Iowa net income
  follows the federal $3,000 loss limit (§422.7, which starts from federal AGI; 2022 IA 1040 instructions,
  capital gain or loss line). This module keeps the statute; from 2023 both start from federal taxable income.
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

STATE = "IA"
NAME = "Iowa"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "Iowa income is taken to be the federal figures (no Iowa additions or subtractions)",
    "for 2022, the federal income tax deducted is the year's federal income tax, and the Iowa minimum tax "
    "is not modelled",
    "the Iowa earned income and dependent care credits are not modelled",
)

_2022 = schedules(
    (
        (0, "0.0033"),
        (1_743, "0.0067"),
        (3_486, "0.0225"),
        (6_972, "0.0414"),
        (15_687, "0.0563"),
        (26_145, "0.0596"),
        (34_860, "0.0625"),
        (52_290, "0.0744"),
        (78_435, "0.0853"),
    )
)
_SCHEDULES: dict[int, dict[str, Brackets]] = {
    2022: _2022,
    2023: schedules(
        {
            SINGLE: ((0, "0.044"), (6_000, "0.0482"), (30_000, "0.057"), (75_000, "0.06")),
            JOINT: ((0, "0.044"), (12_000, "0.0482"), (60_000, "0.057"), (150_000, "0.06")),
        }
    ),
    2024: schedules(
        {
            SINGLE: ((0, "0.044"), (6_210, "0.0482"), (31_050, "0.057")),
            JOINT: ((0, "0.044"), (12_420, "0.0482"), (62_100, "0.057")),
        }
    ),
    2025: schedules(((0, "0.038"),)),
    2026: schedules(((0, "0.038"),)),
}
_2022_DEDUCTION = by_status({SINGLE: 2_210, JOINT: 5_450, HEAD: 5_450})
_CREDIT = D(40)
_ALTERNATE = {2022: flat("0.0853"), 2023: flat("0.06"), 2024: flat("0.057"), 2025: flat("0.043"), 2026: flat("0.043")}
_ALTERNATE_DEDUCTION = D(13_500)
_EXEMPT = by_status({SINGLE: 9_000, JOINT: 13_500, SEPARATE: 13_500, HEAD: 13_500})


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    if year == 2022:
        taxable = income.agi - income.federal_income_tax - _2022_DEDUCTION[status]
    else:
        taxable = income.federal_taxable
    amount = _SCHEDULES[year][status].tax(taxable)
    if status != SINGLE:
        amount = min(amount, _ALTERNATE[year].tax(income.agi - _ALTERNATE_DEDUCTION))
    credits = _CREDIT * (income.persons + (1 if status == HEAD else 0))
    amount = max(D(0), amount - credits)
    exempt = _EXEMPT[status]
    if income.agi <= exempt:
        return D("0.00")
    if status == SINGLE:
        amount = min(amount, income.agi - exempt)
    return cents(amount)
