"""Find a household's harvest opportunities: which losing lots to sell now, worth how much to this client.

For each lot at a loss in a taxable account (an IRA's losses can never be harvested):
1. The wash-sale status. A sale washes if substantially identical shares were bought in the 30 days
   before it in any account of the household (other than the lot itself), or will be bought in the
   30 days after it (planned purchases: dividend reinvestments, pending orders). Such a lot is
   reported as blocked, by what, and until which date; it is never recommended.
2. The tax value for this client now, given the better opportunities taken first: value is not
   additive once the $3,000 limit or the gains to offset run out. Losses are taken greedily, largest
   first within each character and short-term before long-term, each valued at the margin.
3. Costs: the half-spread on the sale and on the replacement purchase, commissions, and a charge for
   the replacement's expected tracking difference over the 31 days it is held.
4. The model's forecast (the chance the price is back above today's within the wash-sale window):
   a harvest whose net benefit is small is deferred ("wait") when the model expects the loss to
   deepen, since waiting then harvests more. Larger harvests are taken now.

Screening runs on floats; everything reported is recomputed in Decimal dollars to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from harvesting.engine.holding import is_long_term

ZERO = Decimal(0)
CENT = Decimal("0.01")
WINDOW = timedelta(days=30)
BASIS_POINT = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class ScanLot:
    ref: int  # the caller's id for the lot
    account: str
    tax_deferred: bool
    symbol: str
    lot: str
    quantity: Decimal
    cost_basis: Decimal
    acquired: date
    holding_start: date


@dataclass(frozen=True, slots=True)
class Purchase:
    """A purchase in the household, made (``planned`` False) or planned, that a sale could wash with."""

    symbol: str
    account: str
    on: date
    quantity: Decimal
    planned: bool = False
    description: str = ""
    lot: str = ""  # the lot it opened, so a lot is never blocked by its own purchase


@dataclass(frozen=True, slots=True)
class Replacement:
    symbol: str
    correlation: float
    tracking_error: float  # annualized, of daily returns against the sold security
    source: str  # "firm pair" or "correlation"


@dataclass(frozen=True, slots=True)
class ScanPolicy:
    min_net_benefit: Decimal = Decimal("100")
    min_loss_fraction: Decimal = Decimal("0.05")
    excluded: frozenset[str] = frozenset()
    half_spread_bps: Decimal = Decimal("5")
    commission: Decimal = ZERO
    # The tracking charge: this share of one standard deviation of the replacement's drift over 31 days.
    tracking_risk_charge: Decimal = Decimal("0.25")
    # A harvest below this many times the minimum benefit waits when the model expects the loss to deepen.
    wait_if_recovery_below: float = 0.35
    strong_benefit_multiple: Decimal = Decimal("3")


@dataclass(frozen=True, slots=True)
class Opportunity:
    lot: ScanLot
    price: Decimal
    market_value: Decimal
    loss: Decimal
    long_term: bool
    tax_value: Decimal
    costs: Decimal
    net_benefit: Decimal
    score: float | None
    replacement: Replacement | None
    action: str  # "harvest", "wait", "below minimum", "blocked", "no replacement"
    blocked_by: str = ""
    blocked_until: date | None = None
    rank: int | None = None


def wash_block(
    lot: ScanLot, purchases: Sequence[Purchase], as_of: date, group: Callable[[str], str]
) -> tuple[str, date] | None:
    """Return (what blocks selling ``lot`` on ``as_of``, the first date it no longer does), or None."""
    mine = group(lot.symbol)
    blockers = [
        p
        for p in purchases
        if group(p.symbol) == mine
        and as_of - WINDOW <= p.on <= as_of + WINDOW
        and not (p.account == lot.account and p.lot and p.lot == lot.lot)
        and (p.planned or p.on <= as_of)
    ]
    if not blockers:
        return None
    last = max(blockers, key=lambda p: p.on)
    what = last.description or (
        f"{'planned purchase' if last.planned else 'bought'} {last.quantity.normalize():f} {last.symbol} "
        f"on {last.on.isoformat()} in {last.account}"
    )
    return what, last.on + WINDOW + timedelta(days=1)


def scan_household(
    lots: Sequence[ScanLot],
    prices: Mapping[str, Decimal],
    as_of: date,
    purchases: Sequence[Purchase],
    value_of: Callable[[Decimal, Decimal], Decimal],
    replacements: Mapping[str, Replacement],
    policy: ScanPolicy = ScanPolicy(),
    scores: Mapping[str, float] | None = None,
    identity: Mapping[str, str] | None = None,
) -> list[Opportunity]:
    """Return the household's losing taxable lots as opportunities: recommended ones ranked first.

    ``value_of(st_loss, lt_loss)`` is the client's total tax saved this year by harvesting that much
    short- and long-term loss (see ``taxprofiles.rules.harvest_value``).
    """
    groups = identity or {}

    def group(symbol: str) -> str:
        return groups.get(symbol, symbol)

    min_fraction = float(policy.min_loss_fraction)
    candidates: list[tuple[ScanLot, Decimal]] = []
    for lot in lots:
        price = prices.get(lot.symbol)
        if price is None or lot.tax_deferred or lot.symbol in policy.excluded:
            continue
        basis = float(lot.cost_basis)
        # Screen in floats: most lots are not at a loss worth looking at.
        if basis <= 0 or basis - float(lot.quantity) * float(price) < basis * min_fraction:
            continue
        candidates.append((lot, price))

    results: list[Opportunity] = []
    open_lots: list[tuple[ScanLot, Decimal, Decimal, Decimal, bool, Replacement | None, float | None]] = []
    for lot, price in candidates:
        value = (lot.quantity * price).quantize(CENT, ROUND_HALF_UP)
        loss = lot.cost_basis - value
        long_term = is_long_term(lot.holding_start, as_of)
        score = None if scores is None else scores.get(lot.symbol)
        replacement = replacements.get(lot.symbol)
        block = wash_block(lot, purchases, as_of, group)
        if block is not None:
            results.append(
                Opportunity(lot, price, value, loss, long_term, ZERO, ZERO, ZERO, score, replacement, "blocked", *block)
            )
            continue
        open_lots.append((lot, price, value, loss, long_term, replacement, score))

    # Short-term first (worth more per dollar to most clients), larger losses first; each at the margin.
    open_lots.sort(key=lambda item: (item[4], -item[3]))
    taken_st = taken_lt = ZERO
    taken_value = ZERO
    spread = policy.half_spread_bps * BASIS_POINT
    strong = policy.min_net_benefit * policy.strong_benefit_multiple
    for lot, price, value, loss, long_term, replacement, score in open_lots:
        st, lt = (taken_st, taken_lt + loss) if long_term else (taken_st + loss, taken_lt)
        total = value_of(st, lt)
        tax_value = total - taken_value
        tracking = ZERO
        if replacement is not None:
            drift = Decimal(repr(replacement.tracking_error)) * Decimal("0.2912")  # sqrt(31 / 365.25)
            tracking = value * drift * policy.tracking_risk_charge
        costs = (value * spread * 2 + policy.commission * 2 + tracking).quantize(CENT, ROUND_HALF_UP)
        net = tax_value - costs
        if replacement is None:
            action = "no replacement"
        elif net < policy.min_net_benefit:
            action = "below minimum"
        elif score is not None and score < policy.wait_if_recovery_below and net < strong:
            action = "wait"
        else:
            action = "harvest"
            taken_st, taken_lt, taken_value = st, lt, total
        results.append(
            Opportunity(lot, price, value, loss, long_term, tax_value, costs, net, score, replacement, action)
        )

    recommended = sorted((o for o in results if o.action == "harvest"), key=lambda o: -o.net_benefit)
    ranked = [_with_rank(o, i) for i, o in enumerate(recommended, start=1)]
    others = sorted((o for o in results if o.action != "harvest"), key=lambda o: -o.loss)
    return ranked + others


def _with_rank(opportunity: Opportunity, rank: int) -> Opportunity:
    return Opportunity(
        opportunity.lot,
        opportunity.price,
        opportunity.market_value,
        opportunity.loss,
        opportunity.long_term,
        opportunity.tax_value,
        opportunity.costs,
        opportunity.net_benefit,
        opportunity.score,
        opportunity.replacement,
        opportunity.action,
        opportunity.blocked_by,
        opportunity.blocked_until,
        rank,
    )
