"""Federal income tax tables for the tax years the product knows.

Sources:
- 2025: Rev. Proc. 2024-40 (brackets, capital-gain breakpoints), with the standard deduction as
  amended by Pub. L. 119-21 (2025), §70102: $15,750 / $31,500 / $23,625.
- 2026: Rev. Proc. 2025-32 (brackets, standard deduction, capital-gain breakpoints).
- Net investment income tax: IRC §1411, 3.8% above $200,000 / $250,000 / $125,000 of modified AGI
  (not indexed).
- Capital loss limit: IRC §1211(b), $3,000 ($1,500 married filing separately).
The same figures are in PSL Tax-Calculator's policy_current_law.json, which the tests use as an oracle.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

D = Decimal


class FilingStatus(StrEnum):
    SINGLE = "single"
    MARRIED_JOINT = "married_joint"
    MARRIED_SEPARATE = "married_separate"
    HEAD_OF_HOUSEHOLD = "head_of_household"


class UnknownTaxYear(ValueError):
    """The rules for this tax year are not in the product yet."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """An ordinary-income rate schedule: ``tops[i]`` is where the ``rates[i]`` bracket ends."""

    tops: tuple[Decimal, ...]
    rates: tuple[Decimal, ...]  # one more than tops: the last rate has no top
    bottoms: tuple[Decimal, ...] = field(init=False)
    base_tax: tuple[Decimal, ...] = field(init=False)  # the tax on each bracket's bottom

    def __post_init__(self) -> None:
        bottoms = (D(0), *self.tops)
        base = [D(0)]
        for i, top in enumerate(self.tops):
            base.append(base[-1] + (top - bottoms[i]) * self.rates[i])
        object.__setattr__(self, "bottoms", bottoms)
        object.__setattr__(self, "base_tax", tuple(base))

    def tax(self, taxable: Decimal) -> Decimal:
        """Return the tax on ``taxable`` dollars by the rate schedule (Tax Computation Worksheet)."""
        i = bisect_left(self.tops, taxable)
        return self.base_tax[i] + (taxable - self.bottoms[i]) * self.rates[i]

    def marginal_rate(self, taxable: Decimal) -> Decimal:
        for top, rate in zip(self.tops, self.rates, strict=False):
            if taxable < top:
                return rate
        return self.rates[-1]


@dataclass(frozen=True, slots=True)
class FederalLaw:
    """One tax year's federal figures for one filing status."""

    year: int
    filing_status: FilingStatus
    schedule: Schedule
    standard_deduction: Decimal
    zero_rate_top: Decimal  # long-term gains taxed at 0% up to this taxable income
    fifteen_rate_top: Decimal  # ... at 15% up to this, 20% above
    niit_threshold: Decimal
    capital_loss_limit: Decimal


RATES = tuple(D(r) for r in ("0.10", "0.12", "0.22", "0.24", "0.32", "0.35", "0.37"))
NIIT_RATE = D("0.038")

# year -> status -> (bracket tops, standard deduction, 0% top, 15% top)
_TABLES: dict[int, dict[FilingStatus, tuple[tuple[int, ...], int, int, int]]] = {
    2025: {
        FilingStatus.SINGLE: ((11925, 48475, 103350, 197300, 250525, 626350), 15750, 48350, 533400),
        FilingStatus.MARRIED_JOINT: ((23850, 96950, 206700, 394600, 501050, 751600), 31500, 96700, 600050),
        FilingStatus.MARRIED_SEPARATE: ((11925, 48475, 103350, 197300, 250525, 375800), 15750, 48350, 300000),
        FilingStatus.HEAD_OF_HOUSEHOLD: ((17000, 64850, 103350, 197300, 250500, 626350), 23625, 64750, 566700),
    },
    2026: {
        FilingStatus.SINGLE: ((12400, 50400, 105700, 201775, 256225, 640600), 16100, 49450, 545500),
        FilingStatus.MARRIED_JOINT: ((24800, 100800, 211400, 403550, 512450, 768700), 32200, 98900, 613700),
        FilingStatus.MARRIED_SEPARATE: ((12400, 50400, 105700, 201775, 256225, 384350), 16100, 49450, 306850),
        FilingStatus.HEAD_OF_HOUSEHOLD: ((17700, 67450, 105700, 201750, 256200, 640600), 24150, 66200, 579600),
    },
}
_NIIT_THRESHOLDS = {
    FilingStatus.SINGLE: D(200000),
    FilingStatus.MARRIED_JOINT: D(250000),
    FilingStatus.MARRIED_SEPARATE: D(125000),
    FilingStatus.HEAD_OF_HOUSEHOLD: D(200000),
}

KNOWN_YEARS = tuple(sorted(_TABLES))


def _build(year: int, status: FilingStatus) -> FederalLaw:
    tops, standard, zero_top, fifteen_top = _TABLES[year][status]
    return FederalLaw(
        year=year,
        filing_status=status,
        schedule=Schedule(tuple(D(t) for t in tops), RATES),
        standard_deduction=D(standard),
        zero_rate_top=D(zero_top),
        fifteen_rate_top=D(fifteen_top),
        niit_threshold=_NIIT_THRESHOLDS[status],
        capital_loss_limit=D(1500) if status is FilingStatus.MARRIED_SEPARATE else D(3000),
    )


_LAWS = {(year, status): _build(year, status) for year in _TABLES for status in FilingStatus}


def federal_law(year: int, status: FilingStatus) -> FederalLaw:
    """Return the year's law for the filing status; raise UnknownTaxYear for a year not in the product."""
    try:
        return _LAWS[(year, FilingStatus(status))]
    except KeyError:
        known = ", ".join(str(y) for y in KNOWN_YEARS)
        raise UnknownTaxYear(f"tax year {year} is not supported (known years: {known})") from None
