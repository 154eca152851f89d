"""New York State personal income tax (Form IT-201), 2022-2026, and New York City's resident tax.

Sources:
- Rates and brackets: N.Y. Tax Law §601(a)-(c) as amended by the FY2022 and FY2023 budgets (the 5.85% then
  5.5% and 6.25% then 6.0% middle brackets, the 10.3% and 10.9% top brackets from 2021) and by the FY2026
  budget (Part A of Ch. 59, L. 2025: the four lowest rates cut by 0.1 point from 2026); the rate
  schedules in the IT-201 instructions of each year (2022: tax.ny.gov/pdf/2022/printable-pdfs/inc/it201i-2022.pdf
  page 44; 2023, 2024, 2025 likewise). New York's brackets are not indexed.
- Standard deduction: Tax Law §614 ($8,000 single and separate, $16,050 joint, $11,200 head of household).
- Supplemental tax (the recapture of the lower brackets' benefit above $107,650 of New York AGI): Tax Law
  §601(d-1), the Tax Computation Worksheets of the IT-201 instructions. The recapture base of a bracket is
  the benefit recaptured by the brackets below it, B(k-1) = T(k-1) x r(k-1) - tax(T(k-1)), rounded to the
  dollar; the incremental benefit is B(k) - B(k-1); it phases in over $50,000 of AGI above the bracket's
  threshold (or $107,650), the fraction rounded to four places. Above $25,000,000 of AGI all taxable income
  is taxed at the top rate. These reproduce the worksheets' figures (2023 single: $568, $1,831, $2,399,
  $30,172).
- New York taxes capital gains as ordinary income and follows the federal $3,000 loss limit (its AGI
  starts from the federal AGI, Tax Law §612).
- The inflation refund for tax year 2023: Tax Law §606(qqq) (FY2026 budget, Ch. 59, L. 2025, Part HH):
  $200 for a single, separate or head-of-household return with New York AGI up to $75,000, $150 up to
  $150,000; $400 joint up to $150,000, $300 up to $300,000. It is refundable and paid from the 2023 return,
  so it is part of that year's tax here; a harvest that moves AGI across a threshold changes it.
- New York City: Administrative Code §11-1701 (rates 3.078% to 3.876%, not indexed), its school tax
  credit ($63, $125 joint, for income up to $250,000) and the rate-reduction amount (0.171% and 0.228% of
  taxable income up to $500,000), Form IT-201 lines 47-48 and their instructions.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import ROUND_HALF_UP, Decimal

from taxprofiles.rules.law.states.common import (
    HEAD,
    JOINT,
    SEPARATE,
    SINGLE,
    Brackets,
    D,
    StateIncome,
    brackets,
    by_status,
    cents,
    schedules,
)

STATE = "NY"
NAME = "New York"
YEARS = (2022, 2023, 2024, 2025, 2026)
SIMPLIFICATIONS = (
    "New York AGI is taken to be the federal AGI",
    "the Tax Table's $50 rows below $65,000 and the household and earned-income credits (low incomes only) "
    "are not modelled",
)
CITY_SIMPLIFICATIONS = ("New York City's household credit and its earned-income credit are not modelled",)

_THRESHOLDS = {
    SINGLE: (0, 8_500, 11_700, 13_900, 80_650, 215_400, 1_077_550, 5_000_000, 25_000_000),
    JOINT: (0, 17_150, 23_600, 27_900, 161_550, 323_200, 2_155_350, 5_000_000, 25_000_000),
    HEAD: (0, 12_800, 17_650, 20_900, 107_650, 269_300, 1_616_450, 5_000_000, 25_000_000),
}
_RATES = {
    2022: ("0.04", "0.045", "0.0525", "0.0585", "0.0625", "0.0685", "0.0965", "0.103", "0.109"),
    2023: ("0.04", "0.045", "0.0525", "0.055", "0.06", "0.0685", "0.0965", "0.103", "0.109"),
    2024: ("0.04", "0.045", "0.0525", "0.055", "0.06", "0.0685", "0.0965", "0.103", "0.109"),
    2025: ("0.04", "0.045", "0.0525", "0.055", "0.06", "0.0685", "0.0965", "0.103", "0.109"),
    2026: ("0.039", "0.044", "0.0515", "0.054", "0.059", "0.0685", "0.0965", "0.103", "0.109"),
}
_STANDARD_DEDUCTION = by_status({SINGLE: 8_000, JOINT: 16_050, HEAD: 11_200})
_RECAPTURE_FROM = D(107_650)
_PHASE_IN = D(50_000)
_FOUR_PLACES = D("0.0001")
_FIRST = 4  # the 6% bracket: the first whose benefit is recaptured (the lower brackets recapture with it)

_ONE = (D(75_000), D(150_000), D(200), D(150))
_INFLATION_REFUND = {SINGLE: _ONE, SEPARATE: _ONE, HEAD: _ONE, JOINT: (D(150_000), D(300_000), D(400), D(300))}

_NYC = schedules(
    {
        SINGLE: ((0, "0.03078"), (12_000, "0.03762"), (25_000, "0.03819"), (50_000, "0.03876")),
        JOINT: ((0, "0.03078"), (21_600, "0.03762"), (45_000, "0.03819"), (90_000, "0.03876")),
        HEAD: ((0, "0.03078"), (14_400, "0.03762"), (30_000, "0.03819"), (60_000, "0.03876")),
    }
)
_NYC_SCHOOL_CREDIT = by_status({SINGLE: 63, JOINT: 125})
_NYC_SCHOOL_CREDIT_LIMIT = D(250_000)
_NYC_RATE_REDUCTION = schedules(
    {
        SINGLE: ((0, "0.00171"), (12_000, "0.00228")),
        JOINT: ((0, "0.00171"), (21_600, "0.00228")),
        HEAD: ((0, "0.00171"), (14_400, "0.00228")),
    }
)
_NYC_RATE_REDUCTION_LIMIT = D(500_000)


class _Year:
    """One status's schedule for one year, with each bracket's recapture base and incremental benefit."""

    __slots__ = ("increment", "recapture", "schedule", "top_from")

    def __init__(self, thresholds: tuple[int, ...], rates: tuple[str, ...]) -> None:
        self.schedule: Brackets = brackets(*zip(thresholds, rates, strict=True))
        benefit = [
            (t * r - self.schedule.tax(t)).quantize(D(1), ROUND_HALF_UP)
            for t, r in zip(self.schedule.thresholds, self.schedule.rates, strict=True)
        ]
        # The first recaptured bracket (6%) has no base; each later one starts from the benefit below it.
        self.recapture = tuple(D(0) if k <= _FIRST else benefit[k - 1] for k in range(len(benefit)))
        self.increment = tuple(benefit[k] - self.recapture[k] for k in range(len(benefit)))
        self.top_from = self.schedule.thresholds[-1]


_YEARS = {
    year: {status: _Year(_THRESHOLDS[status], rates) for status in (SINGLE, JOINT, HEAD)}
    for year, rates in _RATES.items()
}
for _by in _YEARS.values():
    _by[SEPARATE] = _by[SINGLE]


def state_tax(year: int, status: str, agi: Decimal, taxable: Decimal) -> Decimal:
    """New York State tax on ``taxable`` income for a return with New York AGI ``agi`` (unrounded)."""
    law = _YEARS[year][status]
    schedule = law.schedule
    tax = schedule.tax(taxable)
    if agi <= _RECAPTURE_FROM or taxable <= 0:
        return tax
    if agi > law.top_from:
        return taxable * schedule.rates[-1]
    k = max(_FIRST, bisect_right(schedule.thresholds, taxable) - 1)
    start = max(schedule.thresholds[k], _RECAPTURE_FROM)
    fraction = min(D(1), max(D(0), (agi - start) / _PHASE_IN).quantize(_FOUR_PLACES, ROUND_HALF_UP))
    return tax + law.recapture[k] + fraction * law.increment[k]


def city_tax(status: str, agi: Decimal, taxable: Decimal) -> Decimal:
    """New York City resident tax on the same taxable income, less the school tax credits (unrounded)."""
    tax = _NYC[status].tax(taxable)
    if agi <= _NYC_SCHOOL_CREDIT_LIMIT:
        tax -= _NYC_SCHOOL_CREDIT[status]
    if agi <= _NYC_RATE_REDUCTION_LIMIT and taxable <= _NYC_RATE_REDUCTION_LIMIT:
        tax -= _NYC_RATE_REDUCTION[status].tax(taxable)
    return max(D(0), tax)


def inflation_refund(year: int, status: str, agi: Decimal) -> Decimal:
    """The 2023 inflation refund (Tax Law §606(qqq)): by New York AGI and filing status."""
    if year != 2023:
        return D(0)
    low, high, low_amount, high_amount = _INFLATION_REFUND[status]
    if agi <= low:
        return low_amount
    return high_amount if agi <= high else D(0)


def tax(year: int, income: StateIncome) -> Decimal:
    taxable = max(D(0), income.agi - _STANDARD_DEDUCTION[income.status])
    total = state_tax(year, income.status, income.agi, taxable) - inflation_refund(year, income.status, income.agi)
    if income.city == "nyc":
        total += city_tax(income.status, income.agi, taxable)
    return cents(total)
