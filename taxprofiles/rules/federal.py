"""Federal income tax law for the tax years the product knows (2018 through 2026).

Each year's indexed figures, with their sources (the IRS revenue procedure of the year), are in
``taxprofiles/rules/law/federal_<year>.py``; this module loads them into one ``FederalLaw`` per year
and filing status. The figures that are not indexed are here:
- Rates: 10/12/22/24/32/35/37% (IRC §1(j), Pub. L. 115-97, made permanent by Pub. L. 119-21);
  long-term gains and qualified dividends 0/15/20% (IRC §1(h)); AMT 26/28% (IRC §55(b)(1)).
- Net investment income tax: IRC §1411, 3.8% above $200,000 / $250,000 / $125,000 of modified AGI
  (not indexed).
- Capital loss limit: IRC §1211(b), $3,000 ($1,500 married filing separately).
The same figures are in PSL Tax-Calculator's policy_current_law.json, which the tests use as an oracle
(one disagreement, 2023's separate 37% bracket, is explained in ``law/federal_2023.py``).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from importlib import import_module

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
    amt_exemption: Decimal  # Form 6251 line 5 before the phase-out
    amt_phaseout_start: Decimal  # AMTI above which the exemption shrinks ...
    amt_phaseout_rate: Decimal  # ... by this much per dollar
    amt_28_percent_from: Decimal  # AMTI less the exemption above this is taxed at 28%, below at 26%

    @property
    def amt_exemption_gone_at(self) -> Decimal:
        """Return the AMTI at which the phase-out has taken the whole exemption.

        Above it a separate return adds back the smaller of the phase-out rate times the excess and
        the exemption (IRC §55(d); Form 6251 line 4 instructions: $900,350 and 25% in 2025).
        """
        return self.amt_phaseout_start + self.amt_exemption / self.amt_phaseout_rate


RATES = tuple(D(r) for r in ("0.10", "0.12", "0.22", "0.24", "0.32", "0.35", "0.37"))
NIIT_RATE = D("0.038")
# The years with a law file in taxprofiles/rules/law/.
LAW_YEARS = tuple(range(2018, 2027))
# The years the product offers (forms, API, imports, commands, reports): every year it has the law of.
KNOWN_YEARS = LAW_YEARS

_NIIT_THRESHOLDS = {
    FilingStatus.SINGLE: D(200000),
    FilingStatus.MARRIED_JOINT: D(250000),
    FilingStatus.MARRIED_SEPARATE: D(125000),
    FilingStatus.HEAD_OF_HOUSEHOLD: D(200000),
}


def _build(year: int, status: FilingStatus) -> FederalLaw:
    law = import_module(f"taxprofiles.rules.law.federal_{year}")
    assert year == law.YEAR
    return FederalLaw(
        year=year,
        filing_status=status,
        schedule=Schedule(tuple(D(t) for t in law.BRACKET_TOPS[status]), RATES),
        standard_deduction=D(law.STANDARD_DEDUCTION[status]),
        zero_rate_top=D(law.ZERO_RATE_TOP[status]),
        fifteen_rate_top=D(law.FIFTEEN_RATE_TOP[status]),
        niit_threshold=_NIIT_THRESHOLDS[status],
        capital_loss_limit=D(1500) if status is FilingStatus.MARRIED_SEPARATE else D(3000),
        amt_exemption=D(law.AMT_EXEMPTION[status]),
        amt_phaseout_start=D(law.AMT_PHASEOUT_START[status]),
        amt_phaseout_rate=D(law.AMT_PHASEOUT_RATE),
        amt_28_percent_from=D(law.AMT_28_PERCENT_FROM[status]),
    )


_LAWS = {(year, status): _build(year, status) for year in LAW_YEARS for status in FilingStatus}


def federal_law(year: int, status: FilingStatus) -> FederalLaw:
    """Return the year's law for the filing status; raise UnknownTaxYear for a year not in the product."""
    if year not in KNOWN_YEARS:
        known = ", ".join(str(y) for y in KNOWN_YEARS)
        raise UnknownTaxYear(f"tax year {year} is not supported (known years: {known})")
    return _LAWS[(year, FilingStatus(status))]


def federal_law_of_any_year(year: int, status: FilingStatus) -> FederalLaw:
    """Return the law of any year in LAW_YEARS, offered by the product or not (tests, back-testing)."""
    try:
        return _LAWS[(year, FilingStatus(status))]
    except KeyError:
        raise UnknownTaxYear(f"tax year {year} has no federal law file") from None
