"""Montana individual income tax (Form 2), 2022-2026.

Two systems: SB 399 (2021) rewrote the tax from tax year 2024.

2022-2023 (MCA 15-30-2103 and Form 2 of each year):
- Montana AGI is federal AGI with Montana's modifications; capital gains and losses follow federal AGI.
- Standard deduction: 20% of Montana AGI, at least $2,260 and at most $5,090 in 2022 ($2,460 / $5,540 in
  2023), twice that on a joint or head-of-household return (MCA 15-30-2132, ARM 42.15.523; Form 2
  Standard Deduction Worksheet). The deduction for federal income tax paid (at most $5,000, $10,000 on a
  joint return, MCA 15-30-2131(1)(b)) is an itemized deduction, taken when larger.
- Personal exemptions: $2,710 per person in 2022, $2,960 in 2023 (MCA 15-30-2114; Form 2 line 16).
- Rates: 1% to 6.75%, the same brackets for every filing status (2022 Form 2 instructions page 16,
  2023 page 18).
- Capital gains credit: 2% of the net capital gain (MCA 15-30-2301; ARM 42.4.502; Form 2 Nonrefundable
  Credits Schedule line 1), nonrefundable.

2024-2026 (MCA 15-30-2103 as amended by SB 399 of 2021 and HB 337 of 2025):
- Montana taxable income is federal taxable income with Montana's modifications (MCA 15-30-2101).
- Ordinary income (taxable income less net long-term capital gains) is taxed at 4.7% up to $20,500
  single and married filing separately, $41,000 joint, $30,750 head of household in 2024 ($21,100 /
  $42,200 / $31,700 in 2025) and 5.9% above; in 2026 at 4.7% up to $47,500 / $95,000 / $71,250 and
  5.65% above (HB 337; Department of Revenue, "HB337: 2026-2027 Montana Individual Income Tax Changes").
- Net long-term capital gains (the federal net capital gain without qualified dividends: the lesser of
  the net long-term gain and the total net gain, limited to taxable income) are taxed at 3.0% while
  they fit below the same threshold above ordinary income, 4.1% beyond (MCA 15-30-2103(2); Form 2
  Net Long-Term Capital Gains Tax Table of 2024 and 2025; HB 337 moves the thresholds with the
  brackets in 2026). The 2% capital gains credit ends with 2023.
- 2024, 2025 and 2026 thresholds are the published ones (revenue.mt.gov tax tables and deductions).
- Checked against PolicyEngine-US 2.68.0 (gov.states.mt.tax.income; variables mt_income_tax,
  mt_regular_income_tax_joint, mt_capital_gains_tax_joint): within $0.01 on random single, joint and
  separate profiles for 2023-2025, before and after a harvested loss.
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
    schedules,
)

STATE = "MT"
NAME = "Montana"
SIMPLIFICATIONS = (
    "Montana income is taken to be the federal figure (federal AGI before 2024, federal taxable income "
    "from 2024), without Montana's other additions and subtractions",
    "before 2024, a married couple is taxed on one joint return: filing separately on the same form, "
    "which can lower a two-earner couple's tax, is not modelled",
    "before 2024, the deduction for federal income tax is compared with the standard deduction alone "
    "(other Montana itemized deductions are not modelled)",
    "Montana's earned income credit and property tax rebates are not modelled",
)

_OLD_SYSTEM_UNTIL = 2023
_OLD_BRACKETS = {
    2022: brackets(
        (0, "0.01"),
        (3_300, "0.02"),
        (5_800, "0.03"),
        (8_900, "0.04"),
        (12_000, "0.05"),
        (15_400, "0.06"),
        (19_800, "0.0675"),
    ),
    2023: brackets(
        (0, "0.01"),
        (3_600, "0.02"),
        (6_300, "0.03"),
        (9_700, "0.04"),
        (13_000, "0.05"),
        (16_800, "0.06"),
        (21_600, "0.0675"),
    ),
}
# Standard deduction floor and cap (single and separate; joint and head of household twice these).
_STANDARD_FLOOR = {2022: 2_260, 2023: 2_460}
_STANDARD_CAP = {2022: 5_090, 2023: 5_540}
_STANDARD_RATE = D("0.2")
_EXEMPTION = {2022: D(2_710), 2023: D(2_960)}
_FEDERAL_TAX_CAP = by_status({SINGLE: 5_000, JOINT: 10_000})
_CAPITAL_GAIN_CREDIT = D("0.02")

# From 2024: where the upper rate starts (ordinary income and capital gains alike), and the upper rate.
_THRESHOLD = {
    2024: by_status({SINGLE: 20_500, JOINT: 41_000, HEAD: 30_750}),
    2025: by_status({SINGLE: 21_100, JOINT: 42_200, HEAD: 31_700}),
    2026: by_status({SINGLE: 47_500, JOINT: 95_000, HEAD: 71_250}),
}
_UPPER_RATE = {2024: "0.059", 2025: "0.059", 2026: "0.0565"}
_NEW_SCHEDULES = {
    year: schedules({status: ((0, "0.047"), (int(top), _UPPER_RATE[year])) for status, top in by.items()})
    for year, by in _THRESHOLD.items()
}
_GAIN_LOWER = D("0.03")
_GAIN_UPPER = D("0.041")

YEARS = (2022, 2023, 2024, 2025, 2026)
_DOUBLE = (JOINT, HEAD)


def _old_tax(year: int, income: StateIncome) -> Decimal:
    agi = max(ZERO, income.agi)
    times = 2 if income.status in _DOUBLE else 1
    standard = min(max(agi * _STANDARD_RATE, D(_STANDARD_FLOOR[year] * times)), D(_STANDARD_CAP[year] * times))
    federal_tax = min(max(ZERO, income.federal_income_tax), _FEDERAL_TAX_CAP[income.status])
    taxable = agi - max(standard, federal_tax) - _EXEMPTION[year] * income.persons
    before_credits = _OLD_BRACKETS[year].tax(taxable)
    credit = _CAPITAL_GAIN_CREDIT * max(ZERO, income.capital_income)
    return cents(before_credits - credit)


def tax(year: int, income: StateIncome) -> Decimal:
    if year <= _OLD_SYSTEM_UNTIL:
        return _old_tax(year, income)
    taxable = max(ZERO, income.federal_taxable)
    gain = min(max(ZERO, min(income.net_lt, income.net_st + income.net_lt)), taxable)
    ordinary = taxable - gain
    room = max(ZERO, _THRESHOLD[year][income.status] - ordinary)
    lower = min(room, gain)
    gain_tax = lower * _GAIN_LOWER + (gain - lower) * _GAIN_UPPER
    return cents(_NEW_SCHEDULES[year][income.status].tax(ordinary) + gain_tax)
