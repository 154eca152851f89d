"""The Django side of the scan: gather a household's inputs, run the pure scan, store what it found.

A firm-wide scan is one ``HarvestRun`` and one django-q2 task per household; each task records its
household's opportunities and advances the run's progress, and the last one closes the run.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django_q.tasks import async_task

from brokers.market_clock import market_date, market_now
from harvesting.engine import rebound
from harvesting.engine.holding import is_long_term
from harvesting.engine.replacements import choose_replacements
from harvesting.engine.scan import Opportunity as Found
from harvesting.engine.scan import Purchase, ScanLot, ScanPolicy, scan_household
from harvesting.execution import approve_automatic
from harvesting.models import (
    HarvestPolicy,
    HarvestRun,
    ModelVersion,
    Opportunity,
    OpportunityStatus,
    Order,
    OrderStatus,
    ReplacementPair,
    RunStatus,
    Trigger,
)
from harvesting.monitoring import scan_claim, scan_release, scan_wait
from harvesting.rebound_models import current_model
from harvesting.selectors import purchases_around
from portfolios.ledger import identity_for_firm
from portfolios.market_history import INDEX_SYMBOL
from portfolios.models import Firm, Household, Price, RealizedSale, Security, TaxLot, User
from portfolios.price_store import latest_quotes
from taxprofiles.selectors import profile_for_year
from taxprofiles.services import platform_realized_gains, valuer_for_profile

logger = logging.getLogger(__name__)
NEW_YORK = ZoneInfo("America/New_York")
WINDOW = timedelta(days=30)
HISTORY_DAYS = 400
SWITCH_BACK_AFTER = timedelta(days=31)  # calendar days of prices behind the correlations (about 252 trading days)


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
    # One scan per household at a time: a busy household parks this run, which goes on when it is free.
    claim = scan_claim(household_id) or scan_wait(household_id, run_id)
    if claim is None:
        return 0
    try:
        lots_scanned, found = household_scan(run=run, household=household)
        approve_automatic(run_id, household_id)
    except Exception as exc:
        logger.exception("scan of household %s failed", household_id)
        HarvestRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=f"{household}: {exc}")
        raise
    finally:
        scan_release(household_id, claim)
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
    # A lot with an order in flight is being traded: scanning it again could sell it twice.
    in_flight = set(
        Order.objects.filter(
            account__household=household,
            side="sell",
            status__in=[OrderStatus.APPROVED, OrderStatus.SUBMITTED, OrderStatus.PARTIALLY_FILLED],
        ).values_list("account_id", "security_id", "lot_name")
    )
    at = market_now()
    as_of = market_date(at)
    # A replay can run behind the book: a lot bought after the market's date does not exist yet.
    lots = [
        lot for lot in lots if (lot.account_id, lot.security_id, lot.name) not in in_flight and lot.acquired_on <= as_of
    ]
    quotes = latest_quotes({lot.security_id for lot in lots}, at=at)
    HarvestRun.objects.filter(pk=run.pk).update(as_of=as_of)
    if not lots or not quotes:
        return len(lots), 0
    by_id = {lot.pk: lot for lot in lots}
    profile = profile_for_year(household, as_of.year)
    if profile is None:
        return len(lots), 0
    # The gains already realized are the market year's (what the client's return for it will show), valued
    # with the profile's figures and law: the same footing as the savings the reports state afterwards.
    valuer = valuer_for_profile(profile, platform_realized_gains(household, as_of.year))
    identity = identity_for_firm(household.firm_id)
    policy_row = HarvestPolicy.objects.filter(household=household).prefetch_related("excluded_securities").first()
    policy = _policy(policy_row)
    prices = {lot.security.symbol: quotes[lot.security_id].price for lot in lots if lot.security_id in quotes}
    model = current_model()
    version = model[0] if model else None
    closes_key, closes = _trailing_closes(as_of, at)
    scores = _model_scores(closes_key, closes, version.version) if version else None
    found = scan_household(
        [_scan_lot(lot) for lot in lots],
        prices,
        as_of,
        _purchases(household, as_of),
        lambda st, lt: valuer.value(st_loss=st, lt_loss=lt).total_savings,
        _replacements(household, as_of, closes, {lot.security.symbol for lot in lots}, identity),
        policy,
        scores or None,
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
    rows = [_row(run, household, by_id[f.lot.ref], f, securities, expires, profile.tax_year, version) for f in found]
    rows += _switch_backs(run, household, lots, quotes, as_of, expires, policy)
    Opportunity.objects.bulk_create(rows)
    return len(lots), len(rows)


def _switch_backs(
    run: HarvestRun,
    household: Household,
    lots: list[TaxLot],
    quotes: dict,
    as_of: date,
    expires: datetime,
    policy: ScanPolicy,
) -> list[Opportunity]:
    """Offer to switch back from a replacement bought 31 or more days ago, unless that would realize a
    material short-term gain (more than the policy's minimum net benefit)."""
    buys = Order.objects.filter(
        opportunity__household=household,
        side="buy",
        status=OrderStatus.FILLED,
        filled_at__date__lte=as_of - SWITCH_BACK_AFTER,
    ).select_related("opportunity__security", "security", "account", "transaction")
    offers: list[Opportunity] = []
    for buy in buys:
        if (
            buy.transaction is None
            or Opportunity.objects.filter(
                explanation__switch_back_of=buy.pk,
                status__in=[OpportunityStatus.APPROVED, OpportunityStatus.EXECUTED],
            ).exists()
        ):
            continue
        for lot in lots:
            if (lot.account_id, lot.security_id, lot.acquired_on) != (
                buy.account_id,
                buy.security_id,
                buy.transaction.trade_date,
            ) or lot.security_id not in quotes:
                continue
            price = quotes[lot.security_id].price
            value = (lot.quantity * price).quantize(Decimal("0.01"))
            gain = value - lot.adjusted_basis
            long_term = is_long_term(lot.holding_period_start, as_of)
            if gain > policy.min_net_benefit and not long_term:
                continue
            costs = (value * policy.half_spread_bps / 10000 * 2).quantize(Decimal("0.01"))
            offers.append(
                Opportunity(
                    run=run,
                    household=household,
                    lot=lot,
                    account_number=lot.account.number,
                    security=lot.security,
                    lot_name=lot.name,
                    quantity=lot.quantity,
                    price=price,
                    loss=-gain,
                    term="long" if long_term else "short",
                    tax_value=Decimal("0"),
                    costs=costs,
                    net_benefit=-costs,
                    replacement=buy.opportunity.security,
                    status=OpportunityStatus.OPEN,
                    explanation={"action": "switch back", "switch_back_of": buy.pk, "gain": str(gain)},
                    expires_at=expires,
                )
            )
    return offers


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
    made, planned = purchases_around(household, as_of)
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


def _closes_key(as_of: date) -> tuple[date, int]:
    """What the cached closes depend on: the date and the newest close row (a short backward index walk)."""
    return as_of, Price.objects.filter(intraday=False).aggregate(newest=Max("id"))["newest"] or 0


def _trailing_closes(as_of: date, at: datetime) -> tuple[tuple[object, ...], pd.DataFrame]:
    """Closes (date x symbol, SPX included) of the trailing year, with today's row at the market clock's
    prices: intraday, the model and the correlations see the dip as it is now. Returns the frame and a key
    that changes exactly when the frame does."""
    closes_key = _closes_key(as_of)
    past = _past_closes(closes_key)
    securities = dict(Security.objects.values_list("pk", "symbol"))
    today = {
        securities[pk]: float(quote.price)
        for pk, quote in latest_quotes(securities, at=at).items()
        if market_date(quote.at) == as_of
    }
    key = (closes_key, tuple(sorted(today.items())))
    if not today:
        return key, past
    row = pd.DataFrame([today], index=pd.Index([as_of], name="date"))
    return key, (pd.concat([past, row]).sort_index() if not past.empty else row)


@lru_cache(maxsize=8)
def _past_closes(key: tuple[date, int]) -> pd.DataFrame:
    """Closes before ``as_of`` over the trailing ~270 trading days, read once per state of the closes.

    A firm-wide scan runs many household tasks in one worker, and a feed sends many intraday batches per
    day: they all share this; a new close (a new newest close row) makes the next scan read again.
    """
    as_of = key[0]
    securities = dict(Security.objects.values_list("pk", "symbol"))
    start = datetime.combine(as_of - timedelta(days=HISTORY_DAYS), time(0), tzinfo=NEW_YORK)
    end = datetime.combine(as_of, time(0), tzinfo=NEW_YORK)
    rows = Price.objects.filter(intraday=False, timestamp__gte=start, timestamp__lt=end).values_list(
        "security_id", "timestamp", "price"
    )
    frame = pd.DataFrame.from_records(
        ((market_date(stamp), securities[pk], float(price)) for pk, stamp, price in rows),
        columns=["date", "symbol", "close"],
    )
    if frame.empty:
        return pd.DataFrame()
    return frame.pivot_table(index="date", columns="symbol", values="close", aggfunc="last").sort_index()


def _trailing_returns(closes: pd.DataFrame) -> tuple[tuple[str, ...], np.ndarray]:
    """Daily returns of every tradable security over the trailing year."""
    tradable = tuple(Security.objects.filter(tradable=True).order_by("symbol").values_list("symbol", flat=True))
    closes = closes.reindex(columns=list(tradable))
    returns = (closes / closes.shift(1) - 1).iloc[1:].to_numpy(dtype=float)
    return tradable, returns


class _Memo(dict[tuple[object, ...], dict[str, float]]):
    """A small bounded memo with ``lru_cache``'s ``cache_clear``, so tests and benchmarks reset it alike."""

    def cache_clear(self) -> None:
        self.clear()


_scores_memo = _Memo()


def _model_scores(key: tuple[object, ...], closes: pd.DataFrame, version: str) -> dict[str, float]:
    """Scores per symbol, computed once per state of the closes (all households of a batch share them)."""
    memo_key = (key, version)
    if memo_key not in _scores_memo:
        if len(_scores_memo) >= 8:
            _scores_memo.clear()
        _scores_memo[memo_key] = _compute_scores(closes, version)
    return _scores_memo[memo_key]


def _compute_scores(closes: pd.DataFrame, version: str) -> dict[str, float]:
    """The current model's chance, per symbol, that the price is back above today's in 21 days."""
    loaded = current_model()
    if loaded is None or loaded[0].version != version or closes.empty or INDEX_SYMBOL not in closes:
        return {}
    stocks = closes.drop(columns=[INDEX_SYMBOL])
    rows = rebound.features(stocks, closes[INDEX_SYMBOL])
    today = rows.xs(closes.index[-1], level="date", drop_level=True) if len(rows) else rows
    today = today.dropna()
    if today.empty:
        return {}
    return dict(zip(today.index, (float(p) for p in rebound.predict(loaded[1], today)), strict=True))


def _replacements(
    household: Household, as_of: date, closes: pd.DataFrame, held: set[str], identity: dict[str, str]
) -> dict:
    symbols, returns = _trailing_returns(closes)
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
    version: ModelVersion | None,
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
        model_version=version if found.score is not None else None,
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
