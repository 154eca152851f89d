"""Simulate one cohort of a direct-indexed portfolio under one harvesting policy.

The portfolio: ``initial_value`` dollars spread equally over the stocks at the cohort's first close,
one lot per stock, held to the last date of the data and then liquidated. Each stock is a *sleeve*:
it holds either its own stock (one lot) or, after a harvest, the replacement bought with the sale's
proceeds, until the switch-back rule sells the replacement and buys the stock again.

Policies are small objects with ``decide(day, lot_state, features) -> bool``, asked once a trading
day for each sleeve that holds its own stock at an unrealized loss:

- ``NeverHarvest`` (the twin);
- ``FixedThreshold`` (loss >= threshold; checked on each month's first trading day, or daily);
- ``VolScaledThreshold`` (daily; threshold x the stock's trailing 63-day volatility / the median
  volatility of all the stocks that day, so the average threshold stays the fixed one);
- ``ModelDriven`` (daily; loss >= threshold AND ``probability_of_recovery(symbol, day)`` < cutoff,
  where "recovery" is the close 21 trading days later being above today's close). The backtest
  supplies the callable from ``WalkForwardModel``: a HistGradientBoostingClassifier on trailing
  features, refitted every January on the rows whose label was known before that January, so a
  decision on any day uses a model trained only on earlier data.

Replacements (``Config.replacement``): ``index`` (the S&P 500 price index plus a stated dividend
yield, accrued daily, as a fund proxy); ``correlated`` (the other stock with the highest correlation
of daily returns over the trailing 252 days); ``basket`` (``basket_size`` other stocks, equal weights,
chosen greedily for the lowest tracking error over the trailing 252 days). Switch-back rules
(``Config.switch_back``), never before 31 calendar days (``harvesting.engine.switch_back``, the rule
the product applies): ``31days`` (as soon as allowed); ``no-st-gain`` (wait while selling the
replacement would realize a net short-term gain); ``tracking``
(stay while the replacement's cumulative return since the harvest stays within ``tracking_limit`` of
the stock's, switch back once it drifts further).

Wash sales are avoided by construction and then checked: a loss sale of a symbol is not made when
another lot of it was bought in the last 30 days (under ``WashSaleReading.HELD_AT_SALE``: while such
a lot is still held), and a symbol is not bought within 30 days after a loss sale of it (a harvest
falls to the next candidate replacement, or waits; a switch-back waits). Every
trade is also emitted as a ``LedgerEntry`` and replayed through ``harvesting.engine.lots``; the run
fails if any sale before the final liquidation carries a wash-sale adjustment, or if the engine's
realized gains differ from the simulation's by more than rounding.

Simplifications (stated, deliberate):
- The stocks' adjusted closes already include dividends (total-return series), so a stock's value
  includes them; the index proxy adds ``dividend_yield`` (default 1.8%/yr) accrued daily.
- Equal-weight buy at the cohort's first close, no rebalancing, no cash flows (buy and hold).
- One lot per stock at the start; new lots come only from replacements and switch-backs.
- Every trade is at that day's close, paying a half-spread (default 5 bp) on the notional; the final
  liquidation pays it too, for the policy and the twin alike.
- A replacement is not itself harvested (its loss, if any, is realized at the switch-back).
- The final liquidation is a hypothetical sale of everything on the last date; wash-sale matching
  among its same-day sales is ignored (all shares are sold, so any loss is realized that day).
- Prices in the bundled data have three decimals, so the early, low-priced series are coarse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

import numpy as np
import pandas as pd

from harvesting.backtest.data import INDEX, index_fund_proxy
from harvesting.engine.holding import is_long_term
from harvesting.engine.lots import Action, LedgerEntry, WashSaleReading, replay_ledger
from harvesting.engine.switch_back import HeldReplacement, switch_back_blocker

WASH_WINDOW = timedelta(days=30)
ACCOUNT = "taxable"
REPLACEMENTS = ("index", "correlated", "basket", "best")
SWITCH_BACKS = ("31days", "no-st-gain", "tracking")
HORIZON = 21  # trading days: the model's recovery window (about the wash-sale window)


@dataclass(frozen=True)
class Config:
    threshold: float = 0.10
    half_spread_bps: float = 5.0
    replacement: str = "index"
    switch_back: str = "31days"
    dividend_yield: float = 0.018
    initial_value: float = 1_000_000.0
    basket_size: int = 3
    lookback: int = 252
    vol_window: int = 63
    tracking_limit: float = 0.05
    model_cutoff: float = 0.5
    # Which purchases wash a loss sale: the firm's setting (``portfolios.models.Firm.wash_sale_reading``).
    wash_sale_reading: str = WashSaleReading.STATUTE.value

    @property
    def half_spread(self) -> float:
        return self.half_spread_bps / 10_000.0


# --- market ---------------------------------------------------------------------------------------


@dataclass
class Market:
    """Prices on trading days: one column per stock, then the index fund proxy (column ``n``)."""

    dates: list[date]
    symbols: list[str]
    prices: np.ndarray  # T x (n + 1)
    returns: np.ndarray = field(init=False)  # simple daily returns, row 0 = 0
    volatility: np.ndarray = field(init=False)  # T x n trailing annualized volatility (nan early)
    median_volatility: np.ndarray = field(init=False)
    month_start: np.ndarray = field(init=False)
    vol_window: int = 63

    def __post_init__(self) -> None:
        prices = self.prices
        self.returns = np.zeros_like(prices)
        self.returns[1:] = prices[1:] / prices[:-1] - 1.0
        stock_returns = pd.DataFrame(self.returns[:, : self.n])
        self.volatility = (stock_returns.rolling(self.vol_window).std() * np.sqrt(252.0)).to_numpy()
        self.median_volatility = np.full(len(self.dates), np.nan)
        valid = ~np.isnan(self.volatility).any(axis=1)
        self.median_volatility[valid] = np.median(self.volatility[valid], axis=1)
        months = np.array([d.year * 12 + d.month for d in self.dates])
        self.month_start = np.ones(len(self.dates), dtype=bool)
        self.month_start[1:] = months[1:] != months[:-1]
        self.index_of = {d: i for i, d in enumerate(self.dates)}

    @property
    def n(self) -> int:
        return len(self.symbols)

    @property
    def all_symbols(self) -> list[str]:
        return [*self.symbols, INDEX]

    @classmethod
    def from_frames(cls, stocks: pd.DataFrame, index: pd.Series, dividend_yield: float = 0.018) -> Market:
        proxy = index_fund_proxy(index, dividend_yield)
        prices = np.column_stack([stocks.to_numpy(dtype=float), proxy.to_numpy(dtype=float)])
        dates = [ts.date() for ts in stocks.index]
        return cls(dates=dates, symbols=list(stocks.columns), prices=prices)

    def first_index_on_or_after(self, day: date) -> int:
        for i, d in enumerate(self.dates):
            if d >= day:
                return i
        return len(self.dates)


# --- policies -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LotState:
    symbol: str
    loss: float  # unrealized loss as a fraction of the cost basis (0.2 = down 20%)
    days_held: int
    long_term: bool


@dataclass(frozen=True, slots=True)
class Features:
    first_trading_day_of_month: bool
    volatility: float  # the stock's trailing annualized volatility (nan if unknown)
    median_volatility: float  # the median of all the stocks' that day (nan if unknown)


class Policy(Protocol):
    name: str

    def decide(self, day: date, lot_state: LotState, features: Features) -> bool: ...


@dataclass(frozen=True)
class NeverHarvest:
    name: str = "twin"

    def decide(self, day: date, lot_state: LotState, features: Features) -> bool:
        return False


@dataclass(frozen=True)
class FixedThreshold:
    threshold: float = 0.10
    monthly: bool = False
    name: str = "daily"

    def decide(self, day: date, lot_state: LotState, features: Features) -> bool:
        if self.monthly and not features.first_trading_day_of_month:
            return False
        return lot_state.loss >= self.threshold


@dataclass(frozen=True)
class VolScaledThreshold:
    threshold: float = 0.10
    name: str = "volscaled"

    def decide(self, day: date, lot_state: LotState, features: Features) -> bool:
        scale = features.volatility / features.median_volatility
        if not np.isfinite(scale) or scale <= 0:
            scale = 1.0
        return lot_state.loss >= self.threshold * scale


@dataclass(frozen=True)
class ModelDriven:
    probability_of_recovery: Callable[[str, date], float]
    threshold: float = 0.10
    cutoff: float = 0.5
    name: str = "model"

    def decide(self, day: date, lot_state: LotState, features: Features) -> bool:
        if lot_state.loss < self.threshold:
            return False
        probability = self.probability_of_recovery(lot_state.symbol, day)
        if not np.isfinite(probability):
            return True  # no model yet: behave like the daily threshold
        return probability < self.cutoff


POLICY_NAMES = ("twin", "monthly", "daily", "volscaled", "model")


def make_policy(
    name: str, config: Config, probability_of_recovery: Callable[[str, date], float] | None = None
) -> Policy:
    if name == "twin":
        return NeverHarvest()
    if name == "monthly":
        return FixedThreshold(config.threshold, monthly=True, name="monthly")
    if name == "daily":
        return FixedThreshold(config.threshold, monthly=False, name="daily")
    if name == "volscaled":
        return VolScaledThreshold(config.threshold)
    if name == "model":
        if probability_of_recovery is None:
            raise ValueError("the model policy needs probability_of_recovery")
        return ModelDriven(probability_of_recovery, config.threshold, config.model_cutoff)
    raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICY_NAMES)}")


# --- the walk-forward model -----------------------------------------------------------------------


def model_features(market: Market) -> np.ndarray:
    """T x n x 7 features of each stock's trailing path: returns over 5/21/63/252 days, drawdown from
    the 252-day high, 63-day volatility, and the index's 21-day return. Nan where history is short."""
    logp = np.log(market.prices)
    t_count, n = len(market.dates), market.n
    out = np.full((t_count, n, 7), np.nan)
    for k, lag in enumerate((5, 21, 63, 252)):
        out[lag:, :, k] = logp[lag:, :n] - logp[:-lag, :n]
    high = pd.DataFrame(market.prices[:, :n]).rolling(252, min_periods=1).max().to_numpy()
    out[:, :, 4] = market.prices[:, :n] / high - 1.0
    out[:, :, 5] = market.volatility
    out[21:, :, 6] = (logp[21:, n] - logp[:-21, n])[:, None]
    return out


class WalkForwardModel:
    """P(close in 21 trading days > today's close) per stock and day, refitted each January.

    The model used for days in calendar year Y is fitted on rows whose label was known before Y's
    first trading day (the row's day plus 21 trading days falls before it). Days before
    ``first_year`` get nan (no model).
    """

    def __init__(self, market: Market, first_year: int, last_year: int | None = None, seed: int = 0) -> None:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from threadpoolctl import threadpool_limits

        self.market = market
        features = model_features(market)
        logp = np.log(market.prices[:, : market.n])
        t_count, n = logp.shape
        labels = np.full((t_count, n), np.nan)
        labels[:-HORIZON] = (logp[HORIZON:] > logp[:-HORIZON]).astype(float)
        self.labels = labels
        self.probabilities = np.full((t_count, n), np.nan)
        years = np.array([d.year for d in market.dates])
        last_year = last_year or int(years[-1])
        valid = ~np.isnan(features).any(axis=2)
        self.fitted_years: dict[int, tuple[date, int]] = {}
        for year in range(first_year, last_year + 1):
            rows_in_year = np.flatnonzero(years == year)
            if not len(rows_in_year):
                continue
            start = rows_in_year[0]
            train = valid.copy()
            train[max(start - HORIZON, 0) :] = False
            train &= ~np.isnan(labels)
            x_train, y_train = features[train], labels[train]
            if len(y_train) < 1000 or len(np.unique(y_train)) < 2:
                continue
            model = HistGradientBoostingClassifier(
                max_iter=100, max_depth=3, learning_rate=0.1, max_bins=63, early_stopping=False, random_state=seed
            )
            with threadpool_limits(1):  # several OpenMP threads are many times slower on 2 cores
                model.fit(x_train, y_train)
            block = features[rows_in_year]
            ok = valid[rows_in_year]
            predicted = np.full(ok.shape, np.nan)
            with threadpool_limits(1):
                predicted[ok] = model.predict_proba(block[ok])[:, 1]
            self.probabilities[rows_in_year] = predicted
            last_train_day = market.dates[int(np.flatnonzero(train.any(axis=1))[-1])]
            self.fitted_years[year] = (last_train_day, len(y_train))
        self._columns = {symbol: j for j, symbol in enumerate(market.symbols)}

    def probability_of_recovery(self, symbol: str, day: date) -> float:
        return float(self.probabilities[self.market.index_of[day], self._columns[symbol]])

    def out_of_sample_auc(self, since: date | None = None) -> float:
        from sklearn.metrics import roc_auc_score

        mask = ~np.isnan(self.probabilities) & ~np.isnan(self.labels)
        if since is not None:
            mask[: self.market.first_index_on_or_after(since)] = False
        return float(roc_auc_score(self.labels[mask], self.probabilities[mask]))


# --- the simulation -------------------------------------------------------------------------------


class _Lot:
    __slots__ = ("acquired", "basis", "col", "name", "shares")

    def __init__(self, col: int, shares: float, basis: float, acquired: date, name: str) -> None:
        self.col = col
        self.shares = shares
        self.basis = basis
        self.acquired = acquired
        self.name = name


class _Sleeve:
    __slots__ = ("col", "harvest_value", "harvested", "lots", "primary_at_harvest")

    def __init__(self, col: int, lot: _Lot) -> None:
        self.col = col
        self.lots = [lot]
        self.harvested: int | None = None  # day index of the harvest while replaced
        self.harvest_value = 0.0
        self.primary_at_harvest = 0.0


@dataclass(frozen=True, slots=True)
class Realized:
    sold: date
    gain: float
    long_term: bool
    kind: str  # harvest | switch-back | liquidation
    proceeds: float


@dataclass
class SimResult:
    policy: str
    config: Config
    dates: list[date]  # the cohort's trading days
    values: np.ndarray  # pre-tax mark-to-market value at each close (after that day's trades)
    liquidation_value: float  # cash after selling everything on the last day (half-spread paid)
    realized: list[Realized]
    ledger: list[LedgerEntry]
    liquidation_rows: int  # the last ``liquidation_rows`` ledger entries are the liquidation
    harvests: int = 0
    switch_backs: int = 0
    blocked: int = 0  # harvests wanted but skipped to avoid a wash sale (no allowed replacement)
    wash_sales: int = 0  # counted by the ledger engine on the pre-liquidation trades
    first_rows: int = 0  # the first ``first_rows`` ledger entries are the cohort's purchase

    @property
    def trades(self) -> int:
        """Trades (buys and sells) between the cohort's purchase and the liquidation."""
        return len(self.ledger) - self.liquidation_rows - self.first_rows

    @property
    def years(self) -> float:
        return (self.dates[-1] - self.dates[0]).days / 365.25


class WashSaleViolation(AssertionError):
    pass


def simulate(
    market: Market,
    start: int,
    policy: Policy,
    config: Config,
    end: int | None = None,
    *,
    check_ledger: bool = True,
    reading: WashSaleReading | None = None,
) -> SimResult:
    """Run one cohort from trading-day index ``start`` to ``end`` (default: the last day).

    ``reading`` is the wash-sale reading the trades avoid and the ledger check replays them under (by
    default ``config.wash_sale_reading``, the firm's setting when the command is given ``--firm``).
    """
    reading = WashSaleReading(config.wash_sale_reading) if reading is None else reading
    end = len(market.dates) - 1 if end is None else end
    h = config.half_spread
    prices, dates, symbols, n = market.prices, market.dates, market.all_symbols, market.n
    ledger: list[LedgerEntry] = []
    realized: list[Realized] = []
    last_loss_sale: dict[int, date] = {}
    held: dict[int, list[_Lot]] = {}
    # Under the statute reading a purchase in the window counts even once sold again: every lot bought.
    bought: dict[int, list[_Lot]] = held if reading is WashSaleReading.HELD_AT_SALE else {}

    def buy(col: int, amount: float, t: int) -> _Lot:
        price = prices[t, col]
        shares = amount / (price * (1.0 + h))
        row = len(ledger) + 1
        lot = _Lot(col, shares, amount, dates[t], f"L{row}")
        ledger.append(
            LedgerEntry(
                row,
                ACCOUNT,
                symbols[col],
                Action.BUY,
                dates[t],
                _dec(shares),
                _dec(price),
                fees=_dec(shares * price * h),
                lot=lot.name,
            )
        )
        held.setdefault(col, []).append(lot)
        if bought is not held:
            bought.setdefault(col, []).append(lot)
        return lot

    def sell(lot: _Lot, t: int, kind: str) -> float:
        price = prices[t, lot.col]
        proceeds = lot.shares * price * (1.0 - h)
        gain = proceeds - lot.basis
        ledger.append(
            LedgerEntry(
                len(ledger) + 1,
                ACCOUNT,
                symbols[lot.col],
                Action.SELL,
                dates[t],
                _dec(lot.shares),
                _dec(price),
                fees=_dec(lot.shares * price * h),
                lot=lot.name,
            )
        )
        realized.append(Realized(dates[t], gain, is_long_term(lot.acquired, dates[t]), kind, proceeds))
        if gain < 0:
            last_loss_sale[lot.col] = dates[t]
        held[lot.col].remove(lot)
        return proceeds

    def loss_sale_allowed(lot: _Lot, t: int) -> bool:
        """No other lot of the symbol bought within the last 30 days (held still, under the narrower reading)."""
        today = dates[t]
        return not any(other is not lot and today - other.acquired <= WASH_WINDOW for other in bought.get(lot.col, ()))

    def buy_allowed(col: int, t: int) -> bool:
        """No loss sale of the symbol within the last 30 days (today included)."""
        last = last_loss_sale.get(col)
        return last is None or dates[t] - last > WASH_WINDOW

    # The cohort's purchase: equal weights at the first close.
    weight = config.initial_value / n
    sleeves = [_Sleeve(j, buy(j, weight, start)) for j in range(n)]
    first_rows = len(ledger)
    values = np.empty(end - start + 1)
    result = SimResult(policy.name, config, dates[start : end + 1], values, 0.0, realized, ledger, 0)
    never = isinstance(policy, NeverHarvest)

    for t in range(start, end + 1):
        if t > start and t < end and not never:
            today = dates[t]
            for sleeve in sleeves:
                if sleeve.harvested is not None:
                    _maybe_switch_back(sleeve, t, market, config, sell, buy, loss_sale_allowed, buy_allowed, result)
                    continue
                lot = sleeve.lots[0]
                value = lot.shares * prices[t, lot.col]
                if value >= lot.basis:
                    continue
                state = LotState(symbols[lot.col], 1.0 - value / lot.basis, (today - lot.acquired).days, False)
                features = Features(
                    bool(market.month_start[t]),
                    float(market.volatility[t, lot.col]),
                    float(market.median_volatility[t]),
                )
                if not policy.decide(today, state, features):
                    continue
                if not loss_sale_allowed(lot, t):
                    result.blocked += 1
                    continue
                weights = _replacement(sleeve.col, t, market, config, buy_allowed)
                if not weights:
                    result.blocked += 1
                    continue
                primary_price = prices[t, lot.col]
                proceeds = sell(lot, t, "harvest")
                sleeve.lots = [buy(col, proceeds * w, t) for col, w in weights]
                sleeve.harvested = t
                sleeve.harvest_value = sum(x.shares * prices[t, x.col] for x in sleeve.lots)
                sleeve.primary_at_harvest = primary_price
                result.harvests += 1
        values[t - start] = sum(lot.shares * prices[t, lot.col] for s in sleeves for lot in s.lots)

    before_liquidation = len(ledger)
    result.liquidation_value = sum(sell(lot, end, "liquidation") for s in sleeves for lot in list(s.lots))
    result.liquidation_rows = len(ledger) - before_liquidation
    result.first_rows = first_rows
    if check_ledger:
        _check_ledger(result, reading)
    return result


def _maybe_switch_back(sleeve, t, market, config, sell, buy, loss_sale_allowed, buy_allowed, result) -> None:
    prices, dates = market.prices, market.dates
    today = dates[t]
    h = config.half_spread
    held: list[HeldReplacement] = []
    if config.switch_back == "no-st-gain":
        # The replacement may be a basket of stocks at different prices: each lot is given as its
        # value in dollars at a price of $1, so that one call nets the gains and losses of them all.
        held = [
            HeldReplacement(_dec(lot.shares * prices[t, lot.col]), _dec(lot.basis), lot.acquired) for lot in sleeve.lots
        ]
    if (
        switch_back_blocker(
            held,
            Decimal(1),
            dates[sleeve.harvested],
            today,
            material_gain=Decimal(0),
            half_spread_bps=_dec(config.half_spread_bps),
        )
        is not None
    ):
        return
    if config.switch_back == "tracking":
        replacement_return = sum(lot.shares * prices[t, lot.col] for lot in sleeve.lots) / sleeve.harvest_value
        primary_return = prices[t, sleeve.col] / sleeve.primary_at_harvest
        if abs(replacement_return - primary_return) <= config.tracking_limit:
            return
    elif config.switch_back not in ("31days", "no-st-gain"):
        raise ValueError(f"unknown switch-back rule {config.switch_back!r}")
    if not buy_allowed(sleeve.col, t):
        return
    for lot in sleeve.lots:
        if lot.shares * prices[t, lot.col] * (1.0 - h) < lot.basis and not loss_sale_allowed(lot, t):
            return
    proceeds = sum(sell(lot, t, "switch-back") for lot in list(sleeve.lots))
    sleeve.lots = [buy(sleeve.col, proceeds, t)]
    sleeve.harvested = None
    result.switch_backs += 1


def _replacement(
    col: int, t: int, market: Market, config: Config, buy_allowed: Callable[[int, int], bool]
) -> list[tuple[int, float]]:
    """The replacement's (column, weight) pairs, or [] if none can be bought without a wash sale.

    "best" uses what works, judged walk-forward: of the index proxy, the best-correlated stock and
    the tracking basket, the one whose trailing daily returns tracked the sold stock most closely.
    """
    n = market.n
    if config.replacement == "best":
        window = market.returns[max(t - config.lookback + 1, 1) : t + 1]
        options = [
            _replacement(col, t, market, replace(config, replacement=kind), buy_allowed)
            for kind in ("index", "correlated", "basket")
        ]
        options = [option for option in options if option]
        if not options or len(window) < 2:
            return options[0] if options else []

        def tracking_error(option: list[tuple[int, float]]) -> float:
            blend = sum(window[:, j] * weight for j, weight in option)
            return float(np.std(blend - window[:, col]))

        return min(options, key=tracking_error)
    if config.replacement == "index":
        return [(n, 1.0)] if buy_allowed(n, t) else []
    candidates = [j for j in range(n) if j != col and buy_allowed(j, t)]
    if not candidates:
        return []
    window = market.returns[max(t - config.lookback + 1, 1) : t + 1]
    if len(window) < 2:
        return [(candidates[0], 1.0)]
    target = window[:, col]
    if config.replacement == "correlated":
        with np.errstate(all="ignore"):
            scores = [np.corrcoef(target, window[:, j])[0, 1] for j in candidates]
        scores = [s if np.isfinite(s) else -np.inf for s in scores]
        return [(candidates[int(np.argmax(scores))], 1.0)]
    if config.replacement == "basket":
        chosen: list[int] = []
        for _ in range(min(config.basket_size, len(candidates))):
            best, best_te = None, np.inf
            for j in candidates:
                if j in chosen:
                    continue
                te = float(np.std(window[:, [*chosen, j]].mean(axis=1) - target))
                if best is None or te < best_te:
                    best, best_te = j, te
            chosen.append(best)
        return [(j, 1.0 / len(chosen)) for j in chosen]
    raise ValueError(f"unknown replacement {config.replacement!r}; choose from {', '.join(REPLACEMENTS)}")


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _check_ledger(result: SimResult, reading: WashSaleReading = WashSaleReading.STATUTE) -> None:
    """Replay the trades before the liquidation through the ledger engine: no wash sale, same gains."""
    entries: Sequence[LedgerEntry] = result.ledger[: len(result.ledger) - result.liquidation_rows]
    replay = replay_ledger(entries, reading=reading)
    result.wash_sales = len(replay.wash_sales) + sum(1 for sale in replay.sales if sale.adjustment)
    if result.wash_sales:
        raise WashSaleViolation(f"{result.policy}: {result.wash_sales} wash sale(s) in the simulated trades")
    simulated = [r for r in result.realized if r.kind != "liquidation"]
    if len(simulated) != len(replay.sales):
        raise AssertionError("the ledger engine and the simulation disagree on the number of sales")
    for mine, sale in zip(simulated, replay.sales, strict=True):
        if abs(float(sale.gain_loss) - mine.gain) > 0.02 or sale.long_term != mine.long_term:
            raise AssertionError(f"the ledger engine and the simulation disagree on sale {sale.row}")


def cohort_start(market: Market, year: int) -> int:
    """The first trading day of ``year``."""
    index = market.first_index_on_or_after(date(year, 1, 1))
    if index >= len(market.dates) or market.dates[index].year != year:
        raise ValueError(f"no trading day in {year}")
    return index
