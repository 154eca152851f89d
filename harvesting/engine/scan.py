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
5. One plan for the household, decided together. Every replacement the plan buys is a purchase for
   every other lot of the household, and every loss it realizes is a sale that a purchase would wash:
   a lot whose security the plan buys is blocked by the plan (no cross-swap: JPM into BAC and BAC into
   JPM), and a replacement is never substantially identical to a security the plan sells at a loss
   (the next-best replacement is taken instead). Switch-backs join the plan last, under the same rule.

Screening runs on floats; everything reported is recomputed in Decimal dollars to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from harvesting.engine.holding import is_long_term
from harvesting.engine.switch_back import HeldReplacement, switch_back_blocker

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
class SwitchBackLot:
    """A replacement lot a harvest bought, which may be sold to buy the ``original`` security back."""

    lot: ScanLot
    original: str
    harvested_on: date


@dataclass
class Plan:
    """What the household's plan does so far: the identity groups it sells at a loss and those it buys.

    ``sold_at_a_loss`` starts with the groups the household sold at a loss in the last 30 days (buying
    them would wash those losses) and ``buying`` with purchases already under way (replacements of
    approved harvests): the plan must not wash against either.
    """

    sold_at_a_loss: dict[str, str] = field(default_factory=dict)  # group -> what sells it
    buying: dict[str, str] = field(default_factory=dict)  # group -> what buys it


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
    action: str  # "harvest", "switch back", "wait", "below minimum", "blocked", "no replacement"
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
    replacements: Mapping[str, Replacement | Sequence[Replacement]],
    policy: ScanPolicy = ScanPolicy(),
    scores: Mapping[str, float] | None = None,
    identity: Mapping[str, str] | None = None,
    switch_backs: Sequence[SwitchBackLot] = (),
    plan: Plan | None = None,
) -> list[Opportunity]:
    """Return the household's plan: its recommended harvests and switch-backs ranked first, then the
    losing taxable lots it does not take, with the reason.

    ``value_of(st_loss, lt_loss)`` is the client's total tax saved this year by harvesting that much
    short- and long-term loss (see ``taxprofiles.rules.harvest_value``). ``replacements`` gives each
    symbol's replacement, or its candidates best first (the plan takes the first that washes nothing).
    ``plan`` seeds what the household already sells and buys (see ``Plan``); it is not changed.
    """
    groups = identity or {}

    def group(symbol: str) -> str:
        return groups.get(symbol, symbol)

    state = Plan(dict(plan.sold_at_a_loss), dict(plan.buying)) if plan is not None else Plan()

    def candidates_for(symbol: str) -> tuple[Replacement, ...]:
        found = replacements.get(symbol)
        if found is None:
            return ()
        return (found,) if isinstance(found, Replacement) else tuple(found)

    def replacement_for(symbol: str) -> Replacement | None:
        """The best replacement that is not identical to the lot or to anything the plan sells at a loss."""
        for candidate in candidates_for(symbol):
            bought = group(candidate.symbol)
            if bought != group(symbol) and bought not in state.sold_at_a_loss:
                return candidate
        return None

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
        replacement = next(iter(candidates_for(lot.symbol)), None)
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
    for lot, price, value, loss, long_term, _, score in open_lots:
        buyer = state.buying.get(group(lot.symbol))
        if buyer is not None:
            # The plan buys this security (or one identical to it): selling this lot at a loss would wash.
            results.append(
                Opportunity(
                    lot, price, value, loss, long_term, ZERO, ZERO, ZERO, score, None, "blocked",
                    f"the plan buys {buyer}", as_of + WINDOW + timedelta(days=1),
                )
            )  # fmt: skip
            continue
        replacement = replacement_for(lot.symbol)
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
            state.sold_at_a_loss.setdefault(group(lot.symbol), f"{lot.symbol} at a loss in {lot.account}")
            state.buying.setdefault(group(replacement.symbol), f"{replacement.symbol} to replace {lot.symbol}")
        results.append(
            Opportunity(lot, price, value, loss, long_term, tax_value, costs, net, score, replacement, action)
        )

    recommended = sorted((o for o in results if o.action == "harvest"), key=lambda o: -o.net_benefit)
    harvested = {o.lot.ref for o in recommended}
    switching = _plan_switch_backs(
        [item for item in switch_backs if item.lot.ref not in harvested], prices, as_of, purchases, policy, state, group
    )
    ranked = [replace(o, rank=i) for i, o in enumerate([*recommended, *switching], start=1)]
    # A lot is in the result once: a replacement lot the plan switches back is not also listed at a loss.
    switched = {o.lot.ref for o in switching}
    others = sorted((o for o in results if o.action != "harvest" and o.lot.ref not in switched), key=lambda o: -o.loss)
    return ranked + others


def _plan_switch_backs(
    lots: Sequence[SwitchBackLot],
    prices: Mapping[str, Decimal],
    as_of: date,
    purchases: Sequence[Purchase],
    policy: ScanPolicy,
    plan: Plan,
    group: Callable[[str], str],
) -> list[Opportunity]:
    """Add to ``plan`` the switch-backs that are due and wash nothing; return them as opportunities.

    A switch-back sells the replacement lot and buys the original back: the rule's timing and its
    short-term gain limit (``switch_back_blocker``), then the plan's rule: the original must not be
    something the plan or the last 30 days sold at a loss, and a replacement sold at a loss must not
    be something the plan buys or the household bought in the last 30 days.
    """
    offers: list[Opportunity] = []
    spread = policy.half_spread_bps * BASIS_POINT
    for item in sorted(lots, key=lambda item: (item.harvested_on, item.lot.account, item.lot.symbol, item.lot.lot)):
        lot = item.lot
        price = prices.get(lot.symbol)
        if price is None or lot.tax_deferred or group(item.original) == group(lot.symbol):
            continue
        held = HeldReplacement(lot.quantity, lot.cost_basis, lot.holding_start)
        if switch_back_blocker([held], price, item.harvested_on, as_of, policy.min_net_benefit, policy.half_spread_bps):
            continue
        value = (lot.quantity * price).quantize(CENT, ROUND_HALF_UP)
        loss = lot.cost_basis - value
        if group(item.original) in plan.sold_at_a_loss or group(item.original) in plan.buying:
            continue
        if loss > ZERO and (group(lot.symbol) in plan.buying or wash_block(lot, purchases, as_of, group)):
            continue
        plan.buying[group(item.original)] = f"{item.original} to switch back from {lot.symbol}"
        if loss > ZERO:
            plan.sold_at_a_loss.setdefault(group(lot.symbol), f"{lot.symbol} at a loss in {lot.account}")
        costs = (value * spread * 2 + policy.commission * 2).quantize(CENT, ROUND_HALF_UP)
        back = Replacement(item.original, 1.0, 0.0, "switch back")
        long_term = is_long_term(lot.holding_start, as_of)
        offers.append(Opportunity(lot, price, value, loss, long_term, ZERO, costs, -costs, None, back, "switch back"))
    return offers
