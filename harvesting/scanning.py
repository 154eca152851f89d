"""The Django side of the scan: gather a household's inputs, run the pure scan, store what it found.

A firm-wide scan is one ``HarvestRun`` and one django-q2 task per household; each task records its
household's opportunities and advances the run's progress, and the last one closes the run.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from harvesting.engine.replacements import choose_replacements
from harvesting.engine.scan import Opportunity as Found
from harvesting.engine.scan import Purchase, ScanLot, ScanPolicy, scan_household
from harvesting.models import (
    HarvestPolicy,
    HarvestRun,
    Opportunity,
    OpportunityStatus,
    PlannedPurchase,
    ReplacementPair,
    RunStatus,
    Trigger,
)
from portfolios.holdings import latest_quotes
from portfolios.ledger import identity_for_firm
from portfolios.models import Action, Firm, Household, Price, RealizedSale, Security, TaxLot, Transaction, User
from taxprofiles.services import valuer_for_profile

logger = logging.getLogger(__name__)
NEW_YORK = ZoneInfo("America/New_York")
WINDOW = timedelta(days=30)
HISTORY_DAYS = 400  # calendar days of prices behind the correlations (about 252 trading days)


@transaction.atomic
def scan_start(
    *, firm: Firm, household: Household | None = None, trigger: str = Trigger.MANUAL, requested_by: User | None = None
) -> HarvestRun:
    """Create a run for one household or the whole firm and queue one task per household."""
    households = [household] if household is not None else list(firm.households.all())
    run = HarvestRun.objects.create(
        firm=firm, household=household, trigger=trigger, requested_by=requested_by, households_total=len(households)
    )
    ids = [h.pk for h in households]
    if not ids:
        HarvestRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now())
        run.refresh_from_db()
        return run
    transaction.on_commit(lambda: [async_task("harvesting.scanning.scan_task", run.pk, pk) for pk in ids])
    return run


def scan_task(run_id: int, household_id: int) -> int:
    """django-q2 task: scan one household of a run; return how many opportunities it recorded."""
    HarvestRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    run = HarvestRun.objects.get(pk=run_id)
    household = Household.objects.get(pk=household_id, firm_id=run.firm_id)
    try:
        lots_scanned, found = household_scan(run=run, household=household)
    except Exception as exc:
        logger.exception("scan of household %s failed", household_id)
        HarvestRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=f"{household}: {exc}")
        raise
    HarvestRun.objects.filter(pk=run_id).update(
        households_done=F("households_done") + 1,
        lots_scanned=F("lots_scanned") + lots_scanned,
        opportunities_found=F("opportunities_found") + found,
    )
    HarvestRun.objects.filter(pk=run_id, households_done__gte=F("households_total"), status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, finished_at=timezone.now()
    )
    return found


@transaction.atomic
def household_scan(*, run: HarvestRun, household: Household) -> tuple[int, int]:
    """Scan one household into ``run``; expire its earlier open opportunities. Return (lots, recorded)."""
    lots = list(TaxLot.objects.filter(account__household=household).select_related("account", "security"))
    quotes = latest_quotes({lot.security_id for lot in lots})
    if not lots or not quotes:
        return len(lots), 0
    as_of = max(timezone.localtime(q.at, NEW_YORK).date() for q in quotes.values())
    by_id = {lot.pk: lot for lot in lots}
    profile = household.tax_profiles.filter(tax_year__lte=max(as_of.year, 0)).order_by("-tax_year").first()
    profile = profile or household.tax_profiles.order_by("-tax_year").first()
    if profile is None:
        return len(lots), 0
    valuer = valuer_for_profile(profile)
    identity = identity_for_firm(household.firm_id)
    policy_row = HarvestPolicy.objects.filter(household=household).prefetch_related("excluded_securities").first()
    policy = _policy(policy_row)
    prices = {lot.security.symbol: quotes[lot.security_id].price for lot in lots if lot.security_id in quotes}
    found = scan_household(
        [_scan_lot(lot) for lot in lots],
        prices,
        as_of,
        _purchases(household, as_of),
        lambda st, lt: valuer.value(st_loss=st, lt_loss=lt).total_savings,
        _replacements(household, as_of, {lot.security.symbol for lot in lots}, identity),
        policy,
        None,
        identity,
    )
    Opportunity.objects.filter(
        household=household, status__in=[OpportunityStatus.OPEN, OpportunityStatus.BLOCKED]
    ).update(status=OpportunityStatus.EXPIRED)
    securities = {
        s.symbol: s
        for s in Security.objects.filter(symbol__in={*prices, *(f.replacement.symbol for f in found if f.replacement)})
    }
    expires = datetime.combine(as_of + timedelta(days=1), time(16, 0), tzinfo=NEW_YORK)
    Opportunity.objects.bulk_create(
        [_row(run, household, by_id[f.lot.ref], f, securities, expires, profile.tax_year) for f in found]
    )
    return len(lots), len(found)


def _policy(row: HarvestPolicy | None) -> ScanPolicy:
    if row is None:
        return ScanPolicy()
    return ScanPolicy(
        min_net_benefit=row.min_net_benefit,
        min_loss_fraction=row.min_loss_percent / 100,
        excluded=frozenset(row.excluded_securities.values_list("symbol", flat=True)),
    )


def _scan_lot(lot: TaxLot) -> ScanLot:
    return ScanLot(
        ref=lot.pk,
        account=lot.account.number,
        tax_deferred=lot.account.is_tax_deferred,
        symbol=lot.security.symbol,
        lot=lot.name,
        quantity=lot.quantity,
        cost_basis=lot.adjusted_basis,
        acquired=lot.acquired_on,
        holding_start=lot.holding_period_start,
    )


def _purchases(household: Household, as_of: date) -> list[Purchase]:
    """Purchases of the last 30 days in any account of the household, and those planned in the next 30."""
    made = Transaction.objects.filter(
        account__household=household,
        action__in=[Action.BUY, Action.REINVEST],
        trade_date__gte=as_of - WINDOW,
        trade_date__lte=as_of,
    ).select_related("account", "security")
    planned = PlannedPurchase.objects.filter(
        account__household=household, planned_on__gte=as_of, planned_on__lte=as_of + WINDOW
    ).select_related("account", "security")
    return [
        Purchase(
            t.security.symbol, t.account.number, t.trade_date, t.quantity, lot=t.lot_name or t.trade_date.isoformat()
        )
        for t in made
    ] + [
        Purchase(
            p.security.symbol,
            p.account.number,
            p.planned_on,
            p.quantity,
            planned=True,
            description=f"{p.get_kind_display().lower()} of {p.quantity.normalize():f} {p.security.symbol} "
            f"planned on {p.planned_on.isoformat()} in {p.account.number}",
        )
        for p in planned
    ]


@lru_cache(maxsize=8)
def _trailing_returns(as_of: date) -> tuple[tuple[str, ...], np.ndarray]:
    """Daily returns of every tradable security over the trailing year, once per price date per process."""
    tradable = list(Security.objects.filter(tradable=True).order_by("symbol").values_list("pk", "symbol"))
    column = {pk: i for i, (pk, _) in enumerate(tradable)}
    start = datetime.combine(as_of - timedelta(days=HISTORY_DAYS), time(0), tzinfo=NEW_YORK)
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=NEW_YORK)
    rows = Price.objects.filter(security_id__in=column, timestamp__gte=start, timestamp__lt=end).values_list(
        "security_id", "timestamp", "price"
    )
    by_day: dict[datetime, np.ndarray] = {}
    for security_id, stamp, price in rows.iterator(chunk_size=5000):
        by_day.setdefault(stamp, np.full(len(tradable), np.nan))[column[security_id]] = float(price)
    closes = np.array([by_day[day] for day in sorted(by_day)]) if by_day else np.zeros((0, len(tradable)))
    returns = closes[1:] / closes[:-1] - 1 if len(closes) > 1 else np.zeros((0, len(tradable)))
    return tuple(symbol for _, symbol in tradable), returns


def _replacements(household: Household, as_of: date, held: set[str], identity: dict[str, str]) -> dict:
    symbols, returns = _trailing_returns(as_of)
    recent_losses = (
        RealizedSale.objects.filter(
            account__household=household, sold_on__gte=as_of - WINDOW, sold_on__lte=as_of, reportable=True
        )
        .filter(proceeds__lt=F("cost_basis"))
        .values_list("security__symbol", flat=True)
    )
    blocked = {identity.get(symbol, symbol) for symbol in recent_losses}
    pairs = dict(
        ReplacementPair.objects.filter(firm_id=household.firm_id).values_list("security__symbol", "replacement__symbol")
    )
    return choose_replacements(returns, symbols, held, set(symbols), identity, blocked, pairs)


def _row(
    run: HarvestRun,
    household: Household,
    lot: TaxLot,
    found: Found,
    securities: dict[str, Security],
    expires: datetime,
    tax_year: int,
) -> Opportunity:
    status = OpportunityStatus.BLOCKED if found.action == "blocked" else OpportunityStatus.OPEN
    return Opportunity(
        run=run,
        household=household,
        lot=lot,
        account_number=found.lot.account,
        security=securities[found.lot.symbol],
        lot_name=found.lot.lot,
        quantity=found.lot.quantity,
        price=found.price,
        loss=found.loss,
        term="long" if found.long_term else "short",
        tax_value=found.tax_value,
        costs=found.costs,
        net_benefit=found.net_benefit,
        model_score=found.score,
        replacement=securities.get(found.replacement.symbol) if found.replacement else None,
        rank=found.rank,
        status=status,
        blocked_by=found.blocked_by,
        blocked_until=found.blocked_until,
        explanation={
            "action": found.action,
            "tax_year": tax_year,
            "market_value": str(found.market_value),
            "replacement_correlation": round(found.replacement.correlation, 4) if found.replacement else None,
            "replacement_source": found.replacement.source if found.replacement else None,
        },
        expires_at=expires,
    )
