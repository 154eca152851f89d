"""Massachusetts personal income tax (Form 1 with Schedules B and D), 2022-2026.

Sources:
- Rates: M.G.L. c. 62 §4: Part B (wages and other income) and Part C (long-term gains) at 5.0% from 2020;
  Part A short-term gains at 12% through 2022 and 8.5% from 2023 (St. 2023, c. 50 §17); Part A interest
  and dividends at 5.0%.
- The 4% surtax on taxable income above $1,000,000, indexed (Mass. Const. art. XLIV as amended by art.
  CXXI, 2022; c. 62 §4(d)): $1,000,000 for 2023, $1,053,750 for 2024, $1,083,150 for 2025 (DOR TIR 24-1
  and TIR 25-1); 2026 is the 2025 figure until DOR publishes it. The surtax does not apply to 2022.
- Personal exemptions: c. 62 §3(B)(b): $4,400 single and separate, $6,800 head of household, $8,800
  joint (not indexed).
- The deduction for Social Security and Medicare contributions (and other retirement contributions), up to
  $2,000 per earner: c. 62 §3(B)(a)(9); taken here as the smaller of $2,000 and 7.65% of ordinary income,
  once per return (the product does not know a second earner's wages).
- Losses: Schedule B and D netting (c. 62 §2(b), (c)(3)): a net short-term loss offsets long-term gains and
  a net long-term loss short-term gains; up to $2,000 of the remaining loss offsets interest and dividends
  (taken here against qualified dividends, the dividends the product knows); no loss offsets wages.
  Unused exemptions of Part B reduce Part A and then Part C income (Form 1 instructions, line 22).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import HEAD, JOINT, SINGLE, D, StateIncome, by_status, cents

STATE = "MA"
NAME = "Massachusetts"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "Massachusetts' own loss carryovers are taken to be the federal ones",
    "no-tax status and the limited income credit (low incomes only) are not modelled",
    "the deduction for Social Security and Medicare contributions is taken once, for one earner",
)

_FIVE = D("0.05")
_SHORT_TERM = {2022: D("0.12"), 2023: D("0.085"), 2024: D("0.085"), 2025: D("0.085"), 2026: D("0.085")}
_SURTAX_FROM = {2023: D(1_000_000), 2024: D(1_053_750), 2025: D(1_083_150), 2026: D(1_083_150)}
_SURTAX = D("0.04")
_EXEMPTION = by_status({SINGLE: 4_400, JOINT: 8_800, HEAD: 6_800})
_LOSS_AGAINST_DIVIDENDS = D(2_000)
_FICA_DEDUCTION = D(2_000)
_FICA_RATE = D("0.0765")
ZERO = D(0)


def tax(year: int, income: StateIncome) -> Decimal:
    short, long = income.net_st, income.net_lt
    if short < ZERO:
        short, long = ZERO, long + short
    if long < ZERO:
        short, long = short + long, ZERO
    loss_left = -short if short < ZERO else ZERO
    short = max(short, ZERO)
    dividends = income.qualified_dividends - min(_LOSS_AGAINST_DIVIDENDS, loss_left, income.qualified_dividends)
    # The exemption reduces Part B, then Part A (dividends, then short-term gains), then Part C.
    exemption = _EXEMPTION[income.status]
    parts = []
    part_b = max(ZERO, income.ordinary)
    part_b -= min(_FICA_DEDUCTION, part_b * _FICA_RATE)
    for amount in (part_b, dividends, short, long):
        used = min(amount, exemption)
        exemption -= used
        parts.append(amount - used)
    part_b, part_a_dividends, part_a_gains, part_c = parts
    total = (part_b + part_a_dividends + part_c) * _FIVE + part_a_gains * _SHORT_TERM[year]
    surtax_from = _SURTAX_FROM.get(year)
    if surtax_from is not None:
        total += max(ZERO, sum(parts, ZERO) - surtax_from) * _SURTAX
    return cents(total)
