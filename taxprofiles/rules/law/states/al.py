"""Alabama individual income tax (Form 40), 2022-2026.

Sources:
- Rates: 2% on the first $500 ($1,000 joint), 4% to $3,000 ($6,000 joint), 5% above (Code of Alabama 1975
  §40-18-5; the tax tables of the Form 40 booklet, 2022-2025, page 25). Not indexed: 2026 is the same.
- Alabama gross income counts capital gains in full and deducts capital losses in full in the year they
  are realized: Alabama has no $3,000 limit and no carryforward (§40-18-14 gross income, §40-18-15 losses;
  Form 40 Schedule D). Alabama AGI here is therefore the federal AGI with the year's net gain or loss in
  place of the federal capital income.
- Standard deduction (§40-18-15(b)(4), Act 2021-423; Form 40 booklet's Standard Deduction Chart of each
  year): the most ($3,000 single, $8,500 joint, $4,250 separate, $5,200 head of family) for Alabama AGI up
  to $25,500 ($12,750 separate), less $25 ($175 joint, $88 separate, $135 head of family) for each full
  $500 ($250 separate) above it, never below $2,500 ($5,000 joint). Not indexed.
- Personal exemption: $1,500 single or separate, $3,000 joint or head of family (§40-18-19(a)).
- Federal income tax deduction (§40-18-15(a)(2); the Federal Income Tax Deduction Worksheet of the Form 40
  booklet): the federal income tax (Form 1040 line 22, which includes the AMT) plus the net investment
  income tax (Form 8960 line 17), less refundable credits (none for these households). The net investment
  income tax is computed here as on Form 8960: 3.8% of the smaller of qualified dividends plus capital
  income and federal AGI above $200,000 ($250,000 joint, $125,000 separate).
- PolicyEngine-US 2.68.0 gives every Alabama filer the larger of the standard deduction and Alabama
  itemized deductions, which include the employee's Social Security and Medicare taxes (§40-18-15(a)(3));
  this module takes the standard deduction (the product's general simplification), so it is higher than
  PolicyEngine by 5% of the payroll tax less the standard deduction for wage earners.
- Checked against PolicyEngine-US 2.68.0 (gov.states.al.tax.income; variables al_agi,
  al_standard_deduction, al_federal_income_tax_deduction, al_income_tax_before_non_refundable_credits).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    SINGLE,
    ZERO,
    D,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "AL"
NAME = "Alabama"
SIMPLIFICATIONS = (
    "Alabama AGI is taken to be the federal AGI with capital losses deducted in full (no other Alabama "
    "additions or subtractions)",
    "the deducted net investment income tax counts only qualified dividends and capital gains as investment income",
    "Alabama itemized deductions are not modelled: a wage earner who itemizes in Alabama can also deduct the "
    "Social Security and Medicare taxes withheld from wages, which lowers the tax but not a harvest's saving",
    "Alabama credits (e.g. for taxes paid to other states) are not modelled",
)

_SCHEDULE = schedules(
    {
        SINGLE: ((0, "0.02"), (500, "0.04"), (3_000, "0.05")),
        JOINT: ((0, "0.02"), (1_000, "0.04"), (6_000, "0.05")),
    }
)
_DEDUCTION_MOST = by_status({SINGLE: 3_000, JOINT: 8_500, SEPARATE: 4_250, HEAD: 5_200})
_DEDUCTION_LEAST = by_status({SINGLE: 2_500, JOINT: 5_000, HEAD: 2_500})
_DEDUCTION_START = by_status({SINGLE: 25_500, JOINT: 25_500, SEPARATE: 12_750})
_DEDUCTION_STEP = by_status({SINGLE: 500, JOINT: 500, SEPARATE: 250})
_DEDUCTION_PER_STEP = by_status({SINGLE: 25, JOINT: 175, SEPARATE: 88, HEAD: 135})
_EXEMPTION = by_status({SINGLE: 1_500, JOINT: 3_000, HEAD: 3_000})
_NIIT_RATE = D("0.038")
_NIIT_THRESHOLD = by_status({SINGLE: 200_000, JOINT: 250_000, SEPARATE: 125_000})

YEARS = (2022, 2023, 2024, 2025, 2026)


def _standard_deduction(status: str, al_agi: Decimal) -> Decimal:
    steps = max(ZERO, al_agi - _DEDUCTION_START[status]) // _DEDUCTION_STEP[status]  # full steps only
    return max(_DEDUCTION_LEAST[status], _DEDUCTION_MOST[status] - steps * _DEDUCTION_PER_STEP[status])


def net_investment_income_tax(income: StateIncome) -> Decimal:
    """Form 8960 on qualified dividends and capital income (dividends plus the net gain, or less the loss)."""
    investment = income.qualified_dividends + income.capital_income
    excess = income.agi - _NIIT_THRESHOLD[income.status]
    if investment <= ZERO or excess <= ZERO:
        return ZERO
    return cents(min(investment, excess) * _NIIT_RATE)


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    al_agi = income.agi - income.capital_income + income.st_gains + income.lt_gains
    federal = max(ZERO, income.federal_income_tax + net_investment_income_tax(income))
    deductions = _standard_deduction(status, al_agi) + federal + _EXEMPTION[status]
    return cents(_SCHEDULE[status].tax(al_agi - deductions))
