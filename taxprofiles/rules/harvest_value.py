"""What harvesting a loss is worth to one client: their whole return this year with and without it.

The value is not a bracket lookup. It is federal tax (income tax, AMT and NIIT) plus state income tax
(the state's own brackets, deductions and capital-gain rules, ``taxprofiles/rules/state_tax.py``),
computed for the client's whole year twice, and the loss carried to next year. The same $10,000
short-term loss saves about $4,900 this year for a single Californian earning $250,000 with $40,000
of short-term gains (35% + 3.8% NIIT + California's 9.3%) and $360 federal for a $60,000 earner
with no gains (the $3,000 limit at 12%; the rest carries forward).

``HarvestValuer`` computes the year without the harvest once per client, so that valuing each lot
of a scan costs one more computation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from taxprofiles.rules.federal import NIIT_RATE, FederalLaw, FilingStatus, federal_law
from taxprofiles.rules.federal_tax import FederalTax, Income, federal_tax
from taxprofiles.rules.law.states.common import StateIncome
from taxprofiles.rules.state_tax import check_city, check_state, state_tax_function

ZERO = Decimal(0)
CENT = Decimal("0.01")
# A dollar of loss carried forward is worth less than one used now: one year at this rate.
CARRYFORWARD_DISCOUNT = Decimal("0.05")
# The state's marginal rate is measured on this much more ordinary income.
STATE_RATE_PROBE = Decimal(1000)


@dataclass(frozen=True, slots=True)
class HarvestValue:
    """Figures in dollars to the cent; savings are positive when the harvest lowers tax."""

    federal_tax_before: Decimal
    federal_tax_after: Decimal
    federal_savings: Decimal
    state_tax_before: Decimal
    state_tax_after: Decimal
    state_savings: Decimal
    total_savings: Decimal
    carryforward_st: Decimal
    carryforward_lt: Decimal
    carryforward_created_st: Decimal
    carryforward_created_lt: Decimal
    carryforward_value: Decimal
    marginal_ordinary_rate: Decimal
    long_term_rate: Decimal
    niit_applies: bool
    state_rate: Decimal

    @property
    def harvest_value(self) -> Decimal:
        """This year's saving plus the discounted value of the carryforward the harvest creates."""
        return self.total_savings + self.carryforward_value


class HarvestValuer:
    """Values harvests for one client's tax year."""

    def __init__(
        self, year: int, filing_status: FilingStatus | str, state: str, income: Income, city: str = ""
    ) -> None:
        self.law: FederalLaw = federal_law(year, FilingStatus(filing_status))
        self.state = check_state(state)
        self.city = check_city(self.state, city)
        self._state_tax_of, self._state_law_year = state_tax_function(year, self.state)
        self.income = income
        self.before: FederalTax = federal_tax(self.law, income)
        self.state_before = self._state_tax(income, self.before)
        self.niit_applies = self.before.agi > self.law.niit_threshold
        # Long-term gains stack on top of ordinary income: the ordinary rate is that of the ordinary part.
        taxable = self.before.taxable_income
        preferential = self.income.qualified_dividends + self.before.netting.preferential_gain
        ordinary_taxable = taxable - min(taxable, preferential)
        self.marginal_ordinary_rate = self.law.schedule.marginal_rate(ordinary_taxable)
        self.long_term_rate = self._long_term_rate(self.before.taxable_income)
        # The state's rate at the margin: what one more dollar of income costs in state tax (brackets,
        # phase-outs and surtaxes included), for valuing a carryforward and for the page.
        probe = replace(income, ordinary=income.ordinary + STATE_RATE_PROBE)
        probe_tax = self._state_tax(probe, federal_tax(self.law, probe))
        self.state_rate = ((probe_tax - self.state_before) / STATE_RATE_PROBE).quantize(Decimal("0.0001"))

    def income_after(self, st_loss: Decimal = ZERO, lt_loss: Decimal = ZERO) -> Income:
        base = self.income
        return Income(
            base.ordinary,
            base.st_gains - st_loss,
            base.lt_gains - lt_loss,
            base.st_carryforward,
            base.lt_carryforward,
            base.itemized,
            base.qualified_dividends,
        )

    def after(self, st_loss: Decimal = ZERO, lt_loss: Decimal = ZERO) -> FederalTax:
        """The federal return with the harvest: reports read its Schedule D to say what the loss offset."""
        return federal_tax(self.law, self.income_after(st_loss, lt_loss))

    def value(self, st_loss: Decimal = ZERO, lt_loss: Decimal = ZERO) -> HarvestValue:
        """Value realizing ``st_loss`` short-term and ``lt_loss`` long-term dollars of loss (positive sizes)."""
        income = self.income_after(st_loss, lt_loss)
        after = federal_tax(self.law, income)
        state_after = self._state_tax(income, after)
        federal_savings = self.before.total - after.total
        state_savings = self.state_before - state_after
        created_st = after.carryforward_st - self.before.carryforward_st
        created_lt = after.carryforward_lt - self.before.carryforward_lt
        niit = NIIT_RATE if self.niit_applies else ZERO
        carry_value = (
            (created_st * (self.marginal_ordinary_rate + niit + self.state_rate))
            + (created_lt * (self.long_term_rate + niit + self.state_rate))
        ) / (1 + CARRYFORWARD_DISCOUNT)
        # Positional: a scan builds one of these per lot, and keywords cost a third of the call.
        return HarvestValue(
            self.before.total,
            after.total,
            federal_savings,
            self.state_before,
            state_after,
            state_savings,
            federal_savings + state_savings,
            after.carryforward_st,
            after.carryforward_lt,
            created_st,
            created_lt,
            carry_value.quantize(CENT, ROUND_HALF_UP),
            self.marginal_ordinary_rate,
            self.long_term_rate,
            self.niit_applies,
            self.state_rate,
        )

    def _state_tax(self, income: Income, tax: FederalTax) -> Decimal:
        """The year's state income tax (and city tax) on the federal return ``tax`` of ``income``."""
        if not self.state:
            return ZERO
        netting = tax.netting
        # Positional, in StateIncome's field order: this runs once per lot valued.
        return self._state_tax_of(
            self._state_law_year,
            StateIncome(
                self.law.filing_status.value,
                tax.agi,
                tax.taxable_income,
                income.ordinary,
                income.qualified_dividends,
                income.st_gains,
                income.lt_gains,
                netting.net_st,
                netting.net_lt,
                netting.capital_income,
                netting.preferential_gain,
                tax.income_tax + tax.amt,
                self.law.standard_deduction,
                income.itemized,
                self.city,
            ),
        )

    def _long_term_rate(self, taxable: Decimal) -> Decimal:
        if taxable <= self.law.zero_rate_top:
            return ZERO
        return Decimal("0.15") if taxable <= self.law.fifteen_rate_top else Decimal("0.20")
