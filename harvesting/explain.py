"""Why a harvest is worth what it is to this client: which gains the loss offsets, at which rates, what carries.

An advisor approves a trade on the strength of this explanation, so every figure comes from the same tax
engine that valued the scan (the client's whole return with and without the loss). The split of the loss into
what it offsets is derived here, from the Schedule D netting order: a loss offsets gains of its own term
first, then of the other term, then up to $3,000 ($1,500 married filing separately) of ordinary income; the
rest carries forward. Each slice is then valued by the engine in that order (the first slice alone, the first
two, ...), and the rate stated for it is what it saved divided by its dollars, so the stated rates times the
slices add up to the federal saving. Where a slice's rate is not the statutory one (the bracket rate, plus the
3.8% NIIT on gains), the engine's results at both ends of the slice say what it crossed.
Pure Python: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from taxprofiles.rules.capital import Netting, net_capital
from taxprofiles.rules.federal import NIIT_RATE, FederalLaw
from taxprofiles.rules.federal_tax import TABLE_LIMIT, FederalTax
from taxprofiles.rules.harvest_value import HarvestValuer

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
SHORT_TERM_GAINS = "short-term gains"
LONG_TERM_GAINS = "long-term gains"


def stated_percent(saving: Decimal, dollars: Decimal) -> str:
    """``saving / dollars`` as a percentage with the fewest decimals that, times ``dollars``, gives ``saving``
    to the cent: "43.8%", "35%", "31.25%"."""
    if not dollars:
        return "0%"
    rate = saving / dollars
    for places in range(9):
        shown = (rate * HUNDRED).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        if (shown / HUNDRED * dollars).quantize(CENT, ROUND_HALF_UP) == saving:
            break
    text = f"{shown:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


@dataclass(frozen=True, slots=True)
class Offset:
    """One slice of the loss: ``dollars`` of ``what``, which saved ``saving`` federal tax.

    ``rate`` is ``saving / dollars`` (exact to Decimal's precision, not rounded); ``statutory_rate`` the bracket
    rate (plus the 3.8% NIIT on gains when it applies) at the slice's start; ``crossed`` says, in plain words,
    why the two differ (empty when they do not).
    """

    what: str
    dollars: Decimal
    rate: Decimal
    saving: Decimal
    statutory_rate: Decimal
    crossed: tuple[str, ...] = ()

    @property
    def stated_rate(self) -> str:
        return stated_percent(self.saving, self.dollars)

    @property
    def stated_fraction(self) -> Decimal:
        """The stated rate as a fraction (0.438 for "43.8%")."""
        return Decimal(self.stated_rate.rstrip("%")) / HUNDRED


@dataclass(frozen=True, slots=True)
class Explanation:
    loss: Decimal
    long_term: bool
    federal_savings: Decimal
    state_savings: Decimal
    total_savings: Decimal
    carried_forward: Decimal
    carryforward_value: Decimal
    offsets: list[Offset] = field(default_factory=list)  # in netting order
    niit: bool = False
    state: str = ""
    state_rate: Decimal = ZERO
    tax_year: int = 0
    ranked_value: Decimal | None = None  # what the scan credited it with, after the household's better harvests

    @property
    def state_stated_rate(self) -> str:
        """The state saving as a share of the loss: the state's effective rate on this harvest."""
        return stated_percent(self.state_savings, self.loss)

    @property
    def ranked_lower(self) -> bool:
        """The scan valued it below its stand-alone saving (by a dollar or more, not a rounding cent)."""
        return self.ranked_value is not None and self.total_savings - self.ranked_value >= 1


def explain(valuer: HarvestValuer, loss: Decimal, *, long_term: bool, tax_year: int) -> Explanation:
    """Explain realizing ``loss`` (positive dollars) of the given term for the client ``valuer`` describes.

    What the loss offsets is the change in Schedule D's result: the short-term and long-term gains taxed, and
    the loss deducted from ordinary income (up to the limit), before and after it. Each slice is valued by the
    engine cumulatively in that order; the last absorbs the rounding so the slices' savings sum to the total.
    """
    value = valuer.value(lt_loss=loss) if long_term else valuer.value(st_loss=loss)
    income = valuer.income
    limit = valuer.law.capital_loss_limit
    before = net_capital(income.st_gains, income.lt_gains, income.st_carryforward, income.lt_carryforward, limit)
    st_after = income.st_gains - (ZERO if long_term else loss)
    lt_after = income.lt_gains - (loss if long_term else ZERO)
    after = net_capital(st_after, lt_after, income.st_carryforward, income.lt_carryforward, limit)
    st = (SHORT_TERM_GAINS, _short_term_taxed(before) - _short_term_taxed(after))
    lt = (LONG_TERM_GAINS, before.preferential_gain - after.preferential_gain)
    slices = [
        *((lt, st) if long_term else (st, lt)),
        (f"ordinary income (the ${limit:,.0f} limit)", after.loss_deducted - before.loss_deducted),
    ]
    slices = [(what, dollars) for what, dollars in slices if dollars > 0]
    offsets: list[Offset] = []
    start, realized, saved = valuer.before, ZERO, ZERO
    for i, (what, dollars) in enumerate(slices):
        realized += dollars
        end = valuer.after(lt_loss=realized) if long_term else valuer.after(st_loss=realized)
        last = i == len(slices) - 1
        cumulative = value.federal_savings if last else valuer.before.total - end.total
        saving = cumulative - saved
        statutory = _statutory_rate(valuer, start, what)
        rate = saving / dollars
        crossed = () if rate == statutory else _crossed(valuer, start, end, what, dollars)
        offsets.append(Offset(what, dollars, rate, saving, statutory, crossed))
        start, saved = end, cumulative
    return Explanation(
        loss=loss,
        long_term=long_term,
        federal_savings=value.federal_savings,
        state_savings=value.state_savings,
        total_savings=value.total_savings,
        carried_forward=value.carryforward_created_lt + value.carryforward_created_st,
        carryforward_value=value.carryforward_value,
        offsets=offsets,
        niit=valuer.niit_applies,
        state=valuer.state,
        state_rate=valuer.state_rate,
        tax_year=tax_year,
    )


def _short_term_taxed(netting: Netting) -> Decimal:
    """The part of a net capital gain taxed at ordinary rates (the rest is the preferential, long-term part)."""
    return max(netting.capital_income, ZERO) - netting.preferential_gain


def _ordinary_taxable(tax: FederalTax, qualified_dividends: Decimal) -> Decimal:
    """Taxable income less its preferential part: what the ordinary brackets tax (worksheet line 5)."""
    preferential = qualified_dividends + tax.netting.preferential_gain
    return tax.taxable_income - min(tax.taxable_income, preferential)


def _long_term_rate(law: FederalLaw, taxable: Decimal) -> Decimal:
    if taxable <= law.zero_rate_top:
        return ZERO
    return Decimal("0.15") if taxable <= law.fifteen_rate_top else Decimal("0.20")


def _statutory_rate(valuer: HarvestValuer, start: FederalTax, what: str) -> Decimal:
    """The rate a slice would save by the brackets at its start: gains also bear the NIIT when it applies."""
    law = valuer.law
    niit = NIIT_RATE if what in (SHORT_TERM_GAINS, LONG_TERM_GAINS) and start.agi > law.niit_threshold else ZERO
    if what == LONG_TERM_GAINS:
        return _long_term_rate(law, start.taxable_income) + niit
    ordinary = law.schedule.marginal_rate(_ordinary_taxable(start, valuer.income.qualified_dividends))
    return ordinary + (niit if what == SHORT_TERM_GAINS else ZERO)


def _percent(rate: Decimal) -> str:
    text = f"{rate * HUNDRED:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _preferential_split(law: FederalLaw, tax: FederalTax, qualified_dividends: Decimal) -> tuple[Decimal, ...]:
    """The preferential income taxed at 0%, 15% and 20%: it stacks on top of the ordinary part (worksheet)."""
    taxable = tax.taxable_income
    preferential = min(taxable, qualified_dividends + tax.netting.preferential_gain)
    ordinary = taxable - preferential
    at_most_zero = min(max(law.zero_rate_top - ordinary, ZERO), preferential)
    at_most_fifteen = min(max(law.fifteen_rate_top - ordinary, ZERO), preferential)
    return at_most_zero, at_most_fifteen - at_most_zero, preferential - at_most_fifteen


def _crossed(valuer: HarvestValuer, start: FederalTax, end: FederalTax, what: str, dollars: Decimal) -> tuple[str, ...]:
    """Say what the slice crossed between ``start`` (the return before it) and ``end`` (after it)."""
    law, dividends = valuer.law, valuer.income.qualified_dividends
    reasons: list[str] = []
    ordinary_start = _ordinary_taxable(start, dividends)
    ordinary_end = _ordinary_taxable(end, dividends)
    if what != LONG_TERM_GAINS:
        high, low = law.schedule.marginal_rate(ordinary_start), law.schedule.marginal_rate(ordinary_end)
        if high != low:
            reasons.append(f"a bracket edge: the slice spans the {_percent(low)} and {_percent(high)} brackets")
        if ordinary_end < TABLE_LIMIT and ordinary_start > ZERO:
            reasons.append("the Tax Table, which taxes income under $100,000 in $50 rows at their midpoints")
    split_start = _preferential_split(law, start, dividends)
    split_end = _preferential_split(law, end, dividends)
    if what == LONG_TERM_GAINS:
        high, low = _long_term_rate(law, start.taxable_income), _long_term_rate(law, end.taxable_income)
        if high != low:
            reasons.append(f"a bracket edge: the gains span the {_percent(low)} and {_percent(high)} long-term rates")
    elif split_start != split_end:
        rates = ("0%", "15%", "20%")
        fell = [rates[i] for i in range(3) if split_end[i] < split_start[i]]
        rose = [rates[i] for i in range(3) if split_end[i] > split_start[i]]
        reasons.append(
            "the long-term rate breakpoints: long-term gains and qualified dividends stack on top of ordinary "
            f"income, so as it falls some taxed at {' and '.join(fell)} move down to {' and '.join(rose)}"
        )
    if start.amt > ZERO or end.amt > ZERO:
        reasons.append(
            f"the AMT: the return pays {_usd(start.amt)} of alternative minimum tax before this slice and "
            f"{_usd(end.amt)} after it, so the slice is taxed at the AMT's rates (26%/28%) rather than the brackets"
        )
        if start.agi > law.amt_phaseout_start:
            reasons.append(
                f"the AMT exemption's phase-out: above {_usd(law.amt_phaseout_start)} of AMT income each dollar "
                f"also takes {_percent(law.amt_phaseout_rate)} of a dollar of the exemption away"
            )
    threshold = law.niit_threshold
    expected_niit = (
        NIIT_RATE * dollars if what in (SHORT_TERM_GAINS, LONG_TERM_GAINS) and start.agi > threshold else ZERO
    )
    if (start.agi > threshold) != (end.agi > threshold):
        reasons.append(f"the NIIT threshold: the 3.8% applies only to AGI above {_usd(threshold)}")
    elif (start.niit - end.niit - expected_niit).copy_abs() > CENT:
        reasons.append(f"the NIIT: it taxes the smaller of investment income and AGI above {_usd(threshold)}")
    if end.taxable_income <= ZERO < start.taxable_income:
        reasons.append("taxable income falls to zero: the rest of the slice saves nothing this year")
    if not reasons:
        reasons.append("the tax's rounding to the cent")
    return tuple(reasons)


def _usd(dollars: Decimal) -> str:
    return f"${dollars:,.2f}"
