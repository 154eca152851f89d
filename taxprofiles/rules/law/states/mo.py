"""Missouri individual income tax (Form MO-1040), 2022-2026.

Sources:
- Missouri AGI is federal AGI with Missouri's modifications (RSMo 143.121). From tax year 2025, HB 594
  (2025) adds RSMo 143.121.3(14)(a): income reported as a capital gain for federal purposes, to the
  extent included in federal AGI, is subtracted (Form MO-A line 12 of 2025; the Department of Revenue's
  "Capital Gains Subtraction FAQs": capital losses do not qualify, so a federal net capital loss stays in
  Missouri AGI). Qualified dividends are not capital gains and stay taxable.
- Standard deduction: the federal standard deduction (RSMo 143.131; MO-1040 line 14).
- Head of household / qualifying surviving spouse additional exemption, $1,400 (RSMo 143.161.2;
  MO-1040 line 15, from 2022).
- Federal income tax deduction (RSMo 143.171; MO-1040 line 13 and its worksheet): the federal income tax
  (Form 1040 line 22) times 35% for Missouri AGI under $25,000, 25% from $25,000, 15% from $50,000,
  5% from $100,000 and 0% from $125,000 (143.171.3); at most $5,000 on a single taxpayer's return and
  $10,000 on a combined return (143.171.2). The deduction still exists in 2022-2026 (HB 594 of 2025 did
  not repeal it); it is zero for Missouri AGI of $125,000 or more. PolicyEngine-US 2.68.0 caps it at
  $10,000 for single and head-of-household filers too (deductions/federal_income_tax/cap.yaml); this
  module keeps the statute's $5,000, which no real return reaches (15% of the federal tax of an AGI
  under $100,000 is far below $5,000).
- The federal tax deducted is the tax "under chapter 1 of the Internal Revenue Code" (143.171.2; Form
  1040 line 22): the regular tax and the AMT, without the 3.8% net investment income tax (IRC 1411,
  chapter 2A, Form 1040 line 23). PolicyEngine-US 2.68.0 deducts its share of the NIIT too (variable
  mo_federal_income_tax_deduction uses income_tax): from 2025, when large capital gains are subtracted
  from Missouri AGI but still raise the federal NIIT, its Missouri tax is lower (by $18.16 on a joint
  return with $45,000 of wages and a $259,700 net gain in 2025); this module follows the statute.
- Rates: RSMo 143.011 (5.3% top rate in 2022; 4.95% from 2023 by SB 3 of 2022; 4.8% in 2024 and 4.7% in
  2025 by the revenue triggers of 143.011.3), brackets indexed under 143.011 and published in the Tax
  Chart of the MO-1040 instructions of each year (2022-2025, page 26); 2026: the Department of Revenue's
  2026 Form MO-1040ES Tax Rate Chart and 2026 withholding formula (4.7%, brackets $1,348 to $9,436).
- No tax on Missouri taxable income at or below the minimum (RSMo 143.021: $111 in 2022; in 2023-2026 the
  first bracket, taxed at 0%).
- Checked against PolicyEngine-US 2.68.0 (gov.states.mo.tax.income; variables mo_taxable_income,
  mo_income_tax_before_credits, mo_federal_income_tax_deduction, mo_capital_gains_subtraction): within
  $0.05 on random single, joint and separate profiles for 2023-2025, before and after a harvested loss
  (the federal tax it deducts comes from the product's federal engine, which uses the IRS Tax Table
  below $100,000 of taxable income, as Form 1040 does).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SINGLE,
    ZERO,
    D,
    StateIncome,
    brackets,
    by_status,
    cents,
)

STATE = "MO"
NAME = "Missouri"
SIMPLIFICATIONS = (
    "Missouri AGI is taken to be the federal AGI, less capital gains from 2025 (no other Missouri "
    "additions or subtractions)",
    "a joint return is taxed as one income: Missouri taxes each spouse's share of the income on its own, "
    "which can lower a two-earner couple's tax by up to about $185",
    "Missouri's property tax credit and working family credit are not modelled",
)

# Thresholds of the 2nd to 9th brackets, and the rates from the 1st to the 9th.
_THRESHOLDS = {
    2022: (1_121, 2_242, 3_363, 4_484, 5_605, 6_726, 7_847, 8_968),
    2023: (1_207, 2_414, 3_621, 4_828, 6_035, 7_242, 8_449),
    2024: (1_273, 2_546, 3_819, 5_092, 6_365, 7_638, 8_911),
    2025: (1_313, 2_626, 3_939, 5_252, 6_565, 7_878, 9_191),
    2026: (1_348, 2_696, 4_044, 5_392, 6_740, 8_088, 9_436),
}
_RATES = {
    2022: ("0.015", "0.02", "0.025", "0.03", "0.035", "0.04", "0.045", "0.05", "0.053"),
    2023: ("0", "0.02", "0.025", "0.03", "0.035", "0.04", "0.045", "0.0495"),
    2024: ("0", "0.02", "0.025", "0.03", "0.035", "0.04", "0.045", "0.048"),
    2025: ("0", "0.02", "0.025", "0.03", "0.035", "0.04", "0.045", "0.047"),
    2026: ("0", "0.02", "0.025", "0.03", "0.035", "0.04", "0.045", "0.047"),
}
_MINIMUM_TAXABLE = {2022: 111, 2023: 1_207, 2024: 1_273, 2025: 1_313, 2026: 1_348}
_HEAD_EXEMPTION = D(1_400)
# Share of federal income tax deductible, by Missouri AGI (at or above each threshold).
_FIT_SHARE = ((D(125_000), D(0)), (D(100_000), D("0.05")), (D(50_000), D("0.15")), (D(25_000), D("0.25")))
_FIT_SHARE_LOWEST = D("0.35")
_FIT_CAP = by_status({SINGLE: 5_000, JOINT: 10_000})
_CAPITAL_GAIN_SUBTRACTION_FROM = 2025

YEARS = tuple(sorted(_THRESHOLDS))
_SCHEDULES = {year: brackets(*zip((0, *tops), _RATES[year], strict=True)) for year, tops in _THRESHOLDS.items()}
_MINIMUMS = {year: D(amount) for year, amount in _MINIMUM_TAXABLE.items()}


def _federal_tax_share(mo_agi: Decimal) -> Decimal:
    for threshold, share in _FIT_SHARE:
        if mo_agi >= threshold:
            return share
    return _FIT_SHARE_LOWEST


def tax(year: int, income: StateIncome) -> Decimal:
    mo_agi = income.agi
    if year >= _CAPITAL_GAIN_SUBTRACTION_FROM:
        mo_agi -= max(ZERO, income.capital_income)
    mo_agi = max(ZERO, mo_agi)
    # The federal standard deduction (from the federal figures when it is not given).
    deduction = income.federal_standard_deduction or max(ZERO, income.agi - income.federal_taxable)
    share = _federal_tax_share(mo_agi)
    if share:
        deduction += min(max(ZERO, income.federal_income_tax) * share, _FIT_CAP[income.status])
    if income.status == HEAD:
        deduction += _HEAD_EXEMPTION
    taxable = mo_agi - deduction
    if taxable <= _MINIMUMS[year]:
        return ZERO
    return cents(_SCHEDULES[year].tax(taxable))
