"""Parity (issue 20): the backtest and the product decide the same harvests on the same day for the same household.

The backtest (``harvesting.backtest.simulate``) claims to decide with the product's own plan. These tests hold
it to that, decision by decision, on real prices:

1. A household of six stocks bought on the first trading day of 2008 is simulated through the crash under the
   "daily" policy (a fixed 10% threshold) and the "model" policy (the forecast model trained walk-forward for
   2008: a volatility-scaled threshold and the expected value of waiting), valued for one client by the
   product's valuer (``taxprofiles.rules.harvest_value.HarvestValuer``). On a sample of days (every tenth
   scanned day, every day the plan harvested, switched back or waited, and the first day of any other decision),
   the household as it stood before that day's plan is built in the database through the product's services:
   its ledger so far imported as transactions (so the product's lots have the backtest's names, shares and
   basis), a tax profile, a harvest policy, the executed harvests whose filled buy orders mark the
   replacement lots a switch-back may sell, the closes of every security in the product's price table, and
   (for "model") the backtest's fitted model saved as the current ``ModelVersion``. The market clock is pinned
   at that day's close and the product's scan (``harvesting.scanning.household_scan``) runs. What it stores
   (per lot: the action and the replacement; the loss, tax value, costs, net benefit, the value of harvesting
   now and of waiting, to the cent; the model's chance and volatility) must equal the backtest's plan that day.
2. The backtest's shortcuts decide as the full computation would: its replacement ranking, computed when the
   plan asks and kept per day (``_RankedReplacements``), against every held symbol's candidates ranked up
   front from a closes table as the product ranks them; and the monthly policy's empty list of lots on days
   that are not a month's first, against the full plan keeping only its switch-backs.
3. The index fund: the product forecasts every security with closes but the index, the fund too, so the
   backtest scores the fund with the year's model as well (it is not trained on it); on every day of a cohort
   that holds a fund lot at a loss where its forecast can matter, the two decide alike.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from math import isclose
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from brokers.market_clock import pinned
from harvesting import forecasting
from harvesting.backtest.data import INDEX, load_market
from harvesting.backtest.simulate import (
    HISTORY_DAYS,
    Config,
    Decision,
    Household,
    Market,
    SimResult,
    WalkForwardForecasts,
    cohort_start,
    policy_spec,
    simulate,
)
from harvesting.engine import forecast
from harvesting.engine.holding import is_long_term
from harvesting.engine.lots import Action, LedgerEntry
from harvesting.engine.replacements import rank_replacements
from harvesting.engine.scan import Opportunity as Found
from harvesting.engine.scan import Plan, scan_household
from harvesting.models import (
    HarvestPolicy,
    HarvestRun,
    ModelVersion,
    Opportunity,
    OpportunityStatus,
    Order,
    OrderStatus,
    RunStatus,
)
from harvesting.scanning import household_scan
from portfolios.importers import ledger_import
from portfolios.market_history import INDEX_SYMBOL, close_timestamp
from portfolios.models import Account, Security, SecurityKind, Transaction, WashSaleReading
from portfolios.models import Household as ProductHousehold
from portfolios.price_store import latest_refresh, prices_write
from taxprofiles.models import TaxProfile
from taxprofiles.services import law_year, tax_profile_save, valuer_for_profile
from tests.factories import FirmFactory, HouseholdFactory

SYMBOLS = ("AAPL", "BAC", "GE", "JPM", "KO", "XOM")
YEAR = 2008
CONFIG = Config()  # 10% threshold, $100 minimum net benefit, 5 bp half-spread, the statute's wash-sale reading
EVERY = 10  # compare every tenth scanned day, besides the days the plan traded
CENT = Decimal("0.01")
# A client with outside gains to offset, in New York: losses are worth the top rates until the gains run out,
# then $3,000 a year against ordinary income (the valuer's margin matters, and "below minimum" happens).
PROFILE: dict[str, object] = {
    "filing_status": "married_joint",
    "state": "NY",
    "wages": Decimal("400000"),
    "st_gains_realized": Decimal("150000"),
    "lt_gains_realized": Decimal("50000"),
}


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    """One OpenMP thread for the model's predictions: a few rows a day, where threads only wait for one another
    (on a busy two-core machine the scans of the "model" policy take six times longer with them)."""
    with threadpool_limits(1):
        yield


# --- the backtest side (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The household as the day's plan found it, and the plan the backtest made from it."""

    t: int
    day: date
    ledger: tuple[LedgerEntry, ...]
    replaced: dict[str, tuple[str, date]]
    plan: tuple[Found, ...]
    fund_loss: Decimal  # the largest loss of an index fund lot, as a fraction of its basis (0: none at a loss)


@dataclass
class Run:
    policy: str
    result: SimResult
    snapshots: dict[date, Snapshot]

    def sample(self) -> list[date]:
        """Every ``EVERY``-th scanned day, every day with a harvest, a switch-back or a wait, the first of any other
        action."""
        scanned = sorted(self.snapshots)
        chosen = set(scanned[::EVERY])
        first: dict[str, date] = {}
        for d in self.result.decisions:
            first.setdefault(d.action, d.day)
            if d.action in ("harvest", "switch back", "wait"):
                chosen.add(d.day)
        return sorted(chosen | set(first.values()))


@dataclass(frozen=True)
class History:
    stocks: pd.DataFrame
    index: pd.Series
    market: Market
    start: int  # the cohort's first day (the first trading day of YEAR)
    end: int  # its last day (the last trading day of YEAR)


@pytest.fixture(scope="module")
def history() -> History:
    stocks, index = load_market()
    stocks = stocks[list(SYMBOLS)]
    window = slice("2006-06-01", f"{YEAR + 1}-06-30")
    market = Market.from_frames(stocks.loc[window], index.loc[window], CONFIG.index_yield)
    start = cohort_start(market, YEAR, 1)
    end = market.first_index_on_or_after(date(YEAR + 1, 1, 1)) - 1
    return History(stocks.loc[: f"{YEAR + 1}-06-30"], index.loc[: f"{YEAR + 1}-06-30"], market, start, end)


@pytest.fixture(scope="module")
def walk_forward(history: History) -> tuple[WalkForwardForecasts, forecast.Forecaster]:
    """The backtest's forecasts for the year, and the very model it fitted (kept to give the product)."""
    fitted: list[forecast.Forecaster] = []
    train = forecast.train

    def keep(*args: Any, **kwargs: Any) -> tuple[forecast.Forecaster, pd.DataFrame]:
        model, predicted = train(*args, **kwargs)
        fitted.append(model)
        return model, predicted

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(forecast, "train", keep)
        forecasts = WalkForwardForecasts(history.stocks, history.index, YEAR, YEAR)
    assert len(fitted) == 1
    assert YEAR in forecasts.facts
    return forecasts, fitted[0]


def profile_value_of(
    fields: dict[str, object],
) -> Callable[[int, Decimal, Decimal], Callable[[Decimal, Decimal], Decimal]]:
    """The product's valuer for the client of ``fields``, as ``taxprofiles.services.valuer_for_profile`` builds it
    (the law of the nearest year the product knows), with the year's gains realized in the simulation."""
    profile = TaxProfile(**fields)  # unsaved: only its figures (with the model's defaults) are read

    def for_year(year: int, realized_st: Decimal, realized_lt: Decimal) -> Callable[[Decimal, Decimal], Decimal]:
        valuer = valuer_for_profile(profile, (realized_st, realized_lt), year=year)
        return lambda st, lt: valuer.value(st_loss=st, lt_loss=lt).total_savings

    return for_year


@pytest.fixture(scope="module")
def backtest(history: History, walk_forward: tuple[WalkForwardForecasts, forecast.Forecaster]) -> Callable[..., Run]:
    """The backtest of the household under a policy, from the first trading day of a month of YEAR to its end,
    each scanned day's state and plan kept (each run computed once)."""
    forecasts, _ = walk_forward
    runs: dict[tuple[str, int], Run] = {}

    def run(policy: str, month: int = 1) -> Run:
        if (policy, month) in runs:
            return runs[(policy, month)]
        snapshots: dict[date, Snapshot] = {}
        market = history.market

        def observe(t: int, household: Household) -> None:
            day = market.dates[t]
            plan = tuple(household.plan(t, forecasts))
            fund_loss = max(
                (
                    (lot.basis - lot.shares * market.price(t, INDEX)) / lot.basis
                    for lot in household.lots
                    if lot.symbol == INDEX
                ),
                default=Decimal(0),
            )
            snapshots[day] = Snapshot(t, day, tuple(household.ledger), dict(household.replaced), plan, fund_loss)

        result = simulate(
            market,
            cohort_start(market, YEAR, month),
            policy_spec(policy, CONFIG),
            CONFIG,
            history.end,
            forecasts=forecasts,
            value_of=profile_value_of(PROFILE),
            record_decisions=True,
            observe=observe,
        )
        runs[(policy, month)] = Run(policy, result, snapshots)
        return runs[(policy, month)]

    return run


def test_the_plan_kept_at_each_day_is_the_plan_the_backtest_traded(backtest: Callable[..., Run]) -> None:
    """The plans these tests compare are the backtest's decisions: recomputing a day's plan changes nothing."""
    for policy in ("daily", "model"):
        run = backtest(policy)
        by_day: dict[date, list[Decision]] = defaultdict(list)
        for d in run.result.decisions:
            by_day[d.day].append(d)
        for day, snapshot in run.snapshots.items():
            assert [_decision(day, o) for o in snapshot.plan] == by_day.get(day, []), f"{policy} {day}"


def _decision(day: date, o: Found) -> Decision:
    return Decision(day, o.lot.lot, o.lot.symbol, o.action, o.replacement.symbol if o.replacement else None)


# --- the product side (the database) --------------------------------------------------------------


def closes_stored(history: History, since: date) -> dict[str, Security]:
    """The six stocks and the index fund (tradable) and the S&P 500 index (the model's market, not tradable), with
    every close from ``since`` on, stamped at 16:00 New York as the history loader stamps them."""
    market = history.market
    securities = {symbol: Security.objects.create(symbol=symbol, name=f"{symbol} (parity)") for symbol in SYMBOLS}
    securities[INDEX] = Security.objects.create(symbol=INDEX, name="S&P 500 index fund", kind=SecurityKind.ETF)
    securities[INDEX_SYMBOL] = Security.objects.create(
        symbol=INDEX_SYMBOL, name="S&P 500 Index", kind=SecurityKind.INDEX, tradable=False
    )
    index = history.index
    rows = []
    for t, day in enumerate(market.dates):
        if day < since:
            continue
        stamp = close_timestamp(day)
        for symbol in market.all_symbols:
            rows.append((securities[symbol].pk, stamp, market.price(t, symbol), None, False, False))
        level = Decimal(f"{float(index.loc[pd.Timestamp(day)]):.6f}")
        rows.append((securities[INDEX_SYMBOL].pk, stamp, level, None, False, False))
    prices_write(rows)
    latest_refresh()
    return securities


HEADER = "account,account_type,date,action,symbol,quantity,price,lot,fees\n"


def ledger_file(entries: Iterable[LedgerEntry]) -> bytes:
    lines = [HEADER] + [
        f"{e.account},taxable,{e.trade_date.isoformat()},{e.action.value},{e.symbol},{e.quantity:f},{e.price:f},"
        f"{e.lot},{e.fees:f}\n"
        for e in entries
    ]
    return "".join(lines).encode()


def household_stored(snapshot: Snapshot, securities: dict[str, Security]) -> tuple[HarvestRun, ProductHousehold]:
    """The household as it stood before ``snapshot.day``'s plan, written through the product's services."""
    firm = FirmFactory(wash_sale_reading=WashSaleReading(CONFIG.wash_sale_reading))
    household = HouseholdFactory(firm=firm)
    ledger_import(
        household=household, filename="backtest.csv", content=ledger_file(snapshot.ledger), today=snapshot.day
    )
    tax_profile_save(household=household, tax_year=law_year(YEAR), fields=PROFILE)
    HarvestPolicy.objects.create(
        household=household,
        min_net_benefit=Decimal(repr(CONFIG.min_net_benefit)),
        min_loss_percent=Decimal(repr(CONFIG.threshold)) * 100,
    )
    _harvests_executed(household, snapshot, securities)
    run = HarvestRun.objects.create(firm=firm, household=household, households_total=1)
    return run, household


def _harvests_executed(household: ProductHousehold, snapshot: Snapshot, securities: dict[str, Security]) -> None:
    """Each replacement lot still held as the product would have left it: a harvest opportunity, executed, with
    its filled sell (the harvested lot) and its filled buy (the replacement lot's purchase)."""
    if not snapshot.replaced:
        return
    account = Account.objects.get(household=household)
    transactions = {(t.action, t.lot_name): t for t in Transaction.objects.filter(account=account)}
    entries = {(e.action, e.lot): e for e in snapshot.ledger}
    done = HarvestRun.objects.create(
        firm=household.firm,
        household=household,
        households_total=1,
        households_done=1,
        status=RunStatus.DONE,
    )
    for name, (original, harvested_on) in snapshot.replaced.items():
        bought = transactions[(Action.BUY, name)]
        sold_entry = next(
            e
            for e in snapshot.ledger
            if e.action is Action.SELL and e.symbol == original and e.trade_date == harvested_on
        )
        opened = entries[(Action.BUY, sold_entry.lot)]
        basis = (opened.quantity * opened.price + opened.fees).quantize(CENT, ROUND_HALF_UP)
        proceeds = (sold_entry.quantity * sold_entry.price - sold_entry.fees).quantize(CENT, ROUND_HALF_UP)
        opportunity = Opportunity.objects.create(
            run=done,
            household=household,
            account=account,
            opened_by=transactions[(Action.BUY, sold_entry.lot)],
            account_number=account.number,
            security=securities[original],
            lot_name=sold_entry.lot,
            quantity=sold_entry.quantity,
            price=sold_entry.price,
            loss=basis - proceeds,
            term="long" if is_long_term(opened.trade_date, harvested_on) else "short",
            tax_value=Decimal(0),
            costs=Decimal(0),
            net_benefit=Decimal(0),
            replacement=bought.security,
            rank=1,
            status=OpportunityStatus.EXECUTED,
            explanation={"action": "harvest"},
            expires_at=close_timestamp(harvested_on),
        )
        for side, transaction in (("sell", transactions[(Action.SELL, sold_entry.lot)]), ("buy", bought)):
            Order.objects.create(
                opportunity=opportunity,
                account=account,
                security=transaction.security,
                side=side,
                quantity=transaction.quantity,
                lot_name=sold_entry.lot if side == "sell" else "",
                client_order_id=f"parity-{opportunity.pk}-{side}",
                status=OrderStatus.FILLED,
                broker="paper",
                filled_quantity=transaction.quantity,
                average_price=transaction.price,
                market_date=harvested_on,
                transaction=transaction,
            )


def current_model_stored(model: forecast.Forecaster, directory: Path) -> ModelVersion:
    """The backtest's fitted model as the product's current version (its file under MODEL_DIR)."""
    version = f"walk-forward-{YEAR}-parity"
    forecast.save_model(model, directory / f"{version}.joblib")
    forecasting._cache.clear()
    return ModelVersion.objects.create(
        version=version,
        path=f"{version}.joblib",
        trained_from=model.train_from,
        trained_to=model.train_to,
        tested_from=model.test_from,
        tested_to=model.test_to,
        features=model.feature_names,
        metrics={**model.metrics, "facts": dataclasses.asdict(model.facts)},
        is_current=True,
    )


# --- the comparison -------------------------------------------------------------------------------

Key = tuple[str, str, str, str | None]  # lot, symbol, action, replacement


def _key(o: Found) -> Key:
    return (o.lot.lot, o.lot.symbol, o.action, o.replacement.symbol if o.replacement else None)


def _row_key(o: Opportunity) -> Key:
    return (o.lot_name, o.security.symbol, o.explanation["action"], o.replacement.symbol if o.replacement else None)


def _money(o: Found) -> dict[str, Decimal | None]:
    return {
        "loss": o.loss,
        "tax_value": o.tax_value,
        "costs": o.costs,
        "net_benefit": o.net_benefit,
        "value_now": o.waiting.now if o.waiting else None,
        "value_of_waiting": o.waiting.wait if o.waiting else None,
    }


def _row_money(o: Opportunity) -> dict[str, Decimal | None]:
    return {
        name: getattr(o, name)
        for name in ("loss", "tax_value", "costs", "net_benefit", "value_now", "value_of_waiting")
    }


def _show(keys: Iterable[Key]) -> str:
    return ", ".join(
        f"{lot} {symbol} {action}{f' -> {r}' if r else ''}" for lot, symbol, action, r in sorted(keys, key=str)
    )


def compare_day(snapshot: Snapshot, rows: Sequence[Opportunity]) -> list[str]:
    """Differences between the backtest's plan and the product's stored plan on one day, readably."""
    expected = {_key(o): o for o in snapshot.plan}
    found = {_row_key(o): o for o in rows}
    problems = []
    if expected.keys() != found.keys():
        problems.append(
            f"{snapshot.day}: decisions differ\n    backtest only: {_show(expected.keys() - found.keys()) or '-'}\n"
            f"    product only:  {_show(found.keys() - expected.keys()) or '-'}"
        )
    for key in sorted(expected.keys() & found.keys(), key=str):
        mine, theirs = _money(expected[key]), _row_money(found[key])
        if mine != theirs:
            fields = ", ".join(f"{k} {mine[k]} vs {theirs[k]}" for k in mine if mine[k] != theirs[k])
            problems.append(f"{snapshot.day}: {_show([key])}: backtest vs product {fields}")
        # The same model scored it (the product from a year of stored closes, the backtest from its whole history).
        outlook, row = expected[key].outlook, found[key]
        scores = (None, None) if outlook is None else (outlook.deepen_probability, outlook.volatility)
        stored = (row.model_score, row.forward_volatility)
        if not all(
            a == b or (a is not None and b is not None and isclose(a, b, rel_tol=1e-9))
            for a, b in zip(scores, stored, strict=True)
        ):
            problems.append(f"{snapshot.day}: {_show([key])}: outlook (chance, volatility) {scores} vs {stored}")
    return problems


def scanned_by_the_product(
    run: Run, days: Sequence[date], history: History, model: forecast.Forecaster | None, model_dir: Path
) -> list[str]:
    """Build the household of each of ``days`` in the database, scan it with the product, and compare; return the
    differences (none: the product decided as the backtest, figure for figure)."""
    securities = closes_stored(history, run.snapshots[days[0]].day - timedelta(days=HISTORY_DAYS + 7))
    if model is not None:
        current_model_stored(model, model_dir)
    problems: list[str] = []
    for day in days:
        snapshot = run.snapshots[day]
        scan, household = household_stored(snapshot, securities)
        with pinned(close_timestamp(day)):
            household_scan(run=scan, household=household)
        rows = list(Opportunity.objects.filter(run=scan).select_related("security", "replacement"))
        assert {o.status for o in rows} <= {OpportunityStatus.OPEN, OpportunityStatus.BLOCKED}
        problems += compare_day(snapshot, rows)
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("policy", ["daily", "model"])
def test_the_product_decides_as_the_backtest_on_a_sample_of_days(
    policy: str,
    backtest: Callable[..., Run],
    history: History,
    walk_forward: tuple[WalkForwardForecasts, forecast.Forecaster],
    settings: Any,
    tmp_path: Path,
) -> None:
    run = backtest(policy)
    days = run.sample()
    settings.MODEL_DIR = tmp_path
    problems = scanned_by_the_product(run, days, history, walk_forward[1] if policy == "model" else None, tmp_path)
    assert not problems, f"{policy}: the product and the backtest differ ({len(problems)}):\n" + "\n".join(problems)
    # What was compared: enough trading days, and every kind of decision the policy makes.
    compared = Counter(o.action for day in days for o in run.snapshots[day].plan)
    traded = [d for d in days if any(o.action in ("harvest", "switch back") for o in run.snapshots[d].plan)]
    assert len(traded) >= (10 if policy == "daily" else 5), (policy, traded)
    made = {"harvest", "switch back", "below minimum"} | ({"blocked"} if policy == "daily" else {"wait"})
    assert made <= compared.keys(), compared


@pytest.mark.django_db
def test_the_product_decides_as_the_backtest_on_the_days_an_index_fund_lot_is_at_a_loss(
    backtest: Callable[..., Run],
    history: History,
    walk_forward: tuple[WalkForwardForecasts, forecast.Forecaster],
    settings: Any,
    tmp_path: Path,
) -> None:
    """The cohort of October 2008 under the model: every day it holds an index fund lot at a loss of at least half
    the threshold (the lowest a volatility-scaled threshold goes), where the fund's forecast can matter."""
    run = backtest("model", 10)
    least = Decimal(repr(CONFIG.threshold)) * Decimal("0.5")
    days = [day for day, snapshot in sorted(run.snapshots.items()) if snapshot.fund_loss >= least]
    assert days
    settings.MODEL_DIR = tmp_path
    problems = scanned_by_the_product(run, days, history, walk_forward[1], tmp_path)
    assert not problems, "the product and the backtest differ:\n" + "\n".join(problems)


# --- the backtest's shortcuts against the full computation ------------------------------------------


def full_plan(household: Household, t: int, forecasts: WalkForwardForecasts | None) -> list[Found]:
    """The day's plan computed the long way: every lot passed, every held symbol's candidates ranked up front from
    a closes table as the product ranks them; a monthly policy keeps only its switch-backs between month starts."""
    market, spec = household.market, household.spec
    assert spec.scan is not None
    day = market.dates[t]
    lots = household.scan_lots()
    recent = household.recent_losses(day)
    plan = Plan()
    for symbol in sorted(recent):
        plan.sold_at_a_loss.setdefault(symbol, f"{symbol} sold at a loss in the last 30 days")
    first = market.first_index_on_or_after(day - timedelta(days=HISTORY_DAYS))
    tradable = sorted(household.tradable)
    closes = pd.DataFrame(market.prices[first : t + 1], columns=market.all_symbols)[tradable]
    returns = (closes / closes.shift(1) - 1).iloc[1:].to_numpy(dtype=float)
    held = {lot.symbol for lot in lots}
    ranked = rank_replacements(returns, tradable, held, set(tradable), {}, recent, {})
    outlooks = waiting = None
    if spec.forecast and forecasts is not None:
        outlooks = forecasts.outlooks(day, sorted(held))
        waiting = forecasts.waiting(day)
    st, lt = household.realized_this_year(day.year)
    found = scan_household(
        lots,
        {symbol: market.price(t, symbol) for symbol in held},
        day,
        household.recent_purchases(day),
        household.value_of(day.year, st, lt),
        ranked,
        spec.scan,
        outlooks or None,
        None,
        household.switch_back_lots({lot.lot: lot for lot in lots}),
        plan,
        waiting,
    )
    if spec.monthly and not market.month_start[t]:
        found = [o for o in found if o.action == "switch back"]
    return found


@pytest.mark.parametrize("policy", ["monthly", "daily", "volscaled", "model"])
def test_the_backtests_shortcuts_decide_as_the_full_plan_every_day(
    policy: str, history: History, walk_forward: tuple[WalkForwardForecasts, forecast.Forecaster]
) -> None:
    forecasts, _ = walk_forward
    differences: list[str] = []
    days = Counter[str]()

    def observe(t: int, household: Household) -> None:
        fast, slow = household.plan(t, forecasts), full_plan(household, t, forecasts)
        days["scanned"] += 1
        days["with a plan"] += bool(slow)
        if fast != slow:
            day = household.market.dates[t]
            differences.append(
                f"{day}: shortcut {_show(map(_key, fast)) or '-'}; full {_show(map(_key, slow)) or '-'}"
                + ("" if [_key(o) for o in fast] != [_key(o) for o in slow] else " (same decisions, other figures)")
            )

    spec = policy_spec(policy, CONFIG)
    result = simulate(history.market, history.start, spec, CONFIG, history.end, forecasts=forecasts, observe=observe)
    assert not differences, f"{policy}:\n" + "\n".join(differences)
    assert days["scanned"] == history.end - history.start - 1
    assert result.harvests, policy
    assert result.switch_backs, policy
    assert days["with a plan"] >= 5, (policy, days)
