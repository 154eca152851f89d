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
4. The forecast model's outlook (the chance the price falls 5% further within the wash window, and its
   volatility): the threshold scales with the forecast volatility (a 10% loss is ordinary for a volatile
   stock and rare for a steady one), and a harvest waits when the expected tax value of waiting beats
   harvesting now, in dollars (``harvesting.engine.waiting``).
5. One plan for the household, decided together. Every replacement the plan buys is a purchase for
   every other lot of the household, and every loss it realizes is a sale that a purchase would wash:
   a lot whose security the plan buys is blocked by the plan (no cross-swap: JPM into BAC and BAC into
   JPM), and a replacement is never substantially identical to a security the plan sells at a loss
   (the next-best replacement is taken instead). Switch-backs join the plan first (they are due: the harvest
   they complete was decided earlier), under the same rule; nothing is ordered by a symbol's name.

Screening runs on floats; everything reported is recomputed in Decimal dollars to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from harvesting.engine.holding import is_long_term
from harvesting.engine.switch_back import HeldReplacement, switch_back_blocker
from harvesting.engine.waiting import Outlook, Waiting, WaitingModel, value_of_waiting

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
    # 10%, with the forecast's waiting and volatility scaling: the best policy the backtest found (README).
    min_loss_fraction: Decimal = Decimal("0.10")
    excluded: frozenset[str] = frozenset()
    half_spread_bps: Decimal = Decimal("5")
    commission: Decimal = ZERO
    # The tracking charge: this share of one standard deviation of the replacement's drift over 31 days.
    tracking_risk_charge: Decimal = Decimal("0.25")
    # Wait when the forecast's expected value of waiting beats harvesting now (needs an outlook).
    wait_for_forecast: bool = True
    # Scale ``min_loss_fraction`` by the forecast volatility over the ordinary level (needs an outlook).
    volatility_scaled: bool = True
    # A switch-back waits while it would realize a short-term gain above this (None: ``min_net_benefit``).
    material_gain: Decimal | None = None


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
    outlook: Outlook | None
    replacement: Replacement | None
    action: str  # "harvest", "switch back", "wait", "below minimum", "blocked", "no replacement"
    blocked_by: str = ""
    blocked_until: date | None = None
    rank: int | None = None
    waiting: Waiting | None = None  # harvest now vs wait, in dollars, when the forecast was weighed
    threshold: Decimal | None = None  # the loss fraction this lot had to reach (volatility-scaled)

    @property
    def score(self) -> float | None:
        """The forecast's chance that the price falls 5% further within the window."""
        return None if self.outlook is None else self.outlook.deepen_probability


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
    outlooks: Mapping[str, Outlook] | None = None,
    identity: Mapping[str, str] | None = None,
    switch_backs: Sequence[SwitchBackLot] = (),
    plan: Plan | None = None,
    waiting: WaitingModel | None = None,
) -> list[Opportunity]:
    """Return the household's plan: its switch-backs and recommended harvests ranked first, then the
    losing taxable lots it does not take, with the reason.

    ``value_of(st_loss, lt_loss)`` is the client's total tax saved this year by harvesting that much
    short- and long-term loss (see ``taxprofiles.rules.harvest_value``). ``replacements`` gives each
    symbol's replacement, or its candidates best first (the plan takes the first that washes nothing).
    ``outlooks`` are the forecast model's per symbol and ``waiting`` its version's facts: without them
    the threshold is not scaled and nothing waits. ``plan`` seeds what the household already sells and
    buys (see ``Plan``); it is not changed.
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

    def outlook_for(symbol: str) -> Outlook | None:
        return None if outlooks is None or waiting is None else outlooks.get(symbol)

    # Switch-backs first: they complete harvests decided earlier, and what they buy and sell binds the plan.
    switching = _plan_switch_backs(switch_backs, prices, as_of, purchases, policy, state, group)
    switched = {o.lot.ref for o in switching}

    candidates: list[tuple[ScanLot, Decimal, Decimal]] = []
    for lot in lots:
        price = prices.get(lot.symbol)
        if price is None or lot.tax_deferred or lot.symbol in policy.excluded or lot.ref in switched:
            continue
        basis = float(lot.cost_basis)
        threshold = policy.min_loss_fraction
        outlook = outlook_for(lot.symbol)
        if policy.volatility_scaled and outlook is not None and waiting is not None:
            threshold = (threshold * Decimal(repr(waiting.volatility_scale(outlook)))).quantize(BASIS_POINT)
        # Screen in floats: most lots are not at a loss worth looking at.
        if basis <= 0 or basis - float(lot.quantity) * float(price) < basis * float(threshold):
            continue
        candidates.append((lot, price, threshold))

    results: list[Opportunity] = []
    open_lots: list[tuple[ScanLot, Decimal, Decimal, Decimal, bool, Outlook | None, Decimal]] = []
    for lot, price, threshold in candidates:
        value = (lot.quantity * price).quantize(CENT, ROUND_HALF_UP)
        loss = lot.cost_basis - value
        long_term = is_long_term(lot.holding_start, as_of)
        outlook = outlook_for(lot.symbol)
        block = wash_block(lot, purchases, as_of, group)
        if block is not None:
            replacement = next(iter(candidates_for(lot.symbol)), None)
            results.append(
                Opportunity(
                    lot, price, value, loss, long_term, ZERO, ZERO, ZERO, outlook, replacement, "blocked", *block,
                    threshold=threshold,
                )
            )  # fmt: skip
            continue
        open_lots.append((lot, price, value, loss, long_term, outlook, threshold))

    # Short-term first (worth more per dollar to most clients), larger losses first; each at the margin.
    open_lots.sort(key=lambda item: (item[4], -item[3]))
    taken_st = taken_lt = ZERO
    taken_value = ZERO
    spread = policy.half_spread_bps * BASIS_POINT
    for lot, price, value, loss, long_term, outlook, threshold in open_lots:
        buyer = state.buying.get(group(lot.symbol))
        if buyer is not None:
            # The plan buys this security (or one identical to it): selling this lot at a loss would wash.
            results.append(
                Opportunity(
                    lot, price, value, loss, long_term, ZERO, ZERO, ZERO, outlook, None, "blocked",
                    f"the plan buys {buyer}", as_of + WINDOW + timedelta(days=1), threshold=threshold,
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
        weighed: Waiting | None = None
        if replacement is None:
            action = "no replacement"
        elif net < policy.min_net_benefit:
            action = "below minimum"
        else:
            if policy.wait_for_forecast and outlook is not None and waiting is not None:
                saved = _at_the_margin(value_of, taken_st, taken_lt, taken_value, long_term)
                weighed = value_of_waiting(loss, value, costs, saved, outlook, waiting, replacement.correlation)
            action = "harvest" if weighed is None or weighed.harvest_now else "wait"
        if action == "harvest":
            assert replacement is not None
            taken_st, taken_lt, taken_value = st, lt, total
            state.sold_at_a_loss.setdefault(group(lot.symbol), f"{lot.symbol} at a loss in {lot.account}")
            state.buying.setdefault(group(replacement.symbol), f"{replacement.symbol} to replace {lot.symbol}")
        results.append(
            Opportunity(
                lot, price, value, loss, long_term, tax_value, costs, net, outlook, replacement, action,
                waiting=weighed, threshold=threshold,
            )
        )  # fmt: skip

    recommended = sorted((o for o in results if o.action == "harvest"), key=lambda o: -o.net_benefit)
    ranked = [replace(o, rank=i) for i, o in enumerate([*switching, *recommended], start=1)]
    others = sorted((o for o in results if o.action != "harvest"), key=lambda o: -o.loss)
    return ranked + others


def _at_the_margin(
    value_of: Callable[[Decimal, Decimal], Decimal], st: Decimal, lt: Decimal, taken: Decimal, long_term: bool
) -> Callable[[Decimal], Decimal]:
    """The tax saved by one more loss of a given size, after the plan's harvests so far."""

    def saved(extra: Decimal) -> Decimal:
        return (value_of(st, lt + extra) if long_term else value_of(st + extra, lt)) - taken

    return saved


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
    # Oldest harvest first, then the larger lot: never the name, so renaming securities changes nothing.
    material_gain = policy.min_net_benefit if policy.material_gain is None else policy.material_gain
    ordered = sorted(
        lots,
        key=lambda item: (item.harvested_on, -float(item.lot.quantity * prices.get(item.lot.symbol, ZERO))),
    )
    for item in ordered:
        lot = item.lot
        price = prices.get(lot.symbol)
        if price is None or lot.tax_deferred or group(item.original) == group(lot.symbol):
            continue
        held = HeldReplacement(lot.quantity, lot.cost_basis, lot.holding_start)
        if switch_back_blocker([held], price, item.harvested_on, as_of, material_gain, policy.half_spread_bps):
            continue
        value = (lot.quantity * price).quantize(CENT, ROUND_HALF_UP)
        loss = lot.cost_basis - value
        # The fill is below the close by the half-spread: a sale a few cents above its basis is a loss.
        at_a_loss = value - value * spread < lot.cost_basis
        if group(item.original) in plan.sold_at_a_loss or group(item.original) in plan.buying:
            continue
        if at_a_loss and (group(lot.symbol) in plan.buying or wash_block(lot, purchases, as_of, group)):
            continue
        plan.buying[group(item.original)] = f"{item.original} to switch back from {lot.symbol}"
        if at_a_loss:
            plan.sold_at_a_loss.setdefault(group(lot.symbol), f"{lot.symbol} at a loss in {lot.account}")
        costs = (value * spread * 2 + policy.commission * 2).quantize(CENT, ROUND_HALF_UP)
        back = Replacement(item.original, 1.0, 0.0, "switch back")
        long_term = is_long_term(lot.holding_start, as_of)
        offers.append(Opportunity(lot, price, value, loss, long_term, ZERO, costs, -costs, None, back, "switch back"))
    return offers
