"""Federal income tax on a household's year: Form 1040 with Schedule D, the Qualified Dividends and
Capital Gain Tax Worksheet, the Tax Table below $100,000, the alternative minimum tax (Form 6251)
and the net investment income tax (Form 8960).

The AMT is Form 6251 as it applies to this engine's inputs. Alternative minimum taxable income
(line 4) is taxable income plus the standard deduction when it was taken (line 2a). With itemized
deductions nothing is added back: the engine does not know their state-and-local-tax part, so it
understates AMTI for itemizers by that part (a documented simplification). The exemption (line 5)
shrinks by the phase-out rate per dollar of AMTI above the phase-out start; a separate return whose
AMTI passes the point where the exemption is gone adds back the smaller of the phase-out rate times
the excess and the exemption (IRC §55(d); Form 6251 line 4 instructions). The tentative minimum tax
is Part III: the preferential part (net capital gain and qualified dividends) at 0/15/20% by the
regular breakpoints, the rest at 26%/28%, never more than 26%/28% on the whole (line 39).

Not modelled: unrecaptured §1250 and 28% gains, AMT preferences and adjustments other than the
standard deduction, credits (including the AMT foreign tax credit), QBI.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from taxprofiles.rules.capital import Netting, carryforward, net_capital
from taxprofiles.rules.federal import NIIT_RATE, FederalLaw, FilingStatus

ZERO = Decimal(0)
CENT = Decimal("0.01")
DOLLAR = Decimal(1)
TABLE_LIMIT = Decimal(100000)
FIFTEEN = Decimal("0.15")
TWENTY = Decimal("0.20")
AMT_LOW_RATE = Decimal("0.26")
AMT_STEP = Decimal("0.02")  # 28% - 26% above the breakpoint


@dataclass(frozen=True, slots=True)
class Income:
    """One year's income: ordinary income (wages and other), deductions, capital gains and dividends.

    ``ordinary`` excludes qualified dividends: they are given separately in ``qualified_dividends``
    and added to AGI here (Form 1040 line 3b's ordinary dividends include them; pass only the
    non-qualified part of ordinary dividends in ``ordinary``). ``st_gains``/``lt_gains`` are this
    year's realized net gains (negative for net losses); carryforwards are the positive size of
    losses carried in. ``itemized`` of None means the standard deduction; an itemized amount below
    it also yields the standard deduction.
    """

    ordinary: Decimal
    st_gains: Decimal = ZERO
    lt_gains: Decimal = ZERO
    st_carryforward: Decimal = ZERO
    lt_carryforward: Decimal = ZERO
    itemized: Decimal | None = None
    qualified_dividends: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class FederalTax:
    """Form 1040's figures: ``income_tax`` is the regular tax (line 16), ``amt`` Form 6251 line 11."""

    agi: Decimal
    taxable_income: Decimal
    income_tax: Decimal
    niit: Decimal
    netting: Netting
    carryforward_st: Decimal
    carryforward_lt: Decimal
    amt: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.income_tax + self.amt + self.niit


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
    dividends = income.qualified_dividends
    agi = income.ordinary + dividends + netting.capital_income
    standard = True
    deduction = law.standard_deduction
    if income.itemized is not None and income.itemized > deduction:
        deduction = income.itemized
        standard = False
    before_floor = agi - deduction
    taxable = before_floor if before_floor > ZERO else ZERO
    # Worksheet line 4: qualified dividends (line 2) plus the net capital gain (line 3).
    preferential = dividends + netting.preferential_gain
    tax = _tax_with_capital_gains(law, taxable, preferential)
    # Form 8960: dividends plus the net gain, or less the deducted loss (line 5a), not below zero.
    investment_income = dividends + netting.capital_income
    excess = agi - law.niit_threshold
    niit = ZERO
    if excess > ZERO and investment_income > ZERO:
        niit = (min(investment_income, excess) * NIIT_RATE).quantize(CENT, ROUND_HALF_UP)
    amti = agi if standard else before_floor
    amt = alternative_minimum_tax(law, amti, taxable, preferential, tax)
    st_carry, lt_carry = carryforward(netting, before_floor)
    return FederalTax(agi, taxable, tax, niit, netting, st_carry, lt_carry, amt)


def alternative_minimum_tax(
    law: FederalLaw, amti: Decimal, taxable: Decimal, preferential: Decimal, regular_tax: Decimal
) -> Decimal:
    """Return Form 6251 line 11: the tentative minimum tax less the regular tax, not below zero.

    ``amti`` is line 4 before a separate return's add-back; ``taxable`` and ``preferential`` are
    lines 1 and 4 of the Qualified Dividends and Capital Gain Tax Worksheet.
    """
    exemption = law.amt_exemption
    over = amti - law.amt_phaseout_start
    if over > ZERO:
        exemption -= over * law.amt_phaseout_rate
        if exemption < ZERO:
            exemption = ZERO
            if law.filing_status is FilingStatus.MARRIED_SEPARATE:
                amti += min((amti - law.amt_exemption_gone_at) * law.amt_phaseout_rate, law.amt_exemption)
    line6 = amti - exemption
    if line6 <= ZERO:
        return ZERO
    # Line 39 (26%/28% on all of line 6) bounds the tentative minimum tax: most returns stop here.
    flat = _amt_rates(law, line6)
    if flat <= regular_tax:
        return ZERO
    line40 = flat
    if preferential > ZERO:
        line16 = min(line6, preferential)
        line18 = _amt_rates(law, line6 - line16)
        line20 = taxable - preferential if taxable > preferential else ZERO  # worksheet line 5
        line21 = law.zero_rate_top - line20 if law.zero_rate_top > line20 else ZERO
        line22 = line16
        line23 = min(line21, line22)
        line24 = line22 - line23
        line28 = line21 + line20
        line29 = law.fifteen_rate_top - line28 if law.fifteen_rate_top > line28 else ZERO
        line30 = min(line24, line29)
        line33 = line22 - line23 - line30
        line38 = line18 + line30 * FIFTEEN + line33 * TWENTY
        line40 = min(line38, flat)
    amt = line40.quantize(CENT, ROUND_HALF_UP) - regular_tax
    return amt if amt > ZERO else ZERO


def _amt_rates(law: FederalLaw, amount: Decimal) -> Decimal:
    """26% of ``amount``, plus 2% more of what exceeds the 28% breakpoint (Form 6251 lines 7 and 18)."""
    tax = amount * AMT_LOW_RATE
    if amount > law.amt_28_percent_from:
        tax += (amount - law.amt_28_percent_from) * AMT_STEP
    return tax


def _tax_with_capital_gains(law: FederalLaw, taxable: Decimal, preferential: Decimal) -> Decimal:
    """The Qualified Dividends and Capital Gain Tax Worksheet (lines 1-25); ``preferential`` is line 4."""
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
