"""Minnesota individual income tax (Form M1), 2022-2026.

Sources:
- Rates and brackets: Minn. Stat. §290.06, subd. 2c, indexed under subd. 2d: 5.35% / 6.8% / 7.85% /
  9.85% (M1 instructions 2022-2025, tax rate schedules; 2026: Department of Revenue, Tax Year 2026
  Inflation-Adjusted Amounts, December 2025).
- Standard deduction: Minn. Stat. §290.0123, subd. 1 and 6 (2022: $12,900 single, $25,800 joint,
  $19,400 head of household; 2023: $13,825 / $27,650 / $20,800; 2024: $14,575 / $29,150 / $21,900;
  2025: $14,950 / $29,900 / $22,500; 2026: $15,300 / $30,600 / $23,000). Its phase-out, subd. 3:
  for 2022, reduced by 3% of federal AGI above $206,050 ($103,025 separate), at most by 80%; from 2023
  (Laws 2023, ch. 64, art. 1) by 3% of AGI between the lower threshold and the higher one plus 10% of
  AGI above the higher one, at most by 80%, and by 80% when AGI exceeds $1,000,000 (indexed):
  thresholds $220,650 / $304,970 (2023), $232,500 / $321,350 (2024), $238,950 / $330,300 (2025),
  $244,400 / $337,800 (2026), halved for married filing separately.
- Net investment income tax from 2024: 1% of net investment income (as in IRC §1411) above $1,000,000
  (Minn. Stat. §290.033, effective for tax years beginning after December 31, 2023; 2025 NIIT schedule).
  Net investment income here is the qualified dividends plus the capital gain or loss in federal AGI.
- The personal exemption is for dependents only (Minn. Stat. §290.0121): nothing for a filer or spouse.
- Minnesota taxable income starts from federal AGI (Minn. Stat. §290.01, subd. 19); capital gains are
  taxed as ordinary income with the federal $3,000 loss limit.
- Alternative minimum tax: Minn. Stat. §290.091, 6.75% of alternative minimum taxable income (here the
  federal AGI: no preferences or itemized deductions) above the exemption, less the regular tax. The
  exemption (subd. 3, indexed: 2022 $82,150 joint / $61,610 single and head / $41,080 separate; 2023
  $87,960 / $65,970 / $43,990; 2024 $92,710 / $69,530 / $46,360; 2025 $95,390 / $71,540 / $47,700;
  2026 $97,470 / $73,100 / $48,740; Schedule M1MT) is reduced by 25% of the income above $150,000
  joint, $112,500 single and head, $75,000 separate, the phase-out of IRC §55(d)(3) that subd. 3
  incorporates. For 2026 PolicyEngine-US 2.68.0 applies the federal 50% rate of the 2025 federal act
  (P.L. 119-21) instead; Minnesota's IRC reference date (Minn. Stat. §290.01, subd. 31) precedes that
  act, so this module keeps 25%: then, with the standard deduction, the AMT never exceeds the regular
  tax on wages, dividends and gains (checked 2022-2026, AGI $40,000-$1,600,000). Under PolicyEngine's
  50% it does for 2026 head-of-household and joint returns near the end of the phase-out (up to about
  $1,100 more tax at $270,000 of AGI, head of household).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    SINGLE,
    D,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "MN"
NAME = "Minnesota"
SIMPLIFICATIONS = (
    "Minnesota income is taken to be the federal AGI (no Minnesota additions or subtractions)",
    "the marriage credit for two-earner couples and the refundable credits (child and working family, "
    "renters, child care, education) are not modelled",
    "the net investment income tax counts qualified dividends and capital gains only",
)

_RATES = ("0.0535", "0.068", "0.0785", "0.0985")
_TOPS = {
    2022: {
        SINGLE: (28_080, 92_230, 171_220),
        JOINT: (41_050, 163_060, 284_810),
        SEPARATE: (20_525, 81_530, 142_405),
        HEAD: (34_570, 138_890, 227_600),
    },
    2023: {
        SINGLE: (30_070, 98_760, 183_340),
        JOINT: (43_950, 174_610, 304_970),
        SEPARATE: (21_975, 87_305, 152_485),
        HEAD: (37_010, 148_730, 243_720),
    },
    2024: {
        SINGLE: (31_690, 104_090, 193_240),
        JOINT: (46_330, 184_040, 321_450),
        SEPARATE: (23_165, 92_020, 160_725),
        HEAD: (39_010, 156_760, 256_880),
    },
    2025: {
        SINGLE: (32_570, 106_990, 198_630),
        JOINT: (47_620, 189_180, 330_410),
        SEPARATE: (23_810, 94_590, 165_205),
        HEAD: (40_100, 161_130, 264_050),
    },
    2026: {
        SINGLE: (33_310, 109_430, 203_150),
        JOINT: (48_700, 193_480, 337_930),
        SEPARATE: (24_350, 96_740, 168_965),
        HEAD: (41_010, 164_800, 270_060),
    },
}
_STANDARD_DEDUCTION = {
    2022: {SINGLE: 12_900, JOINT: 25_800, HEAD: 19_400},
    2023: {SINGLE: 13_825, JOINT: 27_650, HEAD: 20_800},
    2024: {SINGLE: 14_575, JOINT: 29_150, HEAD: 21_900},
    2025: {SINGLE: 14_950, JOINT: 29_900, HEAD: 22_500},
    2026: {SINGLE: 15_300, JOINT: 30_600, HEAD: 23_000},
}
# (lower threshold, higher threshold, AGI above which the reduction is 80%) for all but separate filers,
# who have half of each. 2022 has only the lower threshold.
_REDUCTION = {
    2022: (206_050, None, None),
    2023: (220_650, 304_970, 1_000_000),
    2024: (232_500, 321_350, 1_053_750),
    2025: (238_950, 330_300, 1_083_150),
    2026: (244_400, 337_800, 1_107_750),
}
_LOW_RATE = D("0.03")
_HIGH_RATE = D("0.10")
_MAX_SHARE = D("0.8")
_AMT_RATE = D("0.0675")
_AMT_PHASEOUT_RATE = D("0.25")
_AMT_EXEMPTION = {
    2022: by_status({SINGLE: 61_610, JOINT: 82_150, HEAD: 61_610, SEPARATE: 41_080}),
    2023: by_status({SINGLE: 65_970, JOINT: 87_960, HEAD: 65_970, SEPARATE: 43_990}),
    2024: by_status({SINGLE: 69_530, JOINT: 92_710, HEAD: 69_530, SEPARATE: 46_360}),
    2025: by_status({SINGLE: 71_540, JOINT: 95_390, HEAD: 71_540, SEPARATE: 47_700}),
    2026: by_status({SINGLE: 73_100, JOINT: 97_470, HEAD: 73_100, SEPARATE: 48_740}),
}
_AMT_PHASEOUT_START = by_status({SINGLE: 112_500, JOINT: 150_000, HEAD: 112_500, SEPARATE: 75_000})
_NIIT_RATE = D("0.01")
_NIIT_START = D(1_000_000)
_ZERO = D(0)

YEARS = tuple(sorted(_TOPS))
_SCHEDULES = {
    year: schedules({status: tuple(zip((0, *tops), _RATES, strict=True)) for status, tops in by.items()})
    for year, by in _TOPS.items()
}
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _STANDARD_DEDUCTION.items()}


def _thresholds(
    low: int, high: int | None, alternate: int | None, half: bool
) -> tuple[Decimal, Decimal | None, Decimal | None]:
    divisor = 2 if half else 1
    return (
        D(low) / divisor,
        None if high is None else D(high) / divisor,
        None if alternate is None else D(alternate) / divisor,
    )


_REDUCTION_BY_STATUS = {
    year: {status: _thresholds(*limits, status == SEPARATE) for status in (SINGLE, JOINT, SEPARATE, HEAD)}
    for year, limits in _REDUCTION.items()
}


def _standard_deduction(year: int, status: str, agi: Decimal) -> Decimal:
    amount = _DEDUCTIONS[year][status]
    low, high, alternate = _REDUCTION_BY_STATUS[year][status]
    if agi <= low:
        return amount
    most = amount * _MAX_SHARE
    if high is None or alternate is None:
        reduction = min(most, (agi - low) * _LOW_RATE)
    elif agi > alternate:
        reduction = most
    else:
        reduction = (min(agi, high) - low) * _LOW_RATE + max(_ZERO, agi - high) * _HIGH_RATE
        reduction = min(most, reduction)
    return amount - reduction


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    agi = income.agi
    taxable = agi - _standard_deduction(year, status, agi)
    total = _SCHEDULES[year][status].tax(taxable)
    exemption = _AMT_EXEMPTION[year][status]
    start = _AMT_PHASEOUT_START[status]
    if agi > start:
        exemption = max(_ZERO, exemption - (agi - start) * _AMT_PHASEOUT_RATE)
    total = max(total, (agi - exemption) * _AMT_RATE)
    if year >= 2024:
        investment = income.qualified_dividends + income.capital_income
        if investment > _NIIT_START:
            total += (investment - _NIIT_START) * _NIIT_RATE
    return cents(total)
