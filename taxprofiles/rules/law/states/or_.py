"""Oregon personal income tax (Form OR-40), 2022-2026.

(The module is ``or_`` because ``or`` is a Python keyword.)

Sources:
- Starting point: federal AGI (ORS 316.048, Form OR-40 line 7); Oregon taxes capital gains as ordinary
  income and follows the federal $3,000 loss limit.
- Federal tax subtraction: ORS 316.680(1)(b) and 316.685, limited by ORS 316.680(3) (OR-40 line 10 and
  its worksheet): the federal income tax (regular tax plus AMT here), at most $7,250 (2022), $7,800
  (2023), $8,250 (2024), $8,500 (2025), $8,750 (2026), stepping down with federal AGI from $125,000
  ($250,000 joint and head of household) in $5,000 ($10,000) steps to nothing at $145,000 ($290,000);
  half the amounts for married filing separately (ORS 316.680(3)(d)).
- Standard deduction: ORS 316.695(1)(c), indexed (OR-40 instructions, standard deduction table).
- Rates: ORS 316.037, brackets indexed except the $125,000 / $250,000 top threshold (OR-40 instructions tax
  rate charts 2022-2025; 2026: Publication OR-ESTIMATE 2026, charts S and J). Head of household uses the
  joint brackets (ORS 316.042).
- Personal exemption credit: ORS 316.085(1)(a), indexed ($219, $236, $249, $256 for 2022-2025; OR-40
  line 16), denied entirely when federal AGI exceeds $100,000 ($200,000 joint and head of household)
  (ORS 316.085(5)).
- 2026: brackets and the subtraction limits from the Department of Revenue's 2026 OR-ESTIMATE; the standard
  deduction ($2,895 / $5,795 / $4,660) and exemption credit ($261, rounded down as ORS 316.085(4) rounds)
  are PolicyEngine-US 2.68.0's projections of the 2025 figures.
- The surplus "kicker" credit (ORS 291.349; 44.28% of the 2022 tax on 2023 returns, 9.863% of the 2024
  tax on 2025 returns) is a share of the previous year's tax, so this year's gains and losses do not change
  it: it is left out. PolicyEngine-US 2.68.0 includes it in ``state_income_tax`` as a refundable credit
  computed on the current year's tax (its proxy for the prior year's); the checks of this module add it
  back before comparing.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    SINGLE,
    STATUSES,
    ZERO,
    D,
    StateIncome,
    by_status,
    cents,
    schedules,
)

STATE = "OR"
NAME = "Oregon"
SIMPLIFICATIONS = (
    "Oregon income is taken to be the federal AGI (no Oregon additions or subtractions other than the "
    "federal tax subtraction)",
    "the surplus 'kicker' credit is left out: it is a share of the previous year's tax and does not change "
    "with this year's gains and losses",
    "Oregon credits other than the personal exemption credit are not modelled",
)

_RATES = ("0.0475", "0.0675", "0.0875", "0.099")
# The single 6.75% and 8.75% thresholds; joint and head of household are twice them. The top bracket
# starts at $125,000 ($250,000 joint and head of household) every year.
_THRESHOLDS = {
    2022: (3_750, 9_450),
    2023: (4_050, 10_200),
    2024: (4_300, 10_750),
    2025: (4_400, 11_100),
    2026: (4_550, 11_400),
}
_STANDARD_DEDUCTION = {
    2022: {SINGLE: 2_420, JOINT: 4_840, HEAD: 3_895},
    2023: {SINGLE: 2_605, JOINT: 5_210, HEAD: 4_195},
    2024: {SINGLE: 2_745, JOINT: 5_495, HEAD: 4_420},
    2025: {SINGLE: 2_835, JOINT: 5_670, HEAD: 4_560},
    2026: {SINGLE: 2_895, JOINT: 5_795, HEAD: 4_660},
}
_EXEMPTION_CREDIT = {2022: 219, 2023: 236, 2024: 249, 2025: 256, 2026: 261}
_EXEMPTION_AGI_LIMIT = by_status({SINGLE: 100_000, JOINT: 200_000, HEAD: 200_000})
# Federal tax subtraction limit: the full amount, then the amount for each $5,000 step of federal AGI
# from $125,000 ($10,000 steps from $250,000 joint and head of household); nothing from $145,000 / $290,000.
_SUBTRACTION_LIMITS = {
    2022: (7_250, 5_800, 4_350, 2_900, 1_450, 0),
    2023: (7_800, 6_250, 4_700, 3_100, 1_550, 0),
    2024: (8_250, 6_600, 5_000, 3_300, 1_650, 0),
    2025: (8_500, 6_800, 5_100, 3_400, 1_700, 0),
    2026: (8_750, 7_000, 5_250, 3_500, 1_750, 0),
}
_STEP_STARTS = {
    SINGLE: tuple(D(t) for t in (125_000, 130_000, 135_000, 140_000, 145_000)),
    JOINT: tuple(D(t) for t in (250_000, 260_000, 270_000, 280_000, 290_000)),
}
_STEP_STARTS[SEPARATE] = _STEP_STARTS[SINGLE]
_STEP_STARTS[HEAD] = _STEP_STARTS[JOINT]

YEARS = tuple(sorted(_THRESHOLDS))
_SCHEDULES = {
    year: schedules(
        {
            SINGLE: tuple(zip((0, low, high, 125_000), _RATES, strict=True)),
            JOINT: tuple(zip((0, 2 * low, 2 * high, 250_000), _RATES, strict=True)),
            HEAD: tuple(zip((0, 2 * low, 2 * high, 250_000), _RATES, strict=True)),
        }
    )
    for year, (low, high) in _THRESHOLDS.items()
}
_DEDUCTIONS = {year: by_status(amounts) for year, amounts in _STANDARD_DEDUCTION.items()}
_CREDITS = {year: D(amount) for year, amount in _EXEMPTION_CREDIT.items()}
_LIMITS = {
    year: {status: tuple(D(a) / (2 if status == SEPARATE else 1) for a in amounts) for status in STATUSES}
    for year, amounts in _SUBTRACTION_LIMITS.items()
}


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    agi = income.agi
    limit = _LIMITS[year][status][bisect_right(_STEP_STARTS[status], agi)]
    subtraction = min(max(ZERO, income.federal_income_tax), limit)
    taxable = agi - subtraction - _DEDUCTIONS[year][status]
    if taxable <= ZERO:
        return ZERO
    before_credits = _SCHEDULES[year][status].tax(taxable)
    if agi <= _EXEMPTION_AGI_LIMIT[status]:
        before_credits -= _CREDITS[year] * income.persons
    return cents(before_credits)
