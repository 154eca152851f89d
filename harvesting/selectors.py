"""Reads of scans and opportunities, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, F, Q, QuerySet, When
from django.http import Http404

from brokers.market_clock import market_now
from harvesting.engine.lots import WINDOW
from harvesting.models import HarvestRun, Opportunity, OpportunityStatus, Order, PlannedPurchase
from portfolios.models import Action, Household, Role, TaxLot, Transaction, User, WashSaleReading
from portfolios.selectors import households_for_user


def runs_for_user(user: User) -> QuerySet[HarvestRun]:
    """A firm admin sees the firm's runs; an advisor, the runs of households they serve."""
    if user.is_superuser:
        return HarvestRun.objects.all()
    if not user.is_authenticated or user.firm_id is None:
        return HarvestRun.objects.none()
    runs = HarvestRun.objects.filter(firm_id=user.firm_id)
    if user.role == Role.FIRM_ADMIN:
        return runs
    return runs.filter(Q(household__in=households_for_user(user)))


def run_get_for_user(user: User, run_id: int) -> HarvestRun:
    run = runs_for_user(user).select_related("household").filter(pk=run_id).first()
    if run is None:
        raise Http404("No such scan.")
    return run


def run_opportunities(run: HarvestRun, user: User) -> QuerySet[Opportunity]:
    return (
        Opportunity.objects.filter(run=run, household__in=households_for_user(user))
        .select_related("household", "security", "replacement")
        .order_by("household__name", F("rank").asc(nulls_last=True), "-net_benefit", "-loss")
    )


def opportunity_get_for_user(user: User, opportunity_id: int) -> Opportunity:
    opportunity = (
        Opportunity.objects.filter(pk=opportunity_id, household__in=households_for_user(user))
        .select_related("household", "security", "run")
        .first()
    )
    if opportunity is None:
        raise Http404("No such opportunity.")
    return opportunity


def open_opportunities_for_user(user: User, household_id: int | None = None) -> QuerySet[Opportunity]:
    """What awaits a decision across the user's book (or one household), best first."""
    # Past its expiry an opportunity's price is stale (the next scan replaces it): not offered any more.
    opportunities = Opportunity.objects.filter(
        household__in=households_for_user(user),
        status__in=[OpportunityStatus.OPEN, OpportunityStatus.BLOCKED],
        expires_at__gte=market_now(),
    )
    if household_id is not None:
        opportunities = opportunities.filter(household_id=household_id)
    return opportunities.select_related("household", "security", "replacement", "model_version").order_by(
        Case(When(status=OpportunityStatus.OPEN, then=0), default=1),
        "-net_benefit",
        "-loss",
        "pk",
    )


def order_get_for_user(user: User, order_id: int) -> Order:
    order = (
        Order.objects.filter(pk=order_id, opportunity__household__in=households_for_user(user))
        .select_related("opportunity__household", "security", "account")
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    return order


def withdrawn_opportunities_for_user(user: User, since: datetime, household_id: int | None = None) -> list[Opportunity]:
    """Offers taken off the table since ``since`` with the reason (a lot sold or changed, no longer a candidate)."""
    withdrawn = Opportunity.objects.filter(
        household__in=households_for_user(user),
        status=OpportunityStatus.EXPIRED,
        expires_at__gte=since,
        rank__isnull=False,
    ).exclude(decision_reason="")
    if household_id is not None:
        withdrawn = withdrawn.filter(household_id=household_id)
    return list(withdrawn.select_related("household", "security").order_by("-pk")[:20])


def orders_for_user(user: User, household_id: int | None = None, limit: int = 100) -> list[Order]:
    """The most recent orders of the user's book (or one household)."""
    orders = Order.objects.filter(opportunity__household__in=households_for_user(user))
    if household_id is not None:
        orders = orders.filter(opportunity__household_id=household_id)
    return list(
        orders.select_related("opportunity__household", "security", "account", "approved_by").order_by(
            "-created_at", "-pk"
        )[:limit]
    )


@dataclass(frozen=True)
class PurchaseWindow:
    """A purchase (made or planned) and the wash-sale window it opens for a loss sale of its security:
    from ``window_from`` until the day before ``window_until``, the first day a loss sale is clear of it."""

    symbol: str
    account: str
    day: date
    quantity: Decimal
    planned: bool
    window_from: date
    window_until: date


def purchases_around(household: Household, as_of: date) -> tuple[QuerySet[Transaction], QuerySet[PlannedPurchase]]:
    """The household's purchases (any account) of the 30 days up to ``as_of``, and those planned for the 30 days
    after: what the wash-sale rule sets against a loss sale on ``as_of``, under the firm's reading of it (the
    statute's by default: every purchase in the window, even if sold since). The scan and the household page
    share it."""
    made = Transaction.objects.filter(
        account__household=household,
        action__in=[Action.BUY, Action.REINVEST],
        trade_date__gte=as_of - WINDOW,
        trade_date__lte=as_of,
    ).select_related("account", "security")
    if household.firm.wash_sale_reading == WashSaleReading.HELD_AT_SALE:
        # The firm's narrower reading (as the ledger engine applies it): a purchase counts only while held.
        made = made.filter(pk__in=TaxLot.objects.filter(account__household=household).values("opened_by_id"))
    planned = PlannedPurchase.objects.filter(
        account__household=household, planned_on__gte=as_of, planned_on__lte=as_of + WINDOW
    ).select_related("account", "security")
    return made, planned


def wash_sale_windows(household: Household, as_of: date) -> list[PurchaseWindow]:
    """Purchases whose 61-day window covers ``as_of``: a loss sale of the security (or one substantially
    identical) before ``window_until`` would be a wash sale."""
    made, planned = purchases_around(household, as_of)
    windows = [
        PurchaseWindow(
            t.security.symbol,
            t.account.number,
            t.trade_date,
            t.quantity,
            False,
            t.trade_date - WINDOW,
            _free(t.trade_date),
        )
        for t in made
    ] + [
        PurchaseWindow(
            p.security.symbol,
            p.account.number,
            p.planned_on,
            p.quantity,
            True,
            p.planned_on - WINDOW,
            _free(p.planned_on),
        )
        for p in planned
    ]
    return sorted(windows, key=lambda w: (w.window_until, w.symbol))


def _free(day: date) -> date:
    """The first day a loss sale is clear of a purchase on ``day`` (the 31st day after it), as the scan dates
    a blocked lot's ``blocked_until``: one convention for "until when" on every page."""
    return day + WINDOW + timedelta(days=1)


def blocked_opportunities(household: Household, at: datetime) -> QuerySet[Opportunity]:
    """Losing lots the latest scan could not harvest, with the purchase that blocks each and until when."""
    return (
        Opportunity.objects.filter(household=household, status=OpportunityStatus.BLOCKED, expires_at__gte=at)
        .select_related("security")
        .order_by("blocked_until", "security__symbol")
    )
