"""New Mexico personal income tax (Form PIT-1), 2022-2026.

Sources:
- New Mexico taxable income is federal AGI less the federal standard deduction, the net capital gains
  deduction and the exemptions (NMSA 7-2-2(N) "net income"; PIT-1 lines 9-17). New Mexico allows the
  federal standard deduction (PIT-1 line 10).
- Net capital gains deduction (NMSA 7-2-34; PIT-1 line 11 / PIT-ADJ): the greater of $1,000 or 40% of
  the net capital gain in 2022-2024; from 2025, by HB 252 (2024), up to $2,500 of the net capital gain
  (the 40% alternative is kept only for the sale of a New Mexico business, not modelled). The net capital
  gain is the federal one of IRC 1222(11): net long-term gain less any net short-term loss. A married
  person filing separately gets half of the joint-return deduction (7-2-34(B)).
- Low- and middle-income exemption (NMSA 7-2-5.8; PIT-1 line 13 worksheet): $2,500 per exemption,
  reduced by 15% (single), 10% (joint, head of household) or 20% (separate) of AGI above $20,000 /
  $30,000 / $15,000, and none above $36,667 / $55,000 / $27,500.
- Rates: NMSA 7-2-7; 1.7% to 5.9% in 2022-2024 and, by HB 252 (2024), 1.5% / 3.2% / 4.3% / 4.7% / 4.9%
  / 5.9% from 2025 (PIT-1 tax rate tables of the 2022-2025 Personal Income Tax Form Packets).
- New Mexico does not index its brackets: 2026 uses the 2025 law.
- Checked against PolicyEngine-US 2.68.0 (gov.states.nm.tax.income; variables nm_taxable_income,
  nm_net_capital_gains_deduction, nm_low_and_middle_income_exemption): within $0.01 on random single,
  joint and separate profiles for 2023-2025, before and after a harvested loss.
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
    by_status,
    cents,
    schedules,
)

STATE = "NM"
NAME = "New Mexico"
SIMPLIFICATIONS = (
    "New Mexico income is taken to be the federal AGI (no New Mexico additions or subtractions)",
    "a married person filing separately gets half the capital gains deduction of their own gains (New "
    "Mexico halves the deduction on the couple's combined gains)",
    "New Mexico's rebates and its earned income, child and medical care credits are not modelled",
)

_OLD_RATES = ("0.017", "0.032", "0.047", "0.049", "0.049", "0.059")
_NEW_RATES = ("0.015", "0.032", "0.043", "0.047", "0.049", "0.059")
_OLD_TOPS = {
    SINGLE: (5_500, 11_000, 16_000, 66_500, 210_000),
    JOINT: (8_000, 16_000, 24_000, 100_000, 315_000),
    HEAD: (8_000, 16_000, 24_000, 100_000, 315_000),
    SEPARATE: (4_000, 8_000, 12_000, 50_000, 157_500),
}
_NEW_TOPS = {
    SINGLE: (5_500, 16_500, 33_500, 66_500, 210_000),
    JOINT: (8_000, 25_000, 50_000, 100_000, 315_000),
    HEAD: (8_000, 25_000, 50_000, 100_000, 315_000),
    SEPARATE: (4_000, 12_500, 25_000, 50_000, 157_500),
}


_OLD = schedules({status: tuple(zip((0, *t), _OLD_RATES, strict=True)) for status, t in _OLD_TOPS.items()})
_NEW = schedules({status: tuple(zip((0, *t), _NEW_RATES, strict=True)) for status, t in _NEW_TOPS.items()})
_SCHEDULES = {2022: _OLD, 2023: _OLD, 2024: _OLD, 2025: _NEW, 2026: _NEW}
# Net capital gains deduction: (flat amount, share of the gain), the greater of the two.
_GAIN_DEDUCTION = {
    2022: (D(1_000), D("0.4")),
    2023: (D(1_000), D("0.4")),
    2024: (D(1_000), D("0.4")),
    2025: (D(2_500), ZERO),
    2026: (D(2_500), ZERO),
}
_HALF = D("0.5")
_LMI_MAX = D(2_500)
_LMI_LIMIT = by_status({SINGLE: 36_667, JOINT: 55_000, HEAD: 55_000, SEPARATE: 27_500})
_LMI_START = by_status({SINGLE: 20_000, JOINT: 30_000, HEAD: 30_000, SEPARATE: 15_000})
_LMI_RATE = by_status({SINGLE: "0.15", JOINT: "0.1", HEAD: "0.1", SEPARATE: "0.2"})

YEARS = tuple(sorted(_SCHEDULES))


def tax(year: int, income: StateIncome) -> Decimal:
    status = income.status
    agi = income.agi
    # The federal standard deduction (from the federal figures when it is not given).
    standard = income.federal_standard_deduction or max(ZERO, agi - income.federal_taxable)
    gain = max(ZERO, min(income.net_lt, income.net_st + income.net_lt))
    flat_amount, share = _GAIN_DEDUCTION[year]
    gain_deduction = max(min(gain, flat_amount), gain * share)
    if status == SEPARATE:
        gain_deduction *= _HALF
    exemption = ZERO
    if agi <= _LMI_LIMIT[status]:
        each = _LMI_MAX - max(ZERO, agi - _LMI_START[status]) * _LMI_RATE[status]
        exemption = max(ZERO, each) * income.persons
    taxable = agi - standard - gain_deduction - exemption
    return cents(_SCHEDULES[year][status].tax(taxable))
