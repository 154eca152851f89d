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
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django_q.tasks import async_task
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from brokers.exchange_calendar import next_close
from brokers.market_clock import market_date, market_now
from harvesting.engine import forecast
from harvesting.engine.replacements import rank_replacements
from harvesting.engine.scan import Opportunity as Found
from harvesting.engine.scan import Plan, Purchase, Replacement, ScanLot, ScanPolicy, SwitchBackLot, scan_household
from harvesting.engine.waiting import Outlook, WaitingModel
from harvesting.execution import approve_automatic
from harvesting.forecasting import current_model
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
from harvesting.selectors import purchases_around
from portfolios.ledger import identity_for_firm
from portfolios.locks import household_lock
from portfolios.market_history import INDEX_SYMBOL
from portfolios.models import Firm, Household, Price, RealizedSale, Security, TaxLot, User
from portfolios.price_store import latest_quotes
from taxharvest.schedules import schedule_every_minute
from taxprofiles.selectors import profile_for_year
from taxprofiles.services import platform_realized_gains, valuer_for_profile

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


LOST_RUNS_SCHEDULE = "scan-runs-lost"
REQUEUE_WITHIN = timedelta(minutes=30)


def scan_runs_lost(now: datetime | None = None) -> int:
    """django-q2 (every minute): deal with the scans whose tasks never ran or whose worker died; return how many.

    A task can be lost (the Redis broker does not acknowledge: a killed worker's task is gone) or refused (a
    payload signed with another process's SECRET_KEY fails django-q2's check, which logs it). The run's row
    says what is still to do: a one-household run is queued again (for half an hour); a firm-wide run, whose
    rows do not say which households were scanned, fails saying how many were not, so nobody waits forever.
    """
    now = now or timezone.now()
    dead_after = timedelta(seconds=int(settings.Q_CLUSTER.get("timeout", 300)) + 60)
    lost = HarvestRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
        created_at__lt=now - dead_after,
        households_done__lt=F("households_total"),
    )
    count = 0
    for run in lost:
        count += 1
        if run.household_id is not None and run.households_done == 0 and run.created_at >= now - REQUEUE_WITHIN:
            logger.warning("scan %s of household %s never finished; queued again", run.pk, run.household_id)
            async_task("harvesting.scanning.scan_task", run.pk, run.household_id)
            continue
        missing = run.households_total - run.households_done
        logger.error("scan %s lost %s household(s); marked failed", run.pk, missing)
        HarvestRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=now,
            error=f"{missing} of {run.households_total} household(s) were never scanned: a worker died or its task "
            "was refused (a web process with another SECRET_KEY?). Scan again.",
        )
    return count


def scan_runs_lost_schedule_ensure() -> None:
    schedule_every_minute(name=LOST_RUNS_SCHEDULE, func="harvesting.scanning.scan_runs_lost")


LIVE = [OpportunityStatus.OPEN, OpportunityStatus.BLOCKED]


@transaction.atomic
def household_scan(*, run: HarvestRun, household: Household) -> tuple[int, int]:
    """Scan one household into ``run``: its plan, updated in place. Return (lots, recorded).

    A live opportunity whose lot is still a candidate keeps its id and is re-valued; one whose lot is not
    is withdrawn with the reason. Runs under the household's lock, so a fill cannot change the lots
    between the read and the write.
    """
    household_lock(household.pk)
    lots = list(TaxLot.objects.filter(account__household=household).select_related("account", "security"))
    # A harvest approved and not yet executed is being traded: its lot is not offered again, and its
    # replacement purchase (and loss sale) are part of what this plan must not wash against.
    in_flight = list(
        Opportunity.objects.filter(household=household, status=OpportunityStatus.APPROVED).select_related(
            "security", "replacement"
        )
    )
    trading = {(o.opened_by_id, o.lot_part) for o in in_flight}
    at = market_now()
    as_of = market_date(at)
    # A replay can run behind the book: a lot bought after the market's date does not exist yet.
    lots = [lot for lot in lots if (lot.opened_by_id, lot.part) not in trading and lot.acquired_on <= as_of]
    quotes = latest_quotes({lot.security_id for lot in lots}, at=at)
    HarvestRun.objects.filter(pk=run.pk).update(as_of=as_of)
    profile = profile_for_year(household, as_of.year) if lots and quotes else None
    if profile is None:
        _withdraw(household, set(), "No longer offered: nothing to value it with at the latest scan.")
        return len(lots), 0
    by_id = {lot.pk: lot for lot in lots}
    # The gains already realized are the market year's (what the client's return for it will show), valued
    # with the profile's figures and law: the same footing as the savings the reports state afterwards.
    valuer = valuer_for_profile(profile, platform_realized_gains(household, as_of.year), year=as_of.year)
    identity = identity_for_firm(household.firm_id)
    policy_row = HarvestPolicy.objects.filter(household=household).prefetch_related("excluded_securities").first()
    policy = _policy(policy_row)
    prices = {lot.security.symbol: quotes[lot.security_id].price for lot in lots if lot.security_id in quotes}
    model = current_model()
    version = model[0] if model else None
    closes_key, closes = _trailing_closes(as_of, at)
    outlooks = _model_outlooks(closes_key, closes, version.version) if version else None
    waiting = waiting_model(model[1]) if model else None
    recent_losses = _recent_loss_symbols(household, as_of)
    switch_backs, switched_from = _switch_back_lots(household, lots)
    found = scan_household(
        [_scan_lot(lot) for lot in lots],
        prices,
        as_of,
        _purchases(household, as_of),
        lambda st, lt: valuer.value(st_loss=st, lt_loss=lt).total_savings,
        _replacements(closes, {lot.security.symbol for lot in lots}, identity, recent_losses, household.firm_id),
        policy,
        outlooks or None,
        identity,
        switch_backs,
        _plan_under_way(in_flight, recent_losses, identity),
        waiting,
    )
    securities = {
        s.symbol: s
        for s in Security.objects.filter(symbol__in={*prices, *(f.replacement.symbol for f in found if f.replacement)})
    }
    expires = next_close(at)
    rows = [
        _row(
            run,
            household,
            by_id[f.lot.ref],
            f,
            securities,
            expires,
            valuer.law.year,
            version,
            switched_from,
            profile.tax_year,
        )
        for f in found
    ]
    return len(lots), _store_plan(household, rows, at)


def _store_plan(household: Household, rows: list[Opportunity], at: datetime) -> int:
    """Write the plan: update live opportunities of the same lots in place, create the rest, withdraw the others."""
    live = {
        (o.opened_by_id, o.lot_part): o
        for o in Opportunity.objects.filter(household=household, status__in=LIVE).order_by("pk")
    }
    kept: list[Opportunity] = []
    fresh: list[Opportunity] = []
    for row in rows:
        existing = live.get((row.opened_by_id, row.lot_part))
        if existing is not None:
            row.pk = existing.pk
            kept.append(row)
        else:
            fresh.append(row)
    _withdraw(
        household, {row.pk for row in kept}, f"No longer a candidate at the scan of {market_date(at).isoformat()}."
    )
    # In bulk, with their audit history (which also dates the opportunities pages' cached fragments).
    bulk_update_with_history(kept, Opportunity, RESCANNED_FIELDS, batch_size=500)
    bulk_create_with_history(fresh, Opportunity, batch_size=500)
    return len(rows)


# What a rescan may change on a live opportunity (the lot's identity, household and decision stay).
RESCANNED_FIELDS = [
    "run",
    "account",
    "account_number",
    "security",
    "lot_name",
    "quantity",
    "price",
    "loss",
    "term",
    "tax_value",
    "costs",
    "net_benefit",
    "model_score",
    "forward_volatility",
    "value_now",
    "value_of_waiting",
    "model_version",
    "replacement",
    "rank",
    "status",
    "blocked_by",
    "blocked_until",
    "explanation",
    "expires_at",
    "decision_reason",
]


def _withdraw(household: Household, kept: set[int], reason: str) -> None:
    Opportunity.objects.filter(household=household, status__in=LIVE).exclude(pk__in=kept).update(
        status=OpportunityStatus.EXPIRED, decision_reason=reason[:200]
    )


def _recent_loss_symbols(household: Household, as_of: date) -> set[str]:
    """Symbols the household sold at a loss in the last 30 days (buying them now would wash that loss)."""
    return set(
        RealizedSale.objects.filter(
            account__household=household, sold_on__gte=as_of - WINDOW, sold_on__lte=as_of, reportable=True
        )
        .filter(proceeds__lt=F("cost_basis"))
        .values_list("security__symbol", flat=True)
    )


def _plan_under_way(in_flight: list[Opportunity], recent_losses: set[str], identity: dict[str, str]) -> Plan:
    """What the household already sells and buys: recent loss sales and the approved, unfinished harvests."""
    plan = Plan()
    for symbol in sorted(recent_losses):
        plan.sold_at_a_loss.setdefault(identity.get(symbol, symbol), f"{symbol} sold at a loss in the last 30 days")
    for opportunity in in_flight:
        sold = opportunity.security.symbol
        if opportunity.loss > 0:
            plan.sold_at_a_loss.setdefault(identity.get(sold, sold), f"{sold} at a loss (approved)")
        if opportunity.replacement is not None:
            bought = opportunity.replacement.symbol
            plan.buying.setdefault(identity.get(bought, bought), f"{bought} to replace {sold} (approved)")
    return plan


def _switch_back_lots(household: Household, lots: list[TaxLot]) -> tuple[list[SwitchBackLot], dict[int, int]]:
    """The replacement lots that harvests bought, each with the security it replaced; and lot id -> buy order."""
    by_purchase: dict[int, list[TaxLot]] = {}
    for lot in lots:
        by_purchase.setdefault(lot.opened_by_id, []).append(lot)
    # Only buys whose lots are still open: a replacement sold since has nothing to switch back from.
    buys = Order.objects.filter(
        opportunity__household=household, side="buy", status=OrderStatus.FILLED, transaction_id__in=list(by_purchase)
    ).select_related("opportunity__security", "transaction")
    done = set(
        Opportunity.objects.filter(
            household=household,
            explanation__action="switch back",
            status__in=[OpportunityStatus.APPROVED, OpportunityStatus.EXECUTED],
        ).values_list("explanation__switch_back_of", flat=True)
    )
    found: list[SwitchBackLot] = []
    switched_from: dict[int, int] = {}
    for buy in buys:
        if buy.pk in done or buy.opportunity.is_switch_back:
            continue
        for lot in by_purchase.get(buy.transaction_id, []):
            found.append(SwitchBackLot(_scan_lot(lot), buy.opportunity.security.symbol, buy.transaction.trade_date))
            switched_from[lot.pk] = buy.pk
    return found, switched_from


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


class _Memo(dict[tuple[object, ...], dict[str, Outlook]]):
    """A small bounded memo with ``lru_cache``'s ``cache_clear``, so tests and benchmarks reset it alike."""

    def cache_clear(self) -> None:
        self.clear()


_outlooks_memo = _Memo()


def _model_outlooks(key: tuple[object, ...], closes: pd.DataFrame, version: str) -> dict[str, Outlook]:
    """Outlooks per symbol, computed once per state of the closes (all households of a batch share them)."""
    memo_key = (key, version)
    if memo_key not in _outlooks_memo:
        if len(_outlooks_memo) >= 8:
            _outlooks_memo.clear()
        _outlooks_memo[memo_key] = _compute_outlooks(closes, version)
    return _outlooks_memo[memo_key]


def waiting_model(model: forecast.Forecaster) -> WaitingModel:
    """The version's facts about the 21 days after a date, as the scan weighs waiting with them."""
    facts = model.facts
    return WaitingModel(facts.depth, facts.deepening, facts.recovery, facts.reference_volatility)


def outlooks_today(model: forecast.Forecaster, closes: pd.DataFrame, version: str) -> dict[str, Outlook]:
    """The model's outlook for every symbol with a full feature row on the last date of ``closes``.

    ``closes`` holds the index (``INDEX_SYMBOL``) beside the securities; the backtest calls this too.
    """
    if closes.empty or INDEX_SYMBOL not in closes:
        return {}
    stocks = closes.drop(columns=[INDEX_SYMBOL])
    rows = forecast.features(stocks, closes[INDEX_SYMBOL])
    today = rows.xs(closes.index[-1], level="date", drop_level=True) if len(rows) else rows
    today = today.dropna()
    if today.empty:
        return {}
    probabilities, volatility = forecast.forecast(model, today)
    return {
        str(symbol): Outlook(float(p), float(v), version)
        for symbol, p, v in zip(today.index, probabilities, volatility, strict=True)
    }


def _compute_outlooks(closes: pd.DataFrame, version: str) -> dict[str, Outlook]:
    loaded = current_model()
    if loaded is None or loaded[0].version != version:
        return {}
    return outlooks_today(loaded[1], closes, version)


def _replacements(
    closes: pd.DataFrame, held: set[str], identity: dict[str, str], recent_losses: set[str], firm_id: int
) -> dict[str, tuple[Replacement, ...]]:
    symbols, returns = _trailing_returns(closes)
    blocked = {identity.get(symbol, symbol) for symbol in recent_losses}
    pairs = dict(ReplacementPair.objects.filter(firm_id=firm_id).values_list("security__symbol", "replacement__symbol"))
    return rank_replacements(returns, symbols, held, set(symbols), identity, blocked, pairs)


def _row(
    run: HarvestRun,
    household: Household,
    lot: TaxLot,
    found: Found,
    securities: dict[str, Security],
    expires: datetime,
    tax_year: int,
    version: ModelVersion | None,
    switched_from: dict[int, int],
    profile_year: int,
) -> Opportunity:
    status = OpportunityStatus.BLOCKED if found.action == "blocked" else OpportunityStatus.OPEN
    explanation: dict[str, object] = {
        "action": found.action,
        "tax_year": tax_year,
        "profile_year": profile_year,
        "market_value": str(found.market_value),
        "replacement_correlation": round(found.replacement.correlation, 4) if found.replacement else None,
        "replacement_source": found.replacement.source if found.replacement else None,
    }
    if found.action == "switch back":
        explanation |= {"switch_back_of": switched_from[lot.pk], "gain": str(-found.loss)}
    return Opportunity(
        run=run,
        household=household,
        account=lot.account,
        opened_by_id=lot.opened_by_id,
        lot_part=lot.part,
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
        forward_volatility=found.outlook.volatility if found.outlook else None,
        value_now=found.waiting.now if found.waiting else None,
        value_of_waiting=found.waiting.wait if found.waiting else None,
        model_version=version if found.outlook is not None else None,
        replacement=securities.get(found.replacement.symbol) if found.replacement else None,
        rank=found.rank,
        status=status,
        blocked_by=found.blocked_by,
        blocked_until=found.blocked_until,
        explanation=explanation,
        expires_at=expires,
        decision_reason="",
    )
