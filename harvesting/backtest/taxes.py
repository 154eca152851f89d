"""Yearly capital-gains tax of a simulated portfolio, and its after-tax wealth and tax alpha.

Two modes:
- ``ample`` (the headline): the client has ample outside gains, so each year's net short-term and
  net long-term results are taxed (or, when negative, save tax) at their own rates that year:
  tax = short_rate x net ST + long_rate x net LT, either sign.
- ``standalone``: the portfolio is the client's only capital asset. Schedule D netting: ST with ST
  carryforward, LT with LT carryforward, then across; a net loss offsets up to $3,000 of ordinary
  income a year (short-term first) at the ordinary rate, taken here as the short-term rate; the rest
  carries forward with its character. A carryforward left after the final liquidation is worth nothing.

Payment timing: the tax owed (or saved) for a year is paid (or received) on the following April 15
(the first trading day on or after it) and reinvested at the portfolio's own pre-tax, time-weighted
return from that day to the end, i.e. the side account holds ``-tax x G_end / G_payday`` (``G`` the value
of $1 invested at the start, new money excluded); a payment is modeled as a
pro-rata redemption that realizes nothing itself. The last year's tax, including the liquidation's, and
any earlier year's tax whose April 15 falls after the last date, are settled on the last date.

The side account is taxed too: a refund reinvested is a purchase, and its growth is a gain realized at
the liquidation, long-term if held more than a year (short-term otherwise), taxed at that year's rates
and settled at the end. A payment's forgone growth is the mirror image: the shares redeemed to pay it
would have carried that gain into the liquidation, so it comes off the final tax. (Untaxed, a refund's
growth added 0.05-0.06 %/yr to every policy.) In standalone mode these gains are taxed at their rate
without netting against the final year's Schedule D.

After-tax wealth = liquidation proceeds - taxes settled at the end + the side account - the tax on the
side account's growth. The annualized after-tax return is (wealth / initial value) ** (365.25 / days) - 1
without contributions, and with them the money-weighted return (the rate at which every dollar put in,
compounded to the end, adds up to the wealth); the tax alpha of a policy is its annualized after-tax return
minus the twin's under the same rates and mode.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from harvesting.backtest.simulate import SimResult

ORDINARY_OFFSET = 3_000.0
MODES = ("ample", "standalone")


@dataclass(frozen=True)
class Rates:
    short: float
    long: float
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.short * 100:g}/{self.long * 100:g}"


LITERATURE = Rates(0.35, 0.15, "35/15")
TOP = Rates(0.408, 0.238, "40.8/23.8")
ZERO = Rates(0.0, 0.0, "0/0")


def parse_rates(text: str) -> Rates:
    short, long = (float(part) / 100.0 for part in text.split("/"))
    return Rates(short, long, text)


def net_by_year(result: SimResult) -> dict[int, tuple[float, float]]:
    """Realized (net short-term, net long-term) gain per calendar year."""
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for item in result.realized:
        totals[item.sold.year][1 if item.long_term else 0] += item.gain
    return {year: (st, lt) for year, (st, lt) in sorted(totals.items())}


def yearly_taxes(nets: dict[int, tuple[float, float]], rates: Rates, mode: str) -> dict[int, float]:
    """The tax owed (negative: saved) for each year, from its net ST and LT results."""
    if mode == "ample":
        return {year: rates.short * st + rates.long * lt for year, (st, lt) in nets.items()}
    if mode != "standalone":
        raise ValueError(f"unknown tax mode {mode!r}; choose from {', '.join(MODES)}")
    taxes: dict[int, float] = {}
    carry_st = carry_lt = 0.0  # losses carried forward, as positive amounts
    for year, (st_gain, lt_gain) in nets.items():
        st, lt = st_gain - carry_st, lt_gain - carry_lt
        carry_st = carry_lt = 0.0
        if st < 0 <= lt:
            lt, st = lt + st, 0.0
            if lt < 0:  # the ST loss exceeded the LT gain: what is left keeps its ST character
                st, lt = lt, 0.0
        elif lt < 0 <= st:
            st, lt = st + lt, 0.0
            if st < 0:
                st, lt = 0.0, st
        tax = rates.short * max(st, 0.0) + rates.long * max(lt, 0.0)
        if st < 0 or lt < 0:
            offset = min(ORDINARY_OFFSET, -(min(st, 0.0) + min(lt, 0.0)))
            tax -= rates.short * offset
            from_st = min(offset, -min(st, 0.0))
            carry_st = -min(st, 0.0) - from_st
            carry_lt = -min(lt, 0.0) - (offset - from_st)
        taxes[year] = tax
    return taxes


@dataclass(frozen=True)
class AfterTax:
    wealth: float
    annualized: float
    taxes: dict[int, float]
    side_account: float
    side_account_tax: float = 0.0  # the tax on the side account's growth (negative on forgone growth)


def after_tax(result: SimResult, rates: Rates, mode: str = "ample") -> AfterTax:
    """Liquidate, tax, and settle every year's tax on its April 15 (reinvested at the portfolio's return)."""
    taxes = yearly_taxes(net_by_year(result), rates, mode)
    dates, growth = result.dates, result.growth
    last = dates[-1]
    side = side_tax = at_end = 0.0
    for year, tax in taxes.items():
        payday = date(year + 1, 4, 15)
        if year >= last.year or payday > last:
            at_end += tax
            continue
        index = next(i for i, d in enumerate(dates) if d >= payday)
        grown = -tax * growth[-1] / growth[index]
        side += grown
        rate = rates.long if (last - dates[index]).days > 365 else rates.short
        side_tax += rate * (grown + tax)  # the growth: what the refund (or the payment) became, less itself
    wealth = result.liquidation_value - at_end + side - side_tax
    return AfterTax(wealth, annualize(wealth, result), taxes, side, side_tax)


def annualize(wealth: float, result: SimResult) -> float:
    """The annual rate at which the money put in (``result.flows``) grows to ``wealth`` by the last date."""
    end = result.dates[-1]
    if len(result.flows) == 1:
        day, amount = result.flows[0]
        return float((wealth / amount) ** (365.25 / (end - day).days) - 1.0)
    years = [((end - day).days / 365.25, amount) for day, amount in result.flows]

    def grown(rate: float) -> float:
        return sum(amount * (1.0 + rate) ** t for t, amount in years)

    low, high = -0.99, 1.0
    for _ in range(200):  # bisection: grown() rises with the rate
        middle = (low + high) / 2
        if grown(middle) < wealth:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True)
class Alpha:
    tax_alpha: float  # after-tax annualized return minus the twin's
    pre_tax: float  # the same with 0% rates: the replacement's tracking difference plus costs
    tax_part: float  # tax_alpha - pre_tax

    @classmethod
    def of(cls, policy: SimResult, twin: SimResult, rates: Rates, mode: str = "ample") -> Alpha:
        tax_alpha = after_tax(policy, rates, mode).annualized - after_tax(twin, rates, mode).annualized
        pre_tax = after_tax(policy, ZERO, mode).annualized - after_tax(twin, ZERO, mode).annualized
        return cls(tax_alpha, pre_tax, tax_alpha - pre_tax)
