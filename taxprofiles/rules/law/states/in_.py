"""Indiana adjusted gross income tax (Form IT-40), 2022-2026: the state tax only.

Sources:
- Starting point: federal adjusted gross income (IC 6-3-1-3.5(a); IT-40 line 1). Indiana taxes capital
  gains as ordinary income and follows the federal $3,000 loss limit.
- Rate: IC 6-3-2-1(b) as amended by HEA 1002-2022 and HEA 1001-2023: 3.23% for 2022, 3.15% for 2023,
  3.05% for 2024, 3.00% for 2025, 2.95% for 2026.
- Personal exemption: $1,000 for the filer and for the spouse on a joint return (IC 6-3-1-3.5(a)(3)-(4);
  IT-40 Schedule 3 / line 5).
- County income taxes (IC 6-3.6; Schedule CT-40) are a separate local tax at each county's rate.
"""

from __future__ import annotations

from decimal import Decimal

from taxprofiles.rules.law.states.common import D, StateIncome, cents, flat

STATE = "IN"
NAME = "Indiana"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "the county income tax (about 0.5% to 3% of Indiana AGI, by county of residence) is not modelled",
    "Indiana AGI is taken to be the federal AGI less the personal exemptions (no other Indiana deductions)",
    "the Indiana earned income credit and the other Indiana credits are not modelled",
)

_RATE = {2022: flat("0.0323"), 2023: flat("0.0315"), 2024: flat("0.0305"), 2025: flat("0.03"), 2026: flat("0.0295")}
_EXEMPTION = D(1_000)


def tax(year: int, income: StateIncome) -> Decimal:
    return cents(_RATE[year].tax(income.agi - _EXEMPTION * income.persons))
