"""New Hampshire interest and dividends tax (Form DP-10), 2022-2026.

New Hampshire taxes no wages and no capital gains; until 2024 it taxed interest and dividends.

Sources:
- Rate: RSA 77:1, reduced by 2023 HB 2 and 2023 HB 1: 5% for 2022, 4% for 2023, 3% for 2024; the tax
  is repealed for taxable periods beginning on or after January 1, 2025 (TIR 2025-001).
  DP-10 instructions line 10 (2022 page 4, 2023 and 2024 page 7).
- Exemption: $2,400 for each individual, $4,800 on a joint return (RSA 77:5; DP-10 instructions,
  2024 page 6). The additional $1,200 exemptions for the blind, disabled and those 65 or older are
  not modelled.
- The product knows only qualified dividends among interest and dividends, so the tax is figured on
  them (other dividends and interest are not in the profile).
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import JOINT, SINGLE, D, StateIncome, by_status, cents

STATE = "NH"
NAME = "New Hampshire"
SIMPLIFICATIONS = (
    "New Hampshire taxes no wages or capital gains: only interest and dividends, until the tax's repeal in 2025",
    "the tax is figured on the profile's qualified dividends only (other dividends and interest are not in"
    " the profile)",
    "the additional exemptions for those who are blind, disabled or 65 and older are not modelled",
)

_RATE = {2022: D("0.05"), 2023: D("0.04"), 2024: D("0.03"), 2025: D(0), 2026: D(0)}
_EXEMPTION = by_status({SINGLE: 2_400, JOINT: 4_800})
YEARS = tuple(sorted(_RATE))


def tax(year: int, income: StateIncome) -> Decimal:
    rate = _RATE[year]
    if not rate:
        return D("0.00")
    return cents((income.qualified_dividends - _EXEMPTION[income.status]) * rate)
