"""Wisconsin individual income tax (Form 1), 2022-2026.

Sources:
- Rates and indexed brackets by filing status (head of household uses the single brackets): Wis. Stat.
  §71.06(1q), (2)(i) and (2e), and from 2025 §71.06(1r) (2025 Wis. Act 15 widened the 4.4% bracket);
  Form 1 instructions, tax table (2023 page 39, 2024 page 38, 2025 page 38); the Department of
  Revenue's Tax Exemption Devices report for 2022; the 2026 Form 1-ES instructions (page 3) for 2026.
- Sliding-scale standard deduction: Wis. Stat. §71.05(22); the maximum deduction falls by 12%
  (single), 19.778% (joint and married separately) or 22.515% then 12% (head of household) of
  Wisconsin AGI above the start (Form 1 instructions, standard deduction table; 2026 Form 1-ES
  instructions page 2 for 2026).
- Personal exemption: $700 for each filer (Wis. Stat. §71.05(23)(b); Form 1 line 10).
- Capital gains: Wisconsin excludes 30% of the net long-term gain (the lesser of the year's net gain
  and the net long-term gain), Wis. Stat. §71.05(6)(b)9; Schedule WD line 25 (2022-2025). The 60%
  exclusion for farm assets is not modelled. A net capital loss may offset at most $500 of other
  income in 2022 (Schedule WD line 28, 2022) and $3,000 ($1,500 married separately) from 2023
  (2023 Wis. Act 19), the federal limit.
- Wisconsin AGI starts from federal AGI (Wis. Stat. §71.01(13)).
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
    brackets,
    by_status,
    cents,
    schedules,
)

STATE = "WI"
NAME = "Wisconsin"
SIMPLIFICATIONS = (
    "Wisconsin AGI is the federal AGI with Wisconsin's capital gain exclusion and loss limit (no other"
    " Wisconsin modifications)",
    "the 60% exclusion for farm assets is not modelled",
    "the married couple credit is not modelled (the product does not know each spouse's earnings); the"
    " itemized deduction, homestead, earned income and other Wisconsin credits are not modelled",
)

_RATES = {
    2022: ("0.0354", "0.0465", "0.053", "0.0765"),
    2023: ("0.035", "0.044", "0.053", "0.0765"),
    2024: ("0.035", "0.044", "0.053", "0.0765"),
    2025: ("0.035", "0.044", "0.053", "0.0765"),
    2026: ("0.035", "0.044", "0.053", "0.0765"),
}
_TOPS = {
    2022: {SINGLE: (12_760, 25_520, 280_950), JOINT: (17_010, 34_030, 374_600), SEPARATE: (8_510, 17_010, 187_300)},
    2023: {SINGLE: (13_810, 27_630, 304_170), JOINT: (18_420, 36_840, 405_550), SEPARATE: (9_210, 18_420, 202_780)},
    2024: {SINGLE: (14_320, 28_640, 315_310), JOINT: (19_090, 38_190, 420_420), SEPARATE: (9_550, 19_090, 210_210)},
    2025: {SINGLE: (14_680, 50_480, 323_290), JOINT: (19_580, 67_300, 431_060), SEPARATE: (9_790, 33_650, 215_530)},
    2026: {SINGLE: (15_110, 51_950, 332_720), JOINT: (20_150, 69_260, 443_630), SEPARATE: (10_080, 34_630, 221_820)},
}
_MAX_DEDUCTION = {
    2022: {SINGLE: 11_790, JOINT: 21_820, SEPARATE: 10_370, HEAD: 15_230},
    2023: {SINGLE: 12_760, JOINT: 23_620, SEPARATE: 11_220, HEAD: 16_480},
    2024: {SINGLE: 13_230, JOINT: 24_490, SEPARATE: 11_630, HEAD: 17_090},
    2025: {SINGLE: 13_560, JOINT: 25_110, SEPARATE: 11_930, HEAD: 17_520},
    2026: {SINGLE: 13_960, JOINT: 25_840, SEPARATE: 12_280, HEAD: 18_030},
}
# The phase-out of the standard deduction, as a rate schedule on Wisconsin AGI: (start, rate) pairs.
_PHASEOUT = {
    2022: {
        SINGLE: ((0, "0"), (16_990, "0.12")),
        JOINT: ((0, "0"), (24_520, "0.19778")),
        SEPARATE: ((0, "0"), (11_640, "0.19778")),
        HEAD: ((0, "0"), (16_990, "0.22515"), (49_705, "0.12")),
    },
    2023: {
        SINGLE: ((0, "0"), (18_400, "0.12")),
        JOINT: ((0, "0"), (26_550, "0.19778")),
        SEPARATE: ((0, "0"), (12_600, "0.19778")),
        HEAD: ((0, "0"), (18_400, "0.22515"), (53_778, "0.12")),
    },
    2024: {
        SINGLE: ((0, "0"), (19_070, "0.12")),
        JOINT: ((0, "0"), (27_520, "0.19778")),
        SEPARATE: ((0, "0"), (13_060, "0.19778")),
        HEAD: ((0, "0"), (19_070, "0.22515"), (55_779, "0.12")),
    },
    2025: {
        SINGLE: ((0, "0"), (19_550, "0.12")),
        JOINT: ((0, "0"), (28_210, "0.19778")),
        SEPARATE: ((0, "0"), (13_390, "0.19778")),
        HEAD: ((0, "0"), (19_550, "0.22515"), (57_210, "0.12")),
    },
    2026: {
        SINGLE: ((0, "0"), (20_120, "0.12")),
        JOINT: ((0, "0"), (29_040, "0.19778")),
        SEPARATE: ((0, "0"), (13_780, "0.19778")),
        HEAD: ((0, "0"), (20_120, "0.22515"), (58_827, "0.12")),
    },
}
_EXEMPTION = D(700)
_EXCLUDED_SHARE = D("0.3")
# The most of a net capital loss Wisconsin lets offset other income (married separately: half from 2023).
_LOSS_LIMIT = {2022: by_status(500), 2023: by_status({SINGLE: 3_000, SEPARATE: 1_500, JOINT: 3_000})}
_LOSS_LIMIT.update(dict.fromkeys((2024, 2025, 2026), _LOSS_LIMIT[2023]))

YEARS = tuple(sorted(_TOPS))
_SCHEDULES = {
    year: schedules({status: tuple(zip((0, *tops), _RATES[year], strict=True)) for status, tops in by.items()})
    for year, by in _TOPS.items()
}
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _MAX_DEDUCTION.items()}
_PHASEOUTS = {year: {status: brackets(*pairs) for status, pairs in by.items()} for year, by in _PHASEOUT.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    wisconsin_agi = income.agi - _EXCLUDED_SHARE * max(D(0), income.preferential_gain)
    if income.capital_income < 0:
        # Add back the part of the federal loss deduction beyond Wisconsin's limit.
        net_loss = max(D(0), -(income.net_st + income.net_lt))
        wisconsin_agi += -income.capital_income - min(net_loss, _LOSS_LIMIT[year][status])
    deduction = max(D(0), _DEDUCTIONS[year][status] - _PHASEOUTS[year][status].tax(wisconsin_agi))
    taxable = wisconsin_agi - deduction - _EXEMPTION * income.persons
    return cents(_SCHEDULES[year][status].tax(taxable))
