"""North Dakota individual income tax (Form ND-1), 2022-2026.

Sources:
- Starting point: federal taxable income (N.D.C.C. §57-38-30.3(1); Form ND-1 line 1), so the federal
  standard deduction is North Dakota's; there is no separate North Dakota deduction or exemption.
- Capital gains and dividends: 40% of the net long-term capital gain (N.D.C.C. §57-38-30.3(2)(d)(1), the
  net long-term gain of IRC §1222(7) included in federal taxable income; Form ND-1 line 6: 40% of the
  smaller of Schedule D lines 15 and 16 when both are gains) and 40% of qualified dividends
  (§57-38-30.3(2)(d)(2); Form ND-1 line 13) are subtracted. A net capital loss gives no subtraction (the
  federal $3,000 loss limit already sits in federal taxable income).
- Rates and brackets: N.D.C.C. §57-38-30.3(1), indexed; ND-1 booklet tax rate schedules (2022 page 34,
  2023 page 30, 2024 page 29, 2025 page 29). From 2023 (H.B. 1158, 2023 session) the first bracket is
  taxed at 0%, then 1.95% and 2.5%.
- 2022 resident tax relief credit: $350, or $700 on a joint return (N.D.C.C. §57-38-01.37, H.B. 1515
  (2021); Form ND-1 line 20, 2022 booklet page 16), nonrefundable.
- 2026: the brackets of the Tax Commissioner's 2026 Form ND-1ES tax rate schedules.
- PolicyEngine-US 2.68.0 subtracts 40% of min(long-term gain, net gain) even when that is a loss, which
  cancels the 40% dividend exclusion (and can add to North Dakota income); the statute's "net long-term
  capital gain" (IRC §1222(7)) is never negative, so this module subtracts nothing for a loss and keeps the
  dividend exclusion. Measured: up to $376 more tax in PolicyEngine on such returns (2025 joint return with
  $133,300 wages, a $56,646 net loss of which $2,789 long-term, $48,193 qualified dividends); every other
  profile agrees within a cent.
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
    brackets,
    cents,
)

STATE = "ND"
NAME = "North Dakota"
SIMPLIFICATIONS = (
    "North Dakota income is taken to be the federal taxable income with the 40% capital gain and dividend "
    "exclusions (no other North Dakota additions or subtractions)",
    "the marriage-penalty credit for joint filers (at most about $300, it needs each spouse's earnings) "
    "is not modelled",
)

_SCHEDULES_2022 = {
    SINGLE: ((0, "0.011"), (41_775, "0.0204"), (101_050, "0.0227"), (210_825, "0.0264"), (458_350, "0.029")),
    JOINT: ((0, "0.011"), (69_700, "0.0204"), (168_450, "0.0227"), (256_650, "0.0264"), (458_350, "0.029")),
    SEPARATE: ((0, "0.011"), (34_850, "0.0204"), (84_225, "0.0227"), (128_325, "0.0264"), (229_175, "0.029")),
    HEAD: ((0, "0.011"), (55_900, "0.0204"), (144_400, "0.0227"), (233_750, "0.0264"), (458_350, "0.029")),
}
# From 2023: 0% up to the first threshold, 1.95% up to the second, 2.5% above.
_THRESHOLDS = {
    2023: {SINGLE: (44_725, 225_975), JOINT: (74_750, 275_100), SEPARATE: (37_375, 137_550), HEAD: (59_950, 250_550)},
    2024: {SINGLE: (47_150, 238_200), JOINT: (78_775, 289_975), SEPARATE: (39_375, 144_975), HEAD: (63_175, 264_100)},
    2025: {SINGLE: (48_475, 244_825), JOINT: (80_975, 298_075), SEPARATE: (40_475, 149_025), HEAD: (64_950, 271_450)},
    2026: {SINGLE: (49_575, 250_400), JOINT: (82_800, 304_850), SEPARATE: (41_400, 152_425), HEAD: (66_400, 277_600)},
}
_RELIEF_CREDIT_2022 = {SINGLE: D(350), JOINT: D(700), SEPARATE: D(350), HEAD: D(350)}
_EXCLUDED = D("0.40")

_SCHEDULES = {2022: {status: brackets(*pairs) for status, pairs in _SCHEDULES_2022.items()}}
for _year, _by in _THRESHOLDS.items():
    _SCHEDULES[_year] = {
        status: brackets((0, "0"), (first, "0.0195"), (second, "0.025")) for status, (first, second) in _by.items()
    }
YEARS = tuple(sorted(_SCHEDULES))


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    exclusion = _EXCLUDED * (max(ZERO, income.preferential_gain) + income.qualified_dividends)
    taxable = income.federal_taxable - exclusion
    if taxable <= ZERO:
        return ZERO
    before_credits = _SCHEDULES[year][status].tax(taxable)
    if year == 2022:
        before_credits -= _RELIEF_CREDIT_2022[status]
    return cents(before_credits)
