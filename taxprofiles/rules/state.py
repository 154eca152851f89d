"""State income tax on capital gains: an estimate from each state's top marginal rate.

The portal labels these figures as estimates. What is modelled:
- Most states start from federal AGI, so a harvested loss changes state tax by the top marginal
  rate times the change in federal capital income (gains, or the $3,000 loss deduction).
  California and New York tax gains as ordinary income, so this is exact at their top rate.
- No income tax: AK, FL, NV, NH, SD, TN, TX, WY (and WA on wages).
- Washington: 7% on federal net long-term gains (after long-term carryforwards) above the standard
  deduction ($270,000), plus 2.9% more on Washington capital gains above $1,000,000 after that
  deduction, i.e. above $1,270,000 of gains, from 2025 (RCW 82.87; ESSB 5813, 2025). Short-term
  gains are not taxed. The deduction is indexed (RCW 82.87.150); the 2025 and 2026 figures are
  not in the product yet, so $270,000 (2024) stands in.
- Massachusetts: short-term gains at 8.5%, long-term gains at 5%, losses net across the two, no
  offset against wages; the 4% surtax on income above $1,083,150 (2025) is added where it applies.
- Pennsylvania and New Jersey: losses offset only the year's gains, never wages, and do not carry
  forward.
Top rates: Tax Foundation, "State Individual Income Tax Rates and Brackets, 2025", used for 2026
too until the 2026 tables are added.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from taxprofiles.rules.capital import Netting

D = Decimal
ZERO = D(0)
CENT = D("0.01")

NO_INCOME_TAX = frozenset({"AK", "FL", "NV", "NH", "SD", "TN", "TX", "WY", "WA"})
TOP_RATES: dict[str, Decimal] = {
    code: D(rate)
    for code, rate in {
        "AL": "0.05",
        "AK": "0",
        "AZ": "0.025",
        "AR": "0.039",
        "CA": "0.133",
        "CO": "0.044",
        "CT": "0.0699",
        "DE": "0.066",
        "DC": "0.1075",
        "FL": "0",
        "GA": "0.0519",
        "HI": "0.11",
        "ID": "0.053",
        "IL": "0.0495",
        "IN": "0.03",
        "IA": "0.038",
        "KS": "0.0558",
        "KY": "0.04",
        "LA": "0.03",
        "ME": "0.0715",
        "MD": "0.065",
        "MA": "0.05",
        "MI": "0.0425",
        "MN": "0.0985",
        "MS": "0.044",
        "MO": "0.047",
        "MT": "0.059",
        "NE": "0.052",
        "NV": "0",
        "NH": "0",
        "NJ": "0.1075",
        "NM": "0.059",
        "NY": "0.109",
        "NC": "0.0425",
        "ND": "0.025",
        "OH": "0.035",
        "OK": "0.0475",
        "OR": "0.099",
        "PA": "0.0307",
        "RI": "0.0599",
        "SC": "0.062",
        "SD": "0",
        "TN": "0",
        "TX": "0",
        "UT": "0.045",
        "VT": "0.0875",
        "VA": "0.0575",
        "WA": "0.07",
        "WV": "0.0482",
        "WI": "0.0765",
        "WY": "0",
    }.items()
}
WA_THRESHOLD = D(270000)
WA_SURCHARGE_THRESHOLD = D(1000000)
WA_SURCHARGE = D("0.029")
MA_SHORT_TERM_RATE = D("0.085")
MA_SURTAX_THRESHOLD = D(1083150)
MA_SURTAX = D("0.04")
GAINS_ONLY = frozenset({"PA", "NJ"})


class UnknownState(ValueError):
    """Not a US state or DC postal code."""


def check_state(code: str) -> str:
    state = code.strip().upper()
    if state and state not in TOP_RATES:
        raise UnknownState(f"unknown state {code!r}: use a two-letter postal code such as CA or NY")
    return state


def state_rate(state: str) -> Decimal:
    return TOP_RATES.get(state, ZERO)


def state_capital_tax(state: str, ordinary: Decimal, st_gains: Decimal, lt_gains: Decimal, netting: Netting) -> Decimal:
    """Return the state tax that the year's capital gains and losses add (an estimate, to the cent).

    ``st_gains``/``lt_gains`` are the year's realized gains (negative for losses), before
    carryforwards; ``netting`` is the federal Schedule D result.
    """
    if not state:
        return ZERO
    if state == "WA":
        taxable = netting.net_lt - WA_THRESHOLD
        if taxable <= ZERO:
            return ZERO
        tax = taxable * TOP_RATES["WA"] + max(ZERO, taxable - WA_SURCHARGE_THRESHOLD) * WA_SURCHARGE
    elif state in NO_INCOME_TAX:
        return ZERO
    elif state == "MA":
        short, long = st_gains, lt_gains
        if short < ZERO:
            short, long = ZERO, long + short
        if long < ZERO:
            short, long = max(ZERO, short + long), ZERO
        tax = short * MA_SHORT_TERM_RATE + long * TOP_RATES["MA"]
        over = ordinary + short + long - MA_SURTAX_THRESHOLD
        if over > ZERO:
            tax += min(over, short + long) * MA_SURTAX
    elif state in GAINS_ONLY:
        tax = max(ZERO, st_gains + lt_gains) * TOP_RATES[state]
    else:
        tax = netting.capital_income * TOP_RATES[state]
    return tax.quantize(CENT, ROUND_HALF_UP)
