"""California personal income tax (Form 540), 2022-2026.

Sources:
- Rates and brackets: Cal. Rev. & Tax. Code §17041, indexed under §17041(h); the FTB's tax rate
  schedules in the Form 540 booklet of each year (2022: ftb.ca.gov/forms/2022/2022-540-booklet.html,
  and likewise 2023, 2024, 2025).
- Standard deduction: R&TC §17073.5, Form 540 line 18 of each year.
- Personal exemption credit: R&TC §17054(a), Form 540 line 32; its phase-out ($6 for each $2,500,
  $1,250 married filing separately, of federal AGI above the threshold): R&TC §17054.1.
- Mental Health Services Tax: 1% of taxable income above $1,000,000 (R&TC §17043, Proposition 63).
- California taxes capital gains as ordinary income and follows the federal $3,000 loss limit
  (R&TC §18151, conforming to IRC §1211); its AGI here is the federal AGI.
- 2026: the FTB publishes the 2026 indexed figures in late 2026; until then they are the 2025 figures
  indexed by the California CPI as PolicyEngine-US 2.68.0 projects them (rounded to the dollar).
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
    flat,
    phase_down,
    schedules,
)

STATE = "CA"
NAME = "California"
SIMPLIFICATIONS = (
    "California AGI is taken to be the federal AGI (no California additions or subtractions)",
    "the California AMT and credits other than the personal exemption credit are not modelled",
)

_RATES = ("0.01", "0.02", "0.04", "0.06", "0.08", "0.093", "0.103", "0.113", "0.123")
_TOPS = {
    2022: {
        SINGLE: (10_099, 23_942, 37_788, 52_455, 66_295, 338_639, 406_364, 677_275),
        JOINT: (20_198, 47_884, 75_576, 104_910, 132_590, 677_278, 812_728, 1_354_550),
        HEAD: (20_212, 47_887, 61_730, 76_397, 90_240, 460_547, 552_658, 921_059),
    },
    2023: {
        SINGLE: (10_412, 24_684, 38_959, 54_081, 68_350, 349_137, 418_961, 698_271),
        JOINT: (20_824, 49_368, 77_918, 108_162, 136_700, 698_274, 837_922, 1_396_542),
        HEAD: (20_839, 49_371, 63_644, 78_765, 93_037, 474_824, 569_790, 949_649),
    },
    2024: {
        SINGLE: (10_756, 25_499, 40_245, 55_866, 70_606, 360_659, 432_787, 721_314),
        JOINT: (21_512, 50_998, 80_490, 111_732, 141_212, 721_318, 865_574, 1_442_628),
        HEAD: (21_527, 51_000, 65_744, 81_364, 96_107, 490_493, 588_593, 980_987),
    },
    2025: {
        SINGLE: (11_079, 26_264, 41_452, 57_542, 72_724, 371_479, 445_771, 742_953),
        JOINT: (22_158, 52_528, 82_904, 115_084, 145_448, 742_958, 891_542, 1_485_906),
        HEAD: (22_173, 52_530, 67_716, 83_805, 98_990, 505_208, 606_251, 1_010_417),
    },
    2026: {
        SINGLE: (11_330, 26_859, 42_391, 58_846, 74_372, 379_898, 455_873, 759_790),
        JOINT: (22_660, 53_718, 84_783, 117_692, 148_744, 759_796, 911_747, 1_519_581),
        HEAD: (22_676, 53_720, 69_251, 85_704, 101_233, 516_657, 619_990, 1_033_316),
    },
}
# Single and head of household: one; joint: two (Form 540 line 7).
_STANDARD_DEDUCTION = {2022: 5_202, 2023: 5_363, 2024: 5_540, 2025: 5_706, 2026: 5_835}
_EXEMPTION_CREDIT = {2022: 140, 2023: 144, 2024: 149, 2025: 153, 2026: 156}
_PHASEOUT_START = {
    2022: {SINGLE: 229_908, JOINT: 459_821, HEAD: 344_867},
    2023: {SINGLE: 237_035, JOINT: 474_075, HEAD: 355_558},
    2024: {SINGLE: 244_857, JOINT: 489_719, HEAD: 367_291},
    2025: {SINGLE: 252_203, JOINT: 504_411, HEAD: 378_310},
    2026: {SINGLE: 257_919, JOINT: 515_842, HEAD: 386_884},
}
_MENTAL_HEALTH = flat("0.01")
_MILLION = D(1_000_000)

YEARS = tuple(sorted(_TOPS))
_SCHEDULES = {
    year: schedules({status: tuple(zip((0, *tops), _RATES, strict=True)) for status, tops in by.items()})
    for year, by in _TOPS.items()
}
_STARTS = {year: by_status(starts) for year, starts in _PHASEOUT_START.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    deduction = D(_STANDARD_DEDUCTION[year]) * (2 if status in (JOINT, HEAD) else 1)
    taxable = max(D(0), income.agi - deduction)
    before_credits = _SCHEDULES[year][status].tax(taxable)
    step = D(1_250) if status == SEPARATE else D(2_500)
    credit_each = phase_down(D(_EXEMPTION_CREDIT[year]), income.agi, _STARTS[year][status], step, D(6))
    credits = credit_each * income.persons
    surtax = _MENTAL_HEALTH.tax(taxable - _MILLION)
    return cents(max(D(0), before_credits - credits) + surtax)
