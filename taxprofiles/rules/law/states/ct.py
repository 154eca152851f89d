"""Connecticut income tax (Form CT-1040), 2022-2026.

Sources:
- Connecticut AGI is federal AGI with Connecticut's modifications (Conn. Gen. Stat. §12-701(a)(19));
  capital gains are taxed as ordinary income and the federal $3,000 loss limit applies.
- Personal exemption (§12-702(c); CT-1040 Table A): $15,000 single, $24,000 joint, $12,000 separate,
  $19,000 head of household, less $1,000 for each $1,000 (or part) of Connecticut AGI above $30,000,
  $48,000, $24,000 and $38,000. Not indexed.
- Rates (§12-700(a); CT-1040 Tax Calculation Schedule): 3%, 5%, 5.5%, 6%, 6.5%, 6.9%, 6.99% in 2022-2023;
  from 2024 the two lowest rates are 2% and 4.5% (Public Act 23-204 §379). Bracket tops $10,000 / $50,000 /
  $100,000 / $200,000 / $250,000 / $500,000 single and separate, twice that joint, $16,000 / $80,000 /
  $160,000 / $320,000 / $400,000 / $800,000 head of household. Not indexed: 2026 is the 2025 law.
- Phase-out of the lowest rate (Table C, §12-700(a)(9)-(10)): $20 ($40 joint, $32 head of household) of
  tax added for each $5,000 ($4,000 head, $2,500 separate) of AGI above $56,500 ($100,500 joint, $78,500
  head, $50,250 separate), at most $200 ($400, $320, $200); from 2024 $25 ($50, $40) per step, at most
  $250 ($500, $400, $250).
- Benefit recapture (Table D, §12-700(a)(9)-(10)): $90 ($180 joint, $140 head) for each $5,000 ($10,000
  joint, $8,000 head) of AGI above $200,000 ($400,000 joint, $320,000 head), at most $2,700 ($5,400,
  $4,200); and $50 ($100, $80) for each step above $500,000 ($1,000,000, $800,000), at most $450 ($900,
  $720). From 2024 also the recapture of the 4.5% rate: $25 ($50 joint, $40 head) for each step above
  $105,000 ($210,000 joint, $168,000 head), at most $250 ($500, $400) (Public Act 23-204 §379).
- Personal tax credit (§12-703; Table E): a percentage of the tax (after Tables C and D) by AGI, from 75%
  down to nothing above $64,500 single, $100,500 joint, $52,500 separate, $78,500 head of household.
- Checked against PolicyEngine-US 2.68.0 (gov.states.ct.tax.income; variables ct_personal_exemptions,
  ct_income_tax_phase_out_add_back, ct_income_tax_recapture, ct_personal_credit_rate,
  ct_income_tax_after_personal_credits).
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    SINGLE,
    STATUSES,
    D,
    StateIncome,
    brackets,
    by_status,
    cents,
    phase_down,
)

STATE = "CT"
NAME = "Connecticut"
SIMPLIFICATIONS = (
    "Connecticut AGI is taken to be the federal AGI (no Connecticut additions or subtractions)",
    "the Connecticut alternative minimum tax and credits other than the personal tax credit (such as the "
    "property tax credit) are not modelled",
)

_TOPS = {
    SINGLE: (10_000, 50_000, 100_000, 200_000, 250_000, 500_000),
    JOINT: (20_000, 100_000, 200_000, 400_000, 500_000, 1_000_000),
    HEAD: (16_000, 80_000, 160_000, 320_000, 400_000, 800_000),
}
_UPPER_RATES = ("0.055", "0.06", "0.065", "0.069", "0.0699")
_LOW_RATES = {2022: ("0.03", "0.05"), 2023: ("0.03", "0.05"), 2024: ("0.02", "0.045"), 2025: ("0.02", "0.045")}
_LOW_RATES[2026] = _LOW_RATES[2025]

_EXEMPTION = by_status({SINGLE: 15_000, JOINT: 24_000, SEPARATE: 12_000, HEAD: 19_000})
_EXEMPTION_START = by_status({SINGLE: 30_000, JOINT: 48_000, SEPARATE: 24_000, HEAD: 38_000})
_THOUSAND = D(1_000)


class _Phase:
    """Tax added: ``per_step`` for each ``step`` (or part of one) of AGI above ``start``, at most ``most``."""

    __slots__ = ("most", "per_step", "start", "step")

    def __init__(self, start: Decimal, step: Decimal, per_step: Decimal, most: Decimal) -> None:
        self.start, self.step, self.per_step, self.most = start, step, per_step, most

    def added(self, agi: Decimal) -> Decimal:
        return self.most - phase_down(self.most, agi, self.start, self.step, self.per_step)


def _phases(
    start: dict[str, int], step: dict[str, int], per_step: dict[str, int], most: dict[str, int]
) -> dict[str, _Phase]:
    starts, steps, per_steps, mosts = by_status(start), by_status(step), by_status(per_step), by_status(most)
    return {s: _Phase(starts[s], steps[s], per_steps[s], mosts[s]) for s in STATUSES}


_LOW_PHASE_OUT = {  # Table C
    2022: _phases(
        {SINGLE: 56_500, JOINT: 100_500, SEPARATE: 50_250, HEAD: 78_500},
        {SINGLE: 5_000, JOINT: 5_000, SEPARATE: 2_500, HEAD: 4_000},
        {SINGLE: 20, JOINT: 40, HEAD: 32},
        {SINGLE: 200, JOINT: 400, HEAD: 320},
    ),
    2024: _phases(
        {SINGLE: 56_500, JOINT: 100_500, SEPARATE: 50_250, HEAD: 78_500},
        {SINGLE: 5_000, JOINT: 5_000, SEPARATE: 2_500, HEAD: 4_000},
        {SINGLE: 25, JOINT: 50, HEAD: 40},
        {SINGLE: 250, JOINT: 500, HEAD: 400},
    ),
}
_RECAPTURE_STEP = {SINGLE: 5_000, JOINT: 10_000, HEAD: 8_000}
_RECAPTURE_LOW = _phases(  # from 2024
    {SINGLE: 105_000, JOINT: 210_000, HEAD: 168_000}, _RECAPTURE_STEP, {SINGLE: 25, JOINT: 50, HEAD: 40},
    {SINGLE: 250, JOINT: 500, HEAD: 400},
)  # fmt: skip
_RECAPTURE_MIDDLE = _phases(
    {SINGLE: 200_000, JOINT: 400_000, HEAD: 320_000}, _RECAPTURE_STEP, {SINGLE: 90, JOINT: 180, HEAD: 140},
    {SINGLE: 2_700, JOINT: 5_400, HEAD: 4_200},
)  # fmt: skip
_RECAPTURE_HIGH = _phases(
    {SINGLE: 500_000, JOINT: 1_000_000, HEAD: 800_000}, _RECAPTURE_STEP, {SINGLE: 50, JOINT: 100, HEAD: 80},
    {SINGLE: 450, JOINT: 900, HEAD: 720},
)  # fmt: skip

# Table E: the credit's share of the tax for AGI above each threshold (up to and including the next);
# 75% at or below the first.
_CREDIT_SHARES = ("0.75", "0.7", "0.65", "0.6", "0.55", "0.5", "0.45", "0.4", "0.35", "0.3", "0.25", "0.2",
                  "0.15", "0.14", "0.13", "0.12", "0.11", "0.1", "0.09", "0.08", "0.07", "0.06", "0.05", "0.04",
                  "0.03", "0.02", "0.01", "0")  # fmt: skip
_CREDIT_ABOVE = {
    SINGLE: (15_000, 18_800, 19_300, 19_800, 20_300, 20_800, 21_300, 21_800, 22_300, 25_000, 25_500, 26_000,
             26_500, 31_300, 31_800, 32_300, 32_800, 33_300, 60_000, 60_500, 61_000, 61_500, 62_000, 62_500,
             63_000, 63_500, 64_000, 64_500),
    JOINT: (24_000, 30_000, 30_500, 31_000, 31_500, 32_000, 32_500, 33_000, 33_500, 40_000, 40_500, 41_000,
            41_500, 50_000, 50_500, 51_000, 51_500, 52_000, 96_000, 96_500, 97_000, 97_500, 98_000, 98_500,
            99_000, 99_500, 100_000, 100_500),
    SEPARATE: (12_000, 15_000, 15_500, 16_000, 16_500, 17_000, 17_500, 18_000, 18_500, 20_000, 20_500, 21_000,
               21_500, 25_000, 25_500, 26_000, 26_500, 27_000, 48_000, 48_500, 49_000, 49_500, 50_000, 50_500,
               51_000, 51_500, 52_000, 52_500),
    HEAD: (19_000, 24_000, 24_500, 25_000, 25_500, 26_000, 26_500, 27_000, 27_500, 34_000, 34_500, 35_000,
           35_500, 44_000, 44_500, 45_000, 45_500, 46_000, 74_000, 74_500, 75_000, 75_500, 76_000, 76_500,
           77_000, 77_500, 78_000, 78_500),
}  # fmt: skip

YEARS = tuple(sorted(_LOW_RATES))
_SCHEDULES = {
    year: {
        status: brackets(*zip((0, *_TOPS[status if status in _TOPS else SINGLE]), (*low, *_UPPER_RATES), strict=True))
        for status in STATUSES
    }
    for year, low in _LOW_RATES.items()
}
_SHARES = tuple(D(share) for share in _CREDIT_SHARES)
_ABOVE = {status: tuple(D(t) for t in above) for status, above in _CREDIT_ABOVE.items()}


def _credit_share(status: str, agi: Decimal) -> Decimal:
    # The share of the row whose range (above its threshold, up to and including the next) holds the AGI.
    above = _ABOVE[status]
    return _SHARES[max(0, bisect_left(above, agi) - 1)]


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    agi = income.agi
    exemption = phase_down(_EXEMPTION[status], agi, _EXEMPTION_START[status], _THOUSAND, _THOUSAND)
    total = _SCHEDULES[year][status].tax(agi - exemption)
    total += _LOW_PHASE_OUT[2024 if year >= 2024 else 2022][status].added(agi)
    if year >= 2024:
        total += _RECAPTURE_LOW[status].added(agi)
    total += _RECAPTURE_MIDDLE[status].added(agi) + _RECAPTURE_HIGH[status].added(agi)
    return cents(total * (1 - _credit_share(status, agi)))
