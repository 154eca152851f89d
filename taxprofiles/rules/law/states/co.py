"""Colorado individual income tax (Form DR 0104), 2022-2026.

Sources:
- Colorado taxable income starts from federal taxable income (C.R.S. §39-22-104(1.7); DR 0104 line 1), so
  Colorado follows the federal capital gain netting and $3,000 loss limit and taxes gains as ordinary
  income.
- Rate: 4.4% (2022, 2023: Proposition 121 of 2022, C.R.S. §39-22-104(1.5)); 4.25% for 2024 (the temporary
  TABOR rate reduction of C.R.S. §39-22-627, SB24-228); 4.4% for 2025 (no TABOR reduction was triggered;
  DR 0104 Book 2025, line 12); 2026: 4.4%, the statutory rate (a TABOR reduction, if any, is announced
  after the year ends).
- Addition of federal deductions (DR 0104 line 4; C.R.S. §39-22-104(3)(p), (p.5), (p.7)): a taxpayer whose
  federal AGI is $400,000 or more (2022) or $300,000 or more (2023 onwards) adds back the federal standard
  or itemized deduction above $30,000 single / $60,000 joint (2022), $12,000 / $16,000 (2023-2025), and
  $1,000 / $2,000 (2026, HB25-1274 §18, in effect since Proposition MM passed in November 2025).
- PolicyEngine-US 2.68.0 itemizes federally when the state income tax in SALT beats the standard
  deduction, which changes federal taxable income; this module takes federal taxable income as the
  product's federal return computes it.
- Checked against PolicyEngine-US 2.68.0 (gov.states.co.tax.income; variables co_taxable_income,
  co_federal_deduction_addback, co_income_tax_before_non_refundable_credits).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    JOINT,
    SINGLE,
    ZERO,
    D,
    StateIncome,
    by_status,
    cents,
)

STATE = "CO"
NAME = "Colorado"
SIMPLIFICATIONS = (
    "Colorado taxable income is taken to be the federal taxable income plus the high-income addition of "
    "federal deductions (no other Colorado additions or subtractions)",
    "the Colorado alternative minimum tax, the TABOR refund and Colorado credits are not modelled",
)

_RATE = {2022: "0.044", 2023: "0.044", 2024: "0.0425", 2025: "0.044", 2026: "0.044"}
_ADDBACK_AGI = {2022: 400_000, 2023: 300_000, 2024: 300_000, 2025: 300_000, 2026: 300_000}
_ADDBACK_KEEP = {
    2022: {SINGLE: 30_000, JOINT: 60_000},
    2023: {SINGLE: 12_000, JOINT: 16_000},
    2024: {SINGLE: 12_000, JOINT: 16_000},
    2025: {SINGLE: 12_000, JOINT: 16_000},
    2026: {SINGLE: 1_000, JOINT: 2_000},
}

YEARS = tuple(sorted(_RATE))
_RATES = {year: D(rate) for year, rate in _RATE.items()}
_ADDBACK_FROM = {year: D(agi) for year, agi in _ADDBACK_AGI.items()}
_KEEPS = {year: by_status(keep) for year, keep in _ADDBACK_KEEP.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.federal_taxable
    if income.agi >= _ADDBACK_FROM[year]:
        # The federal deduction taken (standard or itemized): AGI less taxable income.
        deduction = income.agi - income.federal_taxable
        taxable += max(ZERO, deduction - _KEEPS[year][income.status])
    return cents(max(ZERO, taxable) * _RATES[year])
