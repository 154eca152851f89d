"""Federal income tax on a household's year: Form 1040 with Schedule D, the Qualified Dividends and
Capital Gain Tax Worksheet, the Tax Table below $100,000, and the net investment income tax (Form 8960).

Not modelled: qualified dividends, unrecaptured §1250 and 28% gains, credits, AMT, QBI.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from taxprofiles.rules.capital import Netting, carryforward, net_capital
from taxprofiles.rules.federal import NIIT_RATE, FederalLaw

ZERO = Decimal(0)
CENT = Decimal("0.01")
DOLLAR = Decimal(1)
TABLE_LIMIT = Decimal(100000)
FIFTEEN = Decimal("0.15")
TWENTY = Decimal("0.20")


@dataclass(frozen=True, slots=True)
class Income:
    """One year's income: ordinary income (wages and other), deductions, and capital gains.

    ``st_gains``/``lt_gains`` are this year's realized net gains (negative for net losses);
    carryforwards are the positive size of losses carried in. ``itemized`` of None means the
    standard deduction; an itemized amount below it also yields the standard deduction.
    """

    ordinary: Decimal
    st_gains: Decimal = ZERO
    lt_gains: Decimal = ZERO
    st_carryforward: Decimal = ZERO
    lt_carryforward: Decimal = ZERO
    itemized: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FederalTax:
    agi: Decimal
    taxable_income: Decimal
    income_tax: Decimal
    niit: Decimal
    netting: Netting
    carryforward_st: Decimal
    carryforward_lt: Decimal

    @property
    def total(self) -> Decimal:
        return self.income_tax + self.niit


def ordinary_tax(law: FederalLaw, taxable: Decimal) -> Decimal:
    """Tax on ordinary taxable income: the Tax Table below $100,000, the rate schedule above.

    The Tax Table taxes the midpoint of each $50 row ($25 below $3,000; $10 below $25, nothing
    below $5), rounded to whole dollars.
    """
    if taxable <= ZERO:
        return ZERO
    if taxable >= TABLE_LIMIT:
        return law.schedule.tax(taxable).quantize(CENT, ROUND_HALF_UP)
    if taxable < 5:
        return ZERO
    if taxable < 25:
        bottom, width = 5 + (taxable - 5) // 10 * 10, Decimal(10)
    elif taxable < 3000:
        bottom, width = (taxable // 25) * 25, Decimal(25)
    else:
        bottom, width = (taxable // 50) * 50, Decimal(50)
    return law.schedule.tax(bottom + width / 2).quantize(DOLLAR, ROUND_HALF_UP)


def federal_tax(law: FederalLaw, income: Income) -> FederalTax:
    netting = net_capital(
        income.st_gains, income.lt_gains, income.st_carryforward, income.lt_carryforward, law.capital_loss_limit
    )
    agi = income.ordinary + netting.capital_income
    deduction = law.standard_deduction
    if income.itemized is not None and income.itemized > deduction:
        deduction = income.itemized
    before_floor = agi - deduction
    taxable = before_floor if before_floor > ZERO else ZERO
    tax = _tax_with_capital_gains(law, taxable, netting.preferential_gain)
    investment_income = netting.capital_income if netting.capital_income > ZERO else ZERO
    excess = agi - law.niit_threshold
    niit = ZERO
    if excess > ZERO and investment_income > ZERO:
        niit = (min(investment_income, excess) * NIIT_RATE).quantize(CENT, ROUND_HALF_UP)
    st_carry, lt_carry = carryforward(netting, before_floor)
    return FederalTax(agi, taxable, tax, niit, netting, st_carry, lt_carry)


def _tax_with_capital_gains(law: FederalLaw, taxable: Decimal, preferential: Decimal) -> Decimal:
    """The Qualified Dividends and Capital Gain Tax Worksheet (lines 1-25), no qualified dividends."""
    if preferential <= ZERO:
        return ordinary_tax(law, taxable)
    line4 = preferential
    line5 = taxable - line4 if taxable > line4 else ZERO
    line7 = min(taxable, law.zero_rate_top)
    line8 = min(line5, line7)
    line9 = line7 - line8
    line10 = min(taxable, line4)
    line12 = line10 - line9
    line14 = min(taxable, law.fifteen_rate_top)
    line15 = line5 + line9
    line16 = line14 - line15 if line14 > line15 else ZERO
    line17 = min(line12, line16)
    line18 = line17 * FIFTEEN
    line20 = line10 - (line9 + line17)
    line21 = line20 * TWENTY
    line23 = (line18 + line21).quantize(CENT, ROUND_HALF_UP) + ordinary_tax(law, line5)
    return min(line23, ordinary_tax(law, taxable))
