"""Vermont personal income tax (Form IN-111), 2022-2026.

Sources:
- Rates (3.35%, 6.6%, 7.6%, 8.75%) and the indexed brackets by filing status: 32 V.S.A. §5822(a)
  and (b); the Department of Taxes' rate schedules (tax.vermont.gov/.../RateSched-<year>.pdf, 2022-2025).
- Minimum tax on high incomes: when federal AGI exceeds $150,000 the tax is the greater of the
  schedule tax and 3% of federal AGI (32 V.S.A. §5822(a)(6); rate schedules, same pages).
- Standard deduction by filing status (32 V.S.A. §5811(21)(C)(ii); IN-111 instructions, line 4 of
  each year) and the personal exemption for each filer (§5811(21)(C)(i); IN-111 line 5).
- Capital gain exclusion: 32 V.S.A. §5811(21)(B)(ii); Schedule IN-153 (2022-2024, line 9): the filer
  excludes the larger of a flat $5,000 of adjusted net capital gain (less qualified dividends) or 40%
  of the gain on assets held more than three years (at most $350,000, and not on publicly traded
  stocks and bonds), never more than 40% of federal taxable income. The product does not know
  holding periods over three years, so the flat $5,000 exclusion of the federal net capital gain is
  used.
- Vermont starts from federal AGI (§5811(21)): the federal $3,000 loss limit applies.
- 2026: Vermont indexes the brackets, deduction and exemption; until it publishes the 2026 figures
  they are the 2025 figures as PolicyEngine-US 2.68.0 projects them, rounded to the dollar.
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

STATE = "VT"
NAME = "Vermont"
SIMPLIFICATIONS = (
    "Vermont AGI is the federal AGI less the capital gain exclusion (no other Vermont additions or subtractions)",
    "the capital gain exclusion is the flat $5,000 one: the 40% exclusion for assets held over three years"
    " other than traded stocks and bonds is not modelled",
    "the Vermont earned income, child and other credits are not modelled",
)

_RATES = ("0.0335", "0.066", "0.076", "0.0875")
_TOPS = {
    2022: {
        SINGLE: (42_150, 102_200, 213_150),
        JOINT: (70_450, 170_300, 259_500),
        SEPARATE: (35_225, 85_150, 129_750),
        HEAD: (56_500, 145_950, 236_350),
    },
    2023: {
        SINGLE: (45_400, 110_050, 229_550),
        JOINT: (75_850, 183_400, 279_450),
        SEPARATE: (37_925, 91_700, 139_725),
        HEAD: (60_850, 157_150, 254_500),
    },
    2024: {
        SINGLE: (47_900, 116_000, 242_000),
        JOINT: (79_950, 193_300, 294_600),
        SEPARATE: (39_975, 96_650, 147_300),
        HEAD: (64_200, 165_700, 268_300),
    },
    2025: {
        SINGLE: (49_400, 119_700, 249_700),
        JOINT: (82_500, 199_450, 304_000),
        SEPARATE: (41_250, 99_725, 152_000),
        HEAD: (66_200, 171_000, 276_850),
    },
    2026: {
        SINGLE: (50_500, 122_400, 255_350),
        JOINT: (84_350, 203_950, 310_850),
        SEPARATE: (42_150, 101_950, 155_400),
        HEAD: (67_700, 174_850, 283_100),
    },
}
_STANDARD_DEDUCTION = {
    2022: {SINGLE: 6_500, JOINT: 13_050, HEAD: 9_800},
    2023: {SINGLE: 7_000, JOINT: 14_050, HEAD: 10_550},
    2024: {SINGLE: 7_400, JOINT: 14_850, HEAD: 11_100},
    2025: {SINGLE: 7_650, JOINT: 15_300, HEAD: 11_450},
    2026: {SINGLE: 7_800, JOINT: 15_600, HEAD: 11_700},
}
_EXEMPTION = {2022: 4_500, 2023: 4_850, 2024: 5_100, 2025: 5_300, 2026: 5_400}
_FLAT_EXCLUSION = D(5_000)
_EXCLUSION_SHARE_CAP = D("0.4")
_MINIMUM_TAX_AGI = D(150_000)
_MINIMUM_TAX_RATE = D("0.03")

YEARS = tuple(sorted(_TOPS))
_SCHEDULES = {
    year: schedules({status: tuple(zip((0, *tops), _RATES, strict=True)) for status, tops in by.items()})
    for year, by in _TOPS.items()
}
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _STANDARD_DEDUCTION.items()}
_EXEMPTIONS = {year: D(amount) for year, amount in _EXEMPTION.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    exclusion = min(income.preferential_gain, _FLAT_EXCLUSION, _EXCLUSION_SHARE_CAP * income.federal_taxable)
    vermont_agi = income.agi - max(D(0), exclusion)
    taxable = vermont_agi - _DEDUCTIONS[year][status] - _EXEMPTIONS[year] * income.persons
    schedule_tax = _SCHEDULES[year][status].tax(taxable)
    if income.agi > _MINIMUM_TAX_AGI:
        schedule_tax = max(schedule_tax, income.agi * _MINIMUM_TAX_RATE)
    return cents(schedule_tax)
