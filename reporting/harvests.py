"""The year's harvests and what they saved: the one computation behind the dashboard, the client report and
the book's activity report, so that no two places can state a different figure.

A harvest is a filled sale of a harvest order. The loss it realized is what the ledger says (Form 8949's
column (h), after any wash-sale adjustment), not the scan's estimate before it. What it saved is the
client's tax for the year computed twice from their whole profile, with and without the year's harvests;
the method (rates, what was offset, carryforward created) travels with the figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum

from harvesting.models import Order, OrderStatus
from portfolios.models import RealizedSale, Term, WashSaleMatch
from taxprofiles.models import TaxProfile
from taxprofiles.rules.harvest_value import HarvestValue
from taxprofiles.rules.state_tax import state_label, state_notes
from taxprofiles.selectors import profiles_for_year
from taxprofiles.services import platform_realized_gains_many, valuer_for_profile

ZERO = Decimal("0")
FILLED = [OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED]


@dataclass(frozen=True, slots=True)
class HarvestLot:
    """One lot (or part of one) a harvest sold, as it appears on Form 8949."""

    lot: str
    quantity: Decimal
    acquired: date
    long_term: bool
    proceeds: Decimal
    cost_basis: Decimal
    adjustment: Decimal
    gain_loss: Decimal


@dataclass(frozen=True, slots=True)
class Harvest:
    day: date
    household_id: int
    household: str
    account: str
    symbol: str
    security_name: str
    quantity: Decimal
    proceeds: Decimal
    lots: tuple[HarvestLot, ...]
    replacement: str
    replacement_quantity: Decimal
    replacement_cost: Decimal
    transaction_ids: tuple[int, ...]

    @property
    def realized(self) -> Decimal:
        """Gain or loss reported (negative for a loss), wash-sale adjustments included."""
        return sum((lot.gain_loss for lot in self.lots), ZERO)

    @property
    def loss(self) -> Decimal:
        return -self.realized

    @property
    def disallowed(self) -> Decimal:
        return sum((lot.adjustment for lot in self.lots), ZERO)

    @property
    def short_term(self) -> Decimal:
        return sum((lot.gain_loss for lot in self.lots if not lot.long_term), ZERO)

    @property
    def long_term(self) -> Decimal:
        return sum((lot.gain_loss for lot in self.lots if lot.long_term), ZERO)

    @property
    def cash_left(self) -> Decimal:
        """What the sale raised that the replacement did not spend (it is sized never to spend more)."""
        return self.proceeds - self.replacement_cost


def harvests(household_ids: Sequence[int], start: date, end: date) -> list[Harvest]:
    """The harvests whose sales traded in [start, end], oldest first."""
    sells = (
        Order.objects.filter(
            opportunity__household_id__in=household_ids,
            side="sell",
            status__in=FILLED,
            transaction__isnull=False,
            transaction__trade_date__gte=start,
            transaction__trade_date__lte=end,
        )
        .select_related("opportunity__household", "account", "security", "transaction")
        .prefetch_related(
            Prefetch("transaction__realized_sales", queryset=RealizedSale.objects.order_by("acquired_on", "id")),
            Prefetch(
                "opportunity__orders",
                queryset=Order.objects.filter(side="buy", status__in=FILLED, transaction__isnull=False).select_related(
                    "security", "transaction"
                ),
                to_attr="buys",
            ),
        )
        .order_by("transaction__trade_date", "transaction_id")
    )
    found = []
    for sell in sells:
        txn = sell.transaction
        assert txn is not None  # filtered above
        buy = next(iter(sell.opportunity.buys), None)  # type: ignore[attr-defined]
        buy_txn = buy.transaction if buy else None
        found.append(
            Harvest(
                day=txn.trade_date,
                household_id=sell.opportunity.household_id,
                household=sell.opportunity.household.name,
                account=sell.account.number,
                symbol=sell.security.symbol,
                security_name=sell.security.name,
                quantity=txn.quantity,
                proceeds=sum((sale.proceeds for sale in txn.realized_sales.all()), ZERO),
                lots=tuple(
                    HarvestLot(
                        sale.lot_name,
                        sale.quantity,
                        sale.acquired_on,
                        sale.term == Term.LONG,
                        sale.proceeds,
                        sale.cost_basis,
                        sale.wash_sale_adjustment,
                        sale.gain_loss,
                    )
                    for sale in txn.realized_sales.all()
                ),
                replacement=buy.security.symbol if buy else "",
                replacement_quantity=buy_txn.quantity if buy_txn else ZERO,
                replacement_cost=(buy_txn.quantity * buy_txn.price + buy_txn.fees).quantize(Decimal("0.01"))
                if buy_txn
                else ZERO,
                transaction_ids=(txn.pk, buy_txn.pk) if buy_txn else (txn.pk,),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Realized:
    """The year's reportable realized gains and losses (taxable accounts), by term."""

    st_gains: Decimal = ZERO
    st_losses: Decimal = ZERO
    lt_gains: Decimal = ZERO
    lt_losses: Decimal = ZERO
    disallowed: Decimal = ZERO

    @property
    def losses(self) -> Decimal:
        return self.st_losses + self.lt_losses

    @property
    def gains(self) -> Decimal:
        return self.st_gains + self.lt_gains

    @property
    def st_net(self) -> Decimal:
        return self.st_gains + self.st_losses

    @property
    def lt_net(self) -> Decimal:
        return self.lt_gains + self.lt_losses

    @property
    def net(self) -> Decimal:
        return self.st_gains + self.st_losses + self.lt_gains + self.lt_losses


# The year's realized figures by term and sign, in one aggregate (per household when grouped).
_REALIZED_SUMS = {
    "st_gains": Sum("gain_loss", filter=Q(term=Term.SHORT, gain_loss__gt=0)),
    "st_losses": Sum("gain_loss", filter=Q(term=Term.SHORT, gain_loss__lt=0)),
    "lt_gains": Sum("gain_loss", filter=Q(term=Term.LONG, gain_loss__gt=0)),
    "lt_losses": Sum("gain_loss", filter=Q(term=Term.LONG, gain_loss__lt=0)),
    "disallowed": Sum("wash_sale_adjustment"),
}


def _realized_sales(household_ids: Sequence[int], year: int) -> QuerySet[RealizedSale]:
    return RealizedSale.objects.filter(account__household_id__in=household_ids, reportable=True, sold_on__year=year)


def _realized_from(row: dict[str, Decimal | None]) -> Realized:
    return Realized(**{name: row.get(name) or ZERO for name in _REALIZED_SUMS})


def realized(household_ids: Sequence[int], year: int) -> Realized:
    return _realized_from(_realized_sales(household_ids, year).aggregate(**_REALIZED_SUMS))


def realized_by_household(household_ids: Sequence[int], year: int) -> dict[int, Realized]:
    """``realized`` for each household, in one query (households with no sale get zeros)."""
    rows = _realized_sales(household_ids, year).values("account__household_id").annotate(**_REALIZED_SUMS)
    found = {row.pop("account__household_id"): _realized_from(row) for row in rows}
    return {pk: found.get(pk, Realized()) for pk in household_ids}


@dataclass(frozen=True, slots=True)
class Savings:
    """What one household's harvests of the year saved, and how that was figured.

    ``value`` is None when the household has no tax profile: the losses are real, their worth unknown.
    """

    household_id: int
    year: int
    harvested_st: Decimal  # the harvests' short-term result (negative for a loss)
    harvested_lt: Decimal
    profile: TaxProfile | None = None
    value: HarvestValue | None = None
    gains_offset: Decimal = ZERO
    ordinary_offset: Decimal = ZERO
    state_notes: tuple[str, ...] = ()  # what the state figure simplifies, printed under it
    state_name: str = ""

    @property
    def total(self) -> Decimal:
        return self.value.total_savings if self.value else ZERO

    @property
    def carryforward_created(self) -> Decimal:
        if self.value is None:
            return ZERO
        return self.value.carryforward_created_st + self.value.carryforward_created_lt


@dataclass(frozen=True, slots=True)
class BookSavings:
    year: int
    households: dict[int, Savings] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((savings.total for savings in self.households.values()), ZERO)

    @property
    def unvalued(self) -> list[int]:
        """Households with harvests but no tax profile to value them with."""
        return [pk for pk, savings in self.households.items() if savings.value is None]


def harvest_savings(year: int, found: Sequence[Harvest]) -> BookSavings:
    """Value each household's harvests of ``year`` (``found``) against its year without them."""
    by_household: dict[int, list[Harvest]] = defaultdict(list)
    for harvest in found:
        if harvest.day.year == year:
            by_household[harvest.household_id].append(harvest)
    if not by_household:
        return BookSavings(year)
    platform = platform_realized_gains_many({(pk, year) for pk in by_household})
    profiles = profiles_for_year(list(by_household), year)
    result = {}
    for pk, items in by_household.items():
        st = sum((h.short_term for h in items), ZERO)
        lt = sum((h.long_term for h in items), ZERO)
        profile = profiles[pk]
        if profile is None:
            result[pk] = Savings(pk, year, st, lt)
            continue
        st_all, lt_all = platform[(pk, year)]
        # The year without the harvests: every other realized gain and loss stays where it is.
        valuer = valuer_for_profile(profile, (st_all - st, lt_all - lt), year=year)
        value = valuer.value(st_loss=-st, lt_loss=-lt)
        before, after = valuer.before.netting, valuer.after(st_loss=-st, lt_loss=-lt).netting
        gains_offset = max(before.capital_income, ZERO) - max(after.capital_income, ZERO)
        result[pk] = Savings(
            pk,
            year,
            st,
            lt,
            profile,
            value,
            gains_offset=gains_offset,
            ordinary_offset=after.loss_deducted - before.loss_deducted,
            state_notes=state_notes(year, valuer.state, valuer.city),
            state_name=state_label(valuer.state, valuer.city),
        )
    return BookSavings(year, result)


@dataclass(frozen=True, slots=True)
class WashEvent:
    """A loss sale (partly) disallowed by a purchase within 30 days, and where the loss went."""

    household_id: int
    sold_on: date
    symbol: str
    account: str
    replacement_on: date
    replacement_symbol: str
    replacement_account: str
    shares: Decimal
    disallowed: Decimal
    permanent: bool


def wash_events(household_ids: Sequence[int], start: date, end: date) -> list[WashEvent]:
    matches = (
        WashSaleMatch.objects.filter(
            sale__account__household_id__in=household_ids, sale__trade_date__gte=start, sale__trade_date__lte=end
        )
        .select_related("sale__security", "sale__account", "replacement__security", "replacement__account")
        .order_by("sale__trade_date", "sale_id", "replacement__trade_date", "replacement_id")
    )
    return [
        WashEvent(
            match.sale.account.household_id,
            match.sale.trade_date,
            match.sale.security.symbol,
            match.sale.account.number,
            match.replacement.trade_date,
            match.replacement.security.symbol,
            match.replacement.account.number,
            match.shares,
            match.disallowed,
            match.permanent,
        )
        for match in matches
    ]
