"""Michigan income tax (Form MI-1040), 2022-2026.

Sources:
- Rate: MCL 206.51(1) (4.25%), with the rate cut MCL 206.51(1) triggers when general fund revenue
  grows faster than inflation: 4.05% for 2023 only (Treasury notice of March 29, 2023, MI-1040
  instructions 2023 p. 3); 4.25% for 2024 (MI-1040 instructions 2024 p. 3), 2025 (Treasury notice
  of May 1, 2025) and 2026 (Treasury notice of April 15, 2026: no reduction).
- Personal exemption: MCL 206.30(2), indexed and rounded to the nearest $100, one for the filer
  and one for the spouse on a joint return (MI-1040 line 9a): $5,000 (2022), $5,400 (2023),
  $5,600 (2024), $5,800 (2025), $5,900 (2026, Form 446 withholding guide 2026).
- Michigan's income starts from federal AGI (MCL 206.30(1), MI-1040 line 10) and taxes capital
  gains as ordinary income, with the federal $3,000 loss limit. Its standard deduction
  and the deduction of interest, dividends and gains (both MCL 206.30) are only
  for filers born before 1946 (or retirees), not modelled here.
- City income taxes (Detroit, Grand Rapids, Lansing and the other cities under the City Income
  Tax Act, MCL 141.501 ff.) are separate returns and are not included.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import D, StateIncome, cents

STATE = "MI"
NAME = "Michigan"
SIMPLIFICATIONS = (
    "Michigan income is taken to be the federal AGI (no Michigan additions or subtractions)",
    "city income taxes (Detroit, Grand Rapids and the other Michigan cities) are not included",
    "the senior standard deduction, the senior deduction of interest, dividends and gains, and the "
    "refundable credits (earned income, homestead property tax, home heating) are not modelled",
)

_RATE = {2022: D("0.0425"), 2023: D("0.0405"), 2024: D("0.0425"), 2025: D("0.0425"), 2026: D("0.0425")}
_EXEMPTION = {2022: D(5_000), 2023: D(5_400), 2024: D(5_600), 2025: D(5_800), 2026: D(5_900)}

YEARS = tuple(sorted(_RATE))


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = income.agi - _EXEMPTION[year] * income.persons
    return cents(taxable * _RATE[year])
