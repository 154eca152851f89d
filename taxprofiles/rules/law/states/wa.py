"""Washington's capital gains excise tax, 2022-2026 (Washington has no tax on wages or short-term gains).

Sources:
- RCW 82.87.040 and .060: 7% on Washington capital gains, which are federal net long-term capital gain
  (RCW 82.87.020(6), .060) less the standard deduction; from 2025 an additional 2.9% on the part above
  $1,000,000 (ESSB 5813, c. 421, Laws of 2025, §1). One deduction per household (spouses file together).
- The standard deduction, indexed under RCW 82.87.150: $250,000 (2022), $262,000 (2023), $270,000 (2024),
  $278,000 (2025), Department of Revenue notices; 2026 is the 2025 figure until the Department publishes it.
- A net long-term loss carried forward federally reduces the federal net long-term gain (Schedule D
  line 15), and so Washington's base; short-term gains and losses do not enter it.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import D, StateIncome, cents

STATE = "WA"
NAME = "Washington"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "Washington's capital gains tax only: its charitable deduction and the exemptions for real estate and "
    "retirement accounts are not modelled",
)

_DEDUCTION = {2022: D(250_000), 2023: D(262_000), 2024: D(270_000), 2025: D(278_000), 2026: D(278_000)}
_RATE = D("0.07")
_ADDITIONAL = D("0.029")
_ADDITIONAL_FROM = D(1_000_000)


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.net_lt - _DEDUCTION[year]
    if taxable <= 0:
        return D(0)
    total = taxable * _RATE
    if year >= 2025:
        total += max(D(0), taxable - _ADDITIONAL_FROM) * _ADDITIONAL
    return cents(total)
