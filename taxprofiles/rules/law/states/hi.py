"""Hawaii individual income tax (Form N-11), 2022-2026.

Sources:
- Starting point: federal adjusted gross income (HRS §235-2.3; N-11 line 7). Hawaii taxes dividends as
  ordinary income and follows the federal $3,000 capital loss limit.
- Rates and brackets: HRS §235-51(a)-(c) (1.4%-11%); from 2025 the brackets widened by Act 46, SLH 2024
  (HB 2404 HD1 SD1 CD1), §2; N-11 tax rate schedules of each year (files.hawaii.gov/tax/forms/<year>/n11ins.pdf).
- Standard deduction: HRS §235-2.4(c) as amended by Act 46, SLH 2024: 2,200 single and separate, 3,212
  head of household, 4,400 joint for 2022-2023; doubled to 4,400 / 6,424 / 8,800 for 2024-2025;
  8,000 / 12,000 / 16,000 for 2026.
- Personal exemption: $1,144 per person (HRS §235-54(a); N-11 line 20).
- Alternative tax on capital gains: HRS §235-51(f) caps the tax on the net capital gain (the smaller of
  Schedule D lines 15 and 16, without qualified dividends) at 7.25%; N-11 instructions, Tax on Capital
  Gains Worksheet (the rest of taxable income, but not less than the top of the last bracket below 7.25%,
  stays on the regular schedule).
- Food/excise tax credit (refundable): HRS §235-55.85 as amended by Act 163, SLH 2023; Form N-311: $220
  to $70 per exemption below AGI limits of $40,000 single and $60,000 other statuses, for 2023-2027
  (2022: $110 to $35, below $30,000 / $50,000).
- 2026: the Act 46 figures for 2026 (the brackets of 2025 and the 2026 standard deduction); nothing
  indexed.
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
    schedules,
)

STATE = "HI"
NAME = "Hawaii"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "Hawaii AGI is taken to be the federal AGI (no Hawaii additions or subtractions)",
    "Hawaii itemized deductions are not modelled, including the deduction of state income tax allowed below "
    "a federal AGI of $100,000 ($200,000 joint, $150,000 head of household; HRS 235-2.4(k)), which can lower "
    "the Hawaii tax of a client under those limits",
    "the Hawaii earned income credit and the low-income renters' and dependent care credits are not modelled",
)

_RATES = ("0.014", "0.032", "0.055", "0.064", "0.068", "0.072", "0.076", "0.079", "0.0825", "0.09", "0.10", "0.11")
_SINGLE_OLD = (2_400, 4_800, 9_600, 14_400, 19_200, 24_000, 36_000, 48_000, 150_000, 175_000, 200_000)
_SINGLE_NEW = (9_600, 14_400, 19_200, 24_000, 36_000, 48_000, 125_000, 175_000, 225_000, 275_000, 325_000)
_HEAD_OLD = (3_600, 7_200, 14_400, 21_600, 28_800, 36_000, 54_000, 72_000, 225_000, 262_500, 300_000)
_HEAD_NEW = (14_400, 21_600, 28_800, 36_000, 54_000, 72_000, 187_500, 262_500, 337_500, 412_500, 487_500)


def _schedule(single: tuple[int, ...], head: tuple[int, ...]) -> dict[str, Brackets]:
    return schedules(
        {
            SINGLE: tuple(zip((0, *single), _RATES, strict=True)),
            JOINT: tuple(zip((0, *(2 * top for top in single)), _RATES, strict=True)),
            SEPARATE: tuple(zip((0, *single), _RATES, strict=True)),
            HEAD: tuple(zip((0, *head), _RATES, strict=True)),
        }
    )


_OLD = _schedule(_SINGLE_OLD, _HEAD_OLD)
_NEW = _schedule(_SINGLE_NEW, _HEAD_NEW)
_SCHEDULES = {2022: _OLD, 2023: _OLD, 2024: _OLD, 2025: _NEW, 2026: _NEW}
# Where the first rate above 7.25% (7.6%) starts: the capital gains worksheet keeps income up to here on
# the regular schedule.
_CAP_FLOOR = {year: {s: b.thresholds[6] for s, b in by.items()} for year, by in _SCHEDULES.items()}
_CAP_RATE = D("0.0725")
_STANDARD = {
    2022: by_status({SINGLE: 2_200, JOINT: 4_400, HEAD: 3_212}),
    2023: by_status({SINGLE: 2_200, JOINT: 4_400, HEAD: 3_212}),
    2024: by_status({SINGLE: 4_400, JOINT: 8_800, HEAD: 6_424}),
    2025: by_status({SINGLE: 4_400, JOINT: 8_800, HEAD: 6_424}),
    2026: by_status({SINGLE: 8_000, JOINT: 16_000, HEAD: 12_000}),
}
_EXEMPTION = D(1_144)
# Food/excise tax credit per exemption: (AGI below, amount), single and other statuses.
_FOOD_2022_SINGLE = ((5_000, 110), (10_000, 100), (15_000, 85), (20_000, 70), (30_000, 55))
_FOOD_2022_OTHER = (*_FOOD_2022_SINGLE, (40_000, 45), (50_000, 35))
_FOOD_SINGLE = ((15_000, 220), (20_000, 200), (25_000, 170), (30_000, 140), (40_000, 110))
_FOOD_OTHER = (*_FOOD_SINGLE, (50_000, 90), (60_000, 70))


def _food(table: tuple[tuple[int, int], ...]) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((D(limit), D(amount)) for limit, amount in table)


_FOOD = {
    year: {s: _food(single if s == SINGLE else other) for s in (SINGLE, JOINT, SEPARATE, HEAD)}
    for year, single, other in (
        (2022, _FOOD_2022_SINGLE, _FOOD_2022_OTHER),
        *((y, _FOOD_SINGLE, _FOOD_OTHER) for y in (2023, 2024, 2025, 2026)),
    )
}
_FOOD_LIMIT = {year: {s: table[-1][0] for s, table in by.items()} for year, by in _FOOD.items()}


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    schedule = _SCHEDULES[year][status]
    taxable = income.agi - _STANDARD[year][status] - _EXEMPTION * income.persons
    amount = schedule.tax(taxable)
    gain = min(income.net_lt, income.net_st + income.net_lt)
    if gain > 0 and taxable > 0:
        regular_part = max(taxable - gain, min(taxable, _CAP_FLOOR[year][status]))
        amount = min(amount, schedule.tax(regular_part) + (taxable - regular_part) * _CAP_RATE)
    if income.agi < _FOOD_LIMIT[year][status]:
        for limit, credit in _FOOD[year][status]:
            if income.agi < limit:
                amount -= credit * income.persons
                break
    return cents(amount)
