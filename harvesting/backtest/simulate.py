"""Simulate one household, day by day, deciding with the product's own plan.

A backtest figure is evidence about the product only if the product decided the trades. So each trading
day this module builds exactly the inputs the product's scan (``harvesting.scanning.household_scan``)
builds from its database, and calls the same pure function, ``harvesting.engine.scan.scan_household``:
- the household's open lots (one taxable account), valued at the day's closes;
- its purchases of the last 30 days (under the firm's wash-sale reading: by default the statute's, every
  purchase in the window even if sold since), and the securities it sold at a loss in the last 30 days
  (the plan must not buy them back, nor choose them as replacements);
- each held security's replacement candidates, ranked by ``harvesting.engine.replacements`` on the trailing
  400 calendar days of daily returns of every tradable security (the universe's stocks and an S&P 500
  index fund);
- the forecast model's outlook per stock (``WalkForwardForecasts``: refitted each January on rows whose
  label window ended before it, so no decision sees a later price) and the version's waiting facts;
- the replacement lots bought by harvests, with the security each replaced, for the switch-back rule;
- the client's tax value of a loss (``value_of``): by default a flat short-term and long-term rate (a client
  with ample outside gains), or any callable (the parity test passes the product's own valuer).
Then it executes the plan the way the product does: a harvest sells the lot and buys the replacement with
the proceeds; a switch-back sells the replacement lot and buys the original. Same-day order never depends
on a symbol's name: switch-backs first, then harvests in the plan's order.

Policies are the product's plan with different settings (``POLICIES``): a monthly and a daily fixed
threshold, a threshold scaled by forecast volatility, the model (scaled threshold and the expected value of
waiting), and the perfect-substitute ceiling (each stock's replacement is a twin with exactly its prices).

Money is kept as the product keeps it: shares to 8 places, prices to 6, dollars to the cent. Every trade
is also a ``LedgerEntry``, replayed by the ledger engine at the end; the run fails if the engine finds a
wash sale, if its gains differ from the simulation's, or if an independent check (written apart from the
engine: any loss sale with a purchase of the same security within 30 days before or after it, other than
the lot's own) finds one.

Simplifications (stated, deliberate):
- The 20 stocks are today's large caps, which survived 1990-2022 (survivorship): their losses were
  recovered more often than a real index's members' were, which flatters neither harvesting nor the twin
  in particular but makes the losses available smaller than in an index with failures.
- Without ``dividends`` the stocks' adjusted closes (total-return series) include dividends, and the index
  fund proxy accrues ``index_yield``; with ``dividends`` each stock is a price series (its total return less
  ``stock_yield``) that pays ``stock_yield`` / 4 each quarter, reinvested as a new lot. Dividends are not
  taxed (the same, near enough, for a policy and its twin).
- Every trade is at that day's close, paying a half-spread on the notional.
- The final liquidation is a hypothetical sale of everything on the last date.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from harvesting.backtest.data import INDEX, index_fund_proxy
from harvesting.engine import forecast
from harvesting.engine.holding import is_long_term
from harvesting.engine.lots import Action, LedgerEntry, WashSaleReading, replay_ledger
from harvesting.engine.replacements import rank_replacements
from harvesting.engine.scan import (
    Opportunity,
    Plan,
    Purchase,
    Replacement,
    ScanLot,
    ScanPolicy,
    SwitchBackLot,
    scan_household,
)
from harvesting.engine.waiting import Outlook, WaitingModel

WASH_WINDOW = timedelta(days=30)
HISTORY_DAYS = 400  # calendar days of returns behind the replacements' correlations (the product's)
ACCOUNT = "taxable"
CENT = Decimal("0.01")
SHARE = Decimal("0.00000001")
PRICE = Decimal("0.000001")
ZERO = Decimal(0)
POLICY_NAMES = ("twin", "monthly", "daily", "volscaled", "model", "ceiling")
SWITCH_BACKS = ("plan", "31days", "no-st-gain")
REPLACEMENTS = ("plan", "index")
TWIN_MARK = "~"  # a perfect substitute's symbol: the stock's, then this, then 1 or 2


@dataclass(frozen=True)
class Config:
    threshold: float = 0.10
    half_spread_bps: float = 5.0
    min_net_benefit: float = 100.0
    short_rate: float = 0.35  # the decision's tax rates (a client with ample outside gains)
    long_rate: float = 0.15
    replacement: str = "plan"  # plan: the product's ranked candidates; index: only the index fund
    switch_back: str = "plan"  # plan: 31 days and no short-term gain above the minimum benefit
    index_yield: float = 0.018
    stock_yield: float = 0.02
    dividends: bool = False
    contribution: float = 0.0  # each month's first trading day, as a share of the initial value
    initial_value: float = 1_000_000.0
    years: int = 10
    ceiling_threshold: float = 0.02
    wash_sale_reading: str = WashSaleReading.STATUTE.value

    @property
    def half_spread(self) -> Decimal:
        return Decimal(repr(self.half_spread_bps)) / Decimal(10_000)


@dataclass(frozen=True)
class PolicySpec:
    """One policy: the product's plan with these settings, scanned daily or on each month's first day."""

    name: str
    scan: ScanPolicy | None  # None: never harvests (the twin)
    monthly: bool = False
    forecast: bool = False  # give the plan the model's outlooks
    ceiling: bool = False  # replacements are perfect substitutes


def policy_spec(name: str, config: Config) -> PolicySpec:
    """The product's ``ScanPolicy`` for a named policy, at ``config``'s threshold and costs.

    A name may carry its own threshold in percent: ``model@5`` is the model policy at a 5% threshold.
    """
    kind, _, percent = name.partition("@")
    try:
        threshold = Decimal(percent) / 100 if percent else Decimal(repr(config.threshold))
    except ArithmeticError:
        raise ValueError(f"not a threshold in percent: {name!r}") from None
    base = ScanPolicy(
        min_net_benefit=Decimal(repr(config.min_net_benefit)),
        min_loss_fraction=threshold,
        half_spread_bps=Decimal(repr(config.half_spread_bps)),
        wait_for_forecast=False,
        volatility_scaled=False,
        material_gain=_material_gain(config),
    )
    if kind == "twin":
        return PolicySpec(name, None)
    if kind == "monthly":
        return PolicySpec(name, base, monthly=True)
    if kind == "daily":
        return PolicySpec(name, base)
    if kind == "volscaled":
        return PolicySpec(name, _with(base, volatility_scaled=True), forecast=True)
    if kind == "model":
        return PolicySpec(name, _with(base, volatility_scaled=True, wait_for_forecast=True), forecast=True)
    if kind == "ceiling":
        floor = Decimal(repr(config.ceiling_threshold))
        return PolicySpec(name, _with(base, min_loss_fraction=floor, tracking_risk_charge=ZERO), ceiling=True)
    raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICY_NAMES)}")


def _with(policy: ScanPolicy, **changes: Any) -> ScanPolicy:
    return replace(policy, **changes)


def _material_gain(config: Config) -> Decimal | None:
    if config.switch_back == "plan":
        return None
    if config.switch_back == "31days":
        return Decimal("1e12")
    if config.switch_back == "no-st-gain":
        return ZERO
    raise ValueError(f"unknown switch-back rule {config.switch_back!r}; choose from {', '.join(SWITCH_BACKS)}")


# --- market ---------------------------------------------------------------------------------------


@dataclass
class Market:
    """Closes on trading days: one column per stock, then the index fund (``INDEX``).

    ``prices`` are what a lot is bought and sold at and valued with; ``dividend_rates`` (same shape) the
    cash a share pays on a day, as a fraction of its price (zero without dividends).
    """

    dates: list[date]
    symbols: list[str]  # the stocks
    prices: np.ndarray  # T x (n + 1)
    dividend_rates: np.ndarray | None = None
    returns: np.ndarray = field(init=False)
    month_start: np.ndarray = field(init=False)
    # The day's replacement rankings, shared by every policy and cohort run on this market.
    rankings: dict[tuple[Any, ...], dict[str, tuple[Replacement, ...]]] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.prices = np.round(self.prices.astype(float), 6)
        self.returns = np.zeros_like(self.prices)
        self.returns[1:] = self.prices[1:] / self.prices[:-1] - 1.0
        months = np.array([d.year * 12 + d.month for d in self.dates])
        self.month_start = np.ones(len(self.dates), dtype=bool)
        self.month_start[1:] = months[1:] != months[:-1]
        self.index_of = {d: i for i, d in enumerate(self.dates)}
        self.column = {symbol: j for j, symbol in enumerate(self.all_symbols)}
        if self.dividend_rates is None:
            self.dividend_rates = np.zeros_like(self.prices)

    @property
    def n(self) -> int:
        return len(self.symbols)

    @property
    def all_symbols(self) -> list[str]:
        return [*self.symbols, INDEX]

    @classmethod
    def from_frames(
        cls,
        stocks: pd.DataFrame,
        index: pd.Series,
        index_yield: float = 0.018,
        *,
        dividends: bool = False,
        stock_yield: float = 0.02,
    ) -> Market:
        """Stocks (total-return closes) and the S&P 500 price index on common dates.

        Without ``dividends`` the index fund accrues ``index_yield`` in its price. With them, every column
        is a price series paying its yield each quarter (the first trading day of March, June, September
        and December): the stocks' total return less ``stock_yield``, the index as it is plus ``index_yield``.
        """
        days = np.asarray((stocks.index - stocks.index[0]).days, dtype=float)
        if dividends:
            accrual = np.power(1.0 + stock_yield, days / 365.25)
            stock_prices = stocks.to_numpy(dtype=float) / accrual[:, None]
            fund = index.to_numpy(dtype=float)
        else:
            stock_prices = stocks.to_numpy(dtype=float)
            fund = index_fund_proxy(index, index_yield).to_numpy(dtype=float)
        prices = np.column_stack([stock_prices, fund])
        dates = [ts.date() for ts in stocks.index]
        rates = None
        if dividends:
            rates = np.zeros_like(prices)
            quarter = np.array([d.month in (3, 6, 9, 12) for d in dates])
            first = np.ones(len(dates), dtype=bool)
            first[1:] = np.array([a.month != b.month for a, b in zip(dates[1:], dates[:-1], strict=True)])
            paying = quarter & first
            rates[paying, : stocks.shape[1]] = stock_yield / 4
            rates[paying, stocks.shape[1]] = index_yield / 4
        return cls(dates=dates, symbols=[str(s) for s in stocks.columns], prices=prices, dividend_rates=rates)

    def first_index_on_or_after(self, day: date) -> int:
        return bisect_left(self.dates, day)

    def price(self, t: int, symbol: str) -> Decimal:
        """The close as the product stores it (6 places); a perfect substitute trades at its stock's."""
        return Decimal(f"{self.prices[t, self.column[_underlying(symbol)]]:.6f}")


def _underlying(symbol: str) -> str:
    return symbol.split(TWIN_MARK)[0]


# --- the walk-forward forecasts -------------------------------------------------------------------


class WalkForwardForecasts:
    """The forecast model's outlook per stock and day, refitted each January as the product retrains.

    The model used in calendar year Y is ``forecast.train`` on rows whose 21-day label window ended before
    Y's first trading day (from ``train_from``), i.e. a version like the product's with a one-year test
    period. Its stored out-of-sample predictions are the year's, so the record of every version (and of all
    of them together) is recomputable from ``predictions``.
    """

    def __init__(
        self,
        stocks: pd.DataFrame,
        index: pd.Series,
        first_year: int,
        last_year: int | None = None,
        *,
        fund_yield: float | None = 0.018,
        train_from: str = "1991-01-01",
        seed: int = 0,
    ) -> None:
        stocks = stocks.sort_index()
        market = index.reindex(stocks.index)
        rows = forecast.labelled_rows(stocks, market)
        # The product forecasts every security it has closes for, the index fund too (it is not trained on):
        # so does the backtest, with the fund's prices as its Market holds them (``fund_yield`` 0: the index).
        scored = stocks
        if fund_yield is not None:
            scored = stocks.assign(**{INDEX: index_fund_proxy(market, fund_yield)})
        self.symbols = [str(s) for s in scored.columns]
        self.dates = [ts.date() for ts in stocks.index]
        shape = (len(self.dates), len(self.symbols))
        self.probability = np.full(shape, np.nan)
        self.volatility = np.full(shape, np.nan)
        self.facts: dict[int, WaitingModel] = {}
        self.records: dict[int, dict[str, Any]] = {}
        predictions: list[pd.DataFrame] = []
        years = np.array([d.year for d in self.dates])
        last_year = last_year or int(years[-1])
        panel = forecast.feature_panel(scored, market)
        matrix = np.stack([panel[name].to_numpy(dtype=float) for name in forecast.FEATURES], axis=2)
        for year in range(first_year, last_year + 1):
            in_year = np.flatnonzero(years == year)
            if not len(in_year):
                continue
            start = stocks.index[in_year[0]]
            end = stocks.index[in_year[-1]]
            try:
                model, predicted = forecast.train(
                    stocks, market, start, start, end, seed, train_start=train_from, labelled=rows
                )
            except ValueError:
                continue  # no labelled test rows this late in the data: forecast with last year's model below
            block = matrix[in_year]
            usable = ~np.isnan(block).any(axis=2)
            p = np.full(usable.shape, np.nan)
            v = np.full(usable.shape, np.nan)
            if usable.any():
                p[usable], v[usable] = forecast.forecast_matrix(model, block[usable])
            self.probability[in_year], self.volatility[in_year] = p, v
            facts = model.facts
            self.facts[year] = WaitingModel(facts.depth, facts.deepening, facts.recovery, facts.reference_volatility)
            self.records[year] = {
                "version": f"walk-forward-{year}",
                "trained": [model.train_from.isoformat(), model.train_to.isoformat()],
                **{k: v for k, v in model.metrics.items() if k != "calibration"},
                "facts": asdict(facts),
            }
            predictions.append(predicted.assign(version=f"walk-forward-{year}"))
        self.predictions = pd.concat(predictions, ignore_index=True) if predictions else pd.DataFrame()
        self._index_of = {d: i for i, d in enumerate(self.dates)}
        self._column = {s: j for j, s in enumerate(self.symbols)}

    def outlooks(self, day: date, symbols: Sequence[str]) -> dict[str, Outlook]:
        """The outlook of each of ``symbols`` (stocks) on ``day`` that has one."""
        t = self._index_of.get(day)
        if t is None or day.year not in self.facts:
            return {}
        found: dict[str, Outlook] = {}
        for symbol in symbols:
            j = self._column.get(symbol)
            if j is None or np.isnan(self.probability[t, j]):
                continue
            found[symbol] = Outlook(
                float(self.probability[t, j]), float(self.volatility[t, j]), f"walk-forward-{day.year}"
            )
        return found

    def waiting(self, day: date) -> WaitingModel | None:
        return self.facts.get(day.year)

    def renamed(self, names: Mapping[str, str]) -> WalkForwardForecasts:
        """The same forecasts under other symbols (the permutation test)."""
        copy = object.__new__(WalkForwardForecasts)
        copy.__dict__.update(self.__dict__)
        copy.symbols = [names.get(s, s) for s in self.symbols]
        copy._column = {s: j for j, s in enumerate(copy.symbols)}
        return copy


# --- the household --------------------------------------------------------------------------------


@dataclass
class Lot:
    ref: int
    symbol: str
    name: str
    shares: Decimal
    basis: Decimal
    acquired: date


@dataclass(frozen=True, slots=True)
class Realized:
    sold: date
    gain: float
    long_term: bool
    kind: str  # harvest | switch-back | liquidation
    proceeds: float
    symbol: str = ""
    lot: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """What the plan decided for one lot on one day (the parity test compares these with the product's)."""

    day: date
    lot: str
    symbol: str
    action: str
    replacement: str | None


@dataclass
class SimResult:
    policy: str
    config: Config
    dates: list[date]
    values: np.ndarray  # mark-to-market value at each close, after that day's trades and flows
    growth: np.ndarray  # the time-weighted value of $1 invested at the start (flows excluded)
    flows: list[tuple[date, float]]  # money put in: the start, contributions
    liquidation_value: float
    realized: list[Realized]
    ledger: list[LedgerEntry]
    liquidation_rows: int = 0
    harvests: int = 0
    switch_backs: int = 0
    waits: int = 0  # lot-days the plan chose to wait
    blocked: int = 0  # lot-days a loss past the threshold was blocked by the wash-sale rule
    wash_sales: int = 0
    decisions: list[Decision] = field(default_factory=list)

    @property
    def orders(self) -> int:
        """Orders the plan placed (a harvest or a switch-back is two: a sale and a purchase)."""
        return 2 * (self.harvests + self.switch_backs)

    @property
    def years(self) -> float:
        return (self.dates[-1] - self.dates[0]).days / 365.25


class WashSaleViolation(AssertionError):
    pass


def flat_rates(short: float, long: float) -> Callable[[int, Decimal, Decimal], Callable[[Decimal, Decimal], Decimal]]:
    """Tax value at flat rates, either sign of the year's realized gains (ample outside gains)."""
    short_rate, long_rate = Decimal(repr(short)), Decimal(repr(long))

    def for_year(year: int, realized_st: Decimal, realized_lt: Decimal) -> Callable[[Decimal, Decimal], Decimal]:
        def value_of(st: Decimal, lt: Decimal) -> Decimal:
            return (st * short_rate + lt * long_rate).quantize(CENT, ROUND_HALF_UP)

        return value_of

    return for_year


ValueOf = Callable[[int, Decimal, Decimal], Callable[[Decimal, Decimal], Decimal]]


def simulate(
    market: Market,
    start: int,
    spec: PolicySpec,
    config: Config,
    end: int | None = None,
    *,
    forecasts: WalkForwardForecasts | None = None,
    value_of: ValueOf | None = None,
    check_ledger: bool = True,
    record_decisions: bool = False,
    observe: Callable[[int, Household], None] | None = None,
) -> SimResult:
    """Run one cohort from trading-day index ``start`` to ``end`` (default: ``config.years`` later)."""
    if end is None:
        end = min(market.first_index_on_or_after(_years_after(market.dates[start], config.years)), len(market.dates))
        end -= 1
    household = Household(market, config, spec, value_of or flat_rates(config.short_rate, config.long_rate))
    household.record_decisions = record_decisions
    return household.run(start, end, forecasts, check_ledger, observe)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class Household:
    """One taxable account, its lots, its trades and the records the product's scan reads."""

    def __init__(self, market: Market, config: Config, spec: PolicySpec, value_of: ValueOf) -> None:
        self.market = market
        self.config = config
        self.spec = spec
        self.value_of = value_of
        self.reading = WashSaleReading(config.wash_sale_reading)
        self.lots: list[Lot] = []
        self.ledger: list[LedgerEntry] = []
        self.realized: list[Realized] = []
        self.purchases: list[Purchase] = []  # every purchase, with its lot's name
        self.loss_sales: list[tuple[date, str]] = []
        self.replaced: dict[str, tuple[str, date]] = {}  # replacement lot name -> (original symbol, harvest day)
        self.replaced_by: dict[str, str] = {}  # original symbol -> what its harvest bought
        self.cash = ZERO
        self.result_counts = {"harvests": 0, "switch_backs": 0, "waits": 0, "blocked": 0}
        self.decisions: list[Decision] = []
        self.record_decisions = False
        self._next_ref = 0
        self.symbols = list(market.symbols)
        if spec.ceiling:
            self.symbols += [f"{s}{TWIN_MARK}{k}" for s in market.symbols for k in (1, 2)]
        self.tradable = [*self.symbols, INDEX]

    # -- trades ------------------------------------------------------------------------------------

    def buy(self, symbol: str, amount: Decimal, t: int) -> Lot | None:
        price = self.market.price(t, symbol)
        h = self.config.half_spread
        shares = (amount / (price * (1 + h))).quantize(SHARE, ROUND_DOWN)
        if shares <= 0:
            self.cash += amount
            return None
        fees = (shares * price * h).quantize(CENT, ROUND_HALF_UP)
        basis = (shares * price + fees).quantize(CENT, ROUND_HALF_UP)
        self._next_ref += 1
        lot = Lot(self._next_ref, symbol, f"L{self._next_ref}", shares, basis, self.market.dates[t])
        self.ledger.append(
            LedgerEntry(len(self.ledger) + 1, ACCOUNT, symbol, Action.BUY, lot.acquired, shares, price, fees, lot.name)
        )
        self.purchases.append(Purchase(symbol, ACCOUNT, lot.acquired, shares, lot=lot.name))
        self.lots.append(lot)
        self.cash += amount - basis
        return lot

    def sell(self, lot: Lot, t: int, kind: str) -> Decimal:
        price = self.market.price(t, lot.symbol)
        fees = (lot.shares * price * self.config.half_spread).quantize(CENT, ROUND_HALF_UP)
        proceeds = (lot.shares * price - fees).quantize(CENT, ROUND_HALF_UP)
        day = self.market.dates[t]
        self.ledger.append(
            LedgerEntry(len(self.ledger) + 1, ACCOUNT, lot.symbol, Action.SELL, day, lot.shares, price, fees, lot.name)
        )
        gain = proceeds - lot.basis
        self.realized.append(
            Realized(day, float(gain), is_long_term(lot.acquired, day), kind, float(proceeds), lot.symbol, lot.name)
        )
        if gain < 0:
            self.loss_sales.append((day, lot.symbol))
        self.lots.remove(lot)
        self.replaced.pop(lot.name, None)
        return proceeds

    # -- what the product's scan reads -------------------------------------------------------------

    def recent_losses(self, day: date) -> set[str]:
        return {symbol for sold, symbol in self.loss_sales if day - WASH_WINDOW <= sold <= day}

    def recent_purchases(self, day: date) -> list[Purchase]:
        made = [p for p in self.purchases if day - WASH_WINDOW <= p.on <= day]
        if self.reading is WashSaleReading.HELD_AT_SALE:
            held = {lot.name for lot in self.lots}
            made = [p for p in made if p.lot in held]
        return made

    def scan_lots(self) -> list[ScanLot]:
        return [
            ScanLot(lot.ref, ACCOUNT, False, lot.symbol, lot.name, lot.shares, lot.basis, lot.acquired, lot.acquired)
            for lot in self.lots
        ]

    def switch_back_lots(self, scan_lots: Mapping[str, ScanLot]) -> list[SwitchBackLot]:
        return [
            SwitchBackLot(scan_lots[name], original, harvested)
            for name, (original, harvested) in self.replaced.items()
            if name in scan_lots
        ]

    def replacements(self, t: int, recent_losses: set[str]) -> Mapping[str, tuple[Replacement, ...]]:
        if self.spec.ceiling:
            return _PerfectSubstitutes(self.market.symbols)
        if self.config.replacement == "index":
            return _IndexOnly(recent_losses)
        return _RankedReplacements(self.market, t, self.tradable, recent_losses)

    # -- the day -----------------------------------------------------------------------------------

    def realized_this_year(self, year: int) -> tuple[Decimal, Decimal]:
        st = lt = ZERO
        for r in self.realized:
            if r.sold.year == year and r.kind != "liquidation":
                if r.long_term:
                    lt += Decimal(repr(r.gain))
                else:
                    st += Decimal(repr(r.gain))
        return st.quantize(CENT), lt.quantize(CENT)

    def plan(self, t: int, forecasts: WalkForwardForecasts | None) -> list[Opportunity]:
        """The product's plan for this household today."""
        market, spec = self.market, self.spec
        assert spec.scan is not None
        day = market.dates[t]
        scan_lots = self.scan_lots()
        by_name = {lot.lot: lot for lot in scan_lots}
        harvest_today = not spec.monthly or bool(market.month_start[t])
        recent = self.recent_losses(day)
        plan = Plan()
        for symbol in sorted(recent):
            plan.sold_at_a_loss.setdefault(symbol, f"{symbol} sold at a loss in the last 30 days")
        outlooks = waiting = None
        if spec.forecast and forecasts is not None:
            outlooks = forecasts.outlooks(day, sorted({lot.symbol for lot in scan_lots}))
            waiting = forecasts.waiting(day)
        st, lt = self.realized_this_year(day.year)
        prices = {symbol: market.price(t, symbol) for symbol in {lot.symbol for lot in scan_lots}}
        return scan_household(
            scan_lots if harvest_today else [],
            prices,
            day,
            self.recent_purchases(day),
            self.value_of(day.year, st, lt),
            self.replacements(t, recent),
            spec.scan,
            outlooks or None,
            None,
            [] if spec.ceiling else self.switch_back_lots(by_name),
            plan,
            waiting,
        )

    def execute(self, t: int, found: Sequence[Opportunity]) -> None:
        """Trade the plan as the product does: switch-backs and harvests, each a sale and a purchase."""
        by_ref = {lot.ref: lot for lot in self.lots}
        day = self.market.dates[t]
        for o in found:
            if self.record_decisions:
                self.decisions.append(
                    Decision(day, o.lot.lot, o.lot.symbol, o.action, o.replacement.symbol if o.replacement else None)
                )
            if o.action == "wait":
                self.result_counts["waits"] += 1
            elif o.action == "blocked":
                self.result_counts["blocked"] += 1
            if o.action not in ("harvest", "switch back") or o.replacement is None:
                continue
            lot = by_ref[o.lot.ref]
            if o.action == "switch back":
                proceeds = self.sell(lot, t, "switch-back")
                self.buy(o.replacement.symbol, proceeds, t)
                self.replaced_by.pop(o.replacement.symbol, None)
                self.result_counts["switch_backs"] += 1
            else:
                proceeds = self.sell(lot, t, "harvest")
                bought = self.buy(o.replacement.symbol, proceeds, t)
                if bought is not None and not self.spec.ceiling:
                    self.replaced[bought.name] = (lot.symbol, day)
                    self.replaced_by[lot.symbol] = o.replacement.symbol
                self.result_counts["harvests"] += 1

    def invest(self, t: int, amount: Decimal, into: str) -> None:
        """Put new money into ``into``, or, if buying it now would wash a recent loss, into what replaced it."""
        day = self.market.dates[t]
        recent = self.recent_losses(day)
        for candidate in (into, self.replaced_by.get(into), INDEX):
            if candidate is not None and candidate not in recent:
                self.buy(candidate, amount, t)
                return
        self.cash += amount  # nothing can be bought without a wash sale today: wait in cash

    def value(self, t: int) -> float:
        prices = self.market.prices[t]
        column = self.market.column
        return float(self.cash) + sum(
            float(lot.shares) * float(prices[column[_underlying(lot.symbol)]]) for lot in self.lots
        )

    def run(
        self,
        start: int,
        end: int,
        forecasts: WalkForwardForecasts | None,
        check_ledger: bool,
        observe: Callable[[int, Household], None] | None,
    ) -> SimResult:
        market, config = self.market, self.config
        initial = Decimal(repr(config.initial_value))
        weight = (initial / market.n).quantize(CENT, ROUND_DOWN)
        self.cash = initial - weight * market.n
        for symbol in market.symbols:
            self.buy(symbol, weight, start)
        flows: list[tuple[date, float]] = [(market.dates[start], config.initial_value)]
        values = np.empty(end - start + 1)
        growth = np.empty(end - start + 1)
        values[0] = self.value(start)
        growth[0] = 1.0
        contribution = Decimal(repr(config.initial_value * config.contribution)).quantize(CENT)
        rates = market.dividend_rates
        assert rates is not None
        for t in range(start + 1, end + 1):
            added = 0.0
            if t < end:
                if self.spec.scan is not None:
                    if observe is not None:
                        observe(t, self)
                    self.execute(t, self.plan(t, forecasts))
                self._dividends(t, rates[t])
                if contribution and market.month_start[t]:
                    self.cash += contribution
                    share = (contribution / market.n).quantize(CENT, ROUND_DOWN)
                    for symbol in market.symbols:
                        self.cash -= share
                        self.invest(t, share, symbol)
                    flows.append((market.dates[t], float(contribution)))
                    added = float(contribution)
                self._invest_cash(t)
            values[t - start] = self.value(t)
            # Time-weighted: the day's return on what was there, new money excluded.
            growth[t - start] = growth[t - start - 1] * (values[t - start] - added) / values[t - start - 1]
        liquidation_start = len(self.ledger)
        liquidation = sum((self.sell(lot, end, "liquidation") for lot in list(self.lots)), ZERO) + self.cash
        result = SimResult(
            self.spec.name,
            config,
            market.dates[start : end + 1],
            values,
            growth,
            flows,
            float(liquidation),
            self.realized,
            self.ledger,
            len(self.ledger) - liquidation_start,
            self.result_counts["harvests"],
            self.result_counts["switch_backs"],
            self.result_counts["waits"],
            self.result_counts["blocked"],
            decisions=self.decisions,
        )
        if check_ledger:
            check_wash_sales(result, self.reading)
        return result

    def _dividends(self, t: int, rates: np.ndarray) -> None:
        """Pay the day's dividends and reinvest each as a new lot of what paid it (a purchase, as a DRIP is)."""
        if not rates.any():
            return
        column = self.market.column
        by_symbol: dict[str, Decimal] = {}
        for lot in self.lots:
            rate = rates[column[_underlying(lot.symbol)]]
            if rate:
                amount = (lot.shares * self.market.price(t, lot.symbol) * Decimal(repr(float(rate)))).quantize(CENT)
                by_symbol[lot.symbol] = by_symbol.get(lot.symbol, ZERO) + amount
        for symbol in sorted(by_symbol, key=lambda s: -by_symbol[s]):
            self.invest(t, by_symbol[symbol], symbol)

    def _invest_cash(self, t: int) -> None:
        """Cash left waiting (a blocked contribution) goes into the index fund once it can."""
        if self.cash >= 100 and INDEX not in self.recent_losses(self.market.dates[t]):
            amount, self.cash = self.cash, ZERO
            self.buy(INDEX, amount, t)


class _RankedReplacements(Mapping[str, tuple[Replacement, ...]]):
    """The product's ranked replacement candidates, computed when the plan asks (most days it does not).

    The ranking of one day depends only on the day's window of returns and what was sold at a loss in the
    last 30 days, so it is computed once for every tradable symbol and shared by every policy and cohort
    of the market (``Market.rankings``).
    """

    def __init__(self, market: Market, t: int, tradable: Sequence[str], recent_losses: set[str]) -> None:
        self.market, self.t, self.recent = market, t, recent_losses
        self.symbols = sorted(tradable)
        self._ranked: dict[str, tuple[Replacement, ...]] | None = None

    def _rank(self) -> dict[str, tuple[Replacement, ...]]:
        if self._ranked is None:
            key = (self.t, tuple(self.symbols), frozenset(self.recent))
            cache = self.market.rankings
            ranked = cache.get(key)
            if ranked is None:
                market, t = self.market, self.t
                first = market.first_index_on_or_after(market.dates[t] - timedelta(days=HISTORY_DAYS))
                columns = [market.column[s] for s in self.symbols]
                closes = market.prices[first : t + 1][:, columns]
                returns = closes[1:] / closes[:-1] - 1.0
                held = set(self.symbols)
                ranked = rank_replacements(returns, self.symbols, held, held, {}, self.recent, {})
                if len(cache) > 20_000:
                    cache.clear()
                cache[key] = ranked
            self._ranked = ranked
        return self._ranked

    def __getitem__(self, symbol: str) -> tuple[Replacement, ...]:
        return self._rank().get(symbol, ())

    def get(self, symbol: str, default: Any = None) -> Any:
        return self._rank().get(symbol, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.symbols)

    def __len__(self) -> int:
        return len(self.symbols)


class _IndexOnly(Mapping[str, tuple[Replacement, ...]]):
    def __init__(self, recent_losses: set[str]) -> None:
        self.allowed = INDEX not in recent_losses

    def __getitem__(self, symbol: str) -> tuple[Replacement, ...]:
        if symbol == INDEX or not self.allowed:
            return ()
        return (Replacement(INDEX, 0.0, 0.0, "index"),)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class _PerfectSubstitutes(Mapping[str, tuple[Replacement, ...]]):
    """The ceiling: each stock and its two twins (exactly its prices, not identical) replace one another."""

    def __init__(self, stocks: Sequence[str]) -> None:
        self.stocks = stocks

    def __getitem__(self, symbol: str) -> tuple[Replacement, ...]:
        base = _underlying(symbol)
        if base == INDEX:
            return ()
        ring = [base, f"{base}{TWIN_MARK}1", f"{base}{TWIN_MARK}2"]
        i = ring.index(symbol)
        return tuple(Replacement(ring[(i + k) % 3], 1.0, 0.0, "perfect substitute") for k in (1, 2))

    def __iter__(self) -> Iterator[str]:
        return iter(self.stocks)

    def __len__(self) -> int:
        return len(self.stocks)


# --- checks ---------------------------------------------------------------------------------------


def check_wash_sales(result: SimResult, reading: WashSaleReading = WashSaleReading.STATUTE) -> None:
    """Replay the trades before the liquidation through the ledger engine, and check them independently."""
    entries: Sequence[LedgerEntry] = result.ledger[: len(result.ledger) - result.liquidation_rows]
    replay = replay_ledger(entries, reading=reading)
    engine = len(replay.wash_sales) + sum(1 for sale in replay.sales if sale.adjustment)
    independent = independent_wash_sales(entries, reading)
    result.wash_sales = engine + len(independent)
    if result.wash_sales:
        raise WashSaleViolation(
            f"{result.policy}: {engine} wash sale(s) by the ledger engine, {len(independent)} by the independent "
            f"check: {independent[:3]}"
        )
    simulated = [r for r in result.realized if r.kind != "liquidation"]
    if len(simulated) != len(replay.sales):
        raise AssertionError("the ledger engine and the simulation disagree on the number of sales")
    for mine, sale in zip(simulated, replay.sales, strict=True):
        if abs(float(sale.gain_loss) - mine.gain) > 0.005 or sale.long_term != mine.long_term:
            raise AssertionError(f"the ledger engine and the simulation disagree on sale {sale.row}")


def independent_wash_sales(
    entries: Sequence[LedgerEntry], reading: WashSaleReading = WashSaleReading.STATUTE
) -> list[str]:
    """Loss sales with a purchase of the same security within 30 days before or after, other than the lot's own.

    Written apart from the ledger engine, from the statute's words only: a loss sale washes when
    substantially identical shares are acquired within 30 days before or after it. Under the narrower
    reading a purchase before the sale counts only while its shares are still held at the sale.
    """
    bought: dict[str, list[LedgerEntry]] = {}
    basis: dict[str, Decimal] = {}
    sold_on: dict[str, date] = {}
    for entry in entries:
        if entry.action is Action.BUY:
            bought.setdefault(entry.symbol, []).append(entry)
            basis[entry.lot] = (entry.quantity * entry.price + entry.fees).quantize(CENT, ROUND_HALF_UP)
        else:
            sold_on[entry.lot] = entry.trade_date
    found: list[str] = []
    for entry in entries:
        if entry.action is not Action.SELL:
            continue
        proceeds = (entry.quantity * entry.price - entry.fees).quantize(CENT, ROUND_HALF_UP)
        if proceeds >= basis[entry.lot]:
            continue
        for purchase in bought.get(entry.symbol, ()):
            if purchase.lot == entry.lot or abs((purchase.trade_date - entry.trade_date).days) > 30:
                continue
            if (
                reading is WashSaleReading.HELD_AT_SALE
                and purchase.trade_date <= entry.trade_date
                and sold_on.get(purchase.lot, date.max) < entry.trade_date
            ):
                continue
            found.append(f"{entry.symbol} {entry.lot} sold {entry.trade_date} at a loss; bought {purchase.trade_date}")
            break
    return found


def cohort_start(market: Market, year: int, month: int = 1) -> int:
    """The first trading day of ``month`` of ``year``."""
    index = market.first_index_on_or_after(date(year, month, 1))
    if index >= len(market.dates) or (market.dates[index].year, market.dates[index].month) != (year, month):
        raise ValueError(f"no trading day in {year}-{month:02d}")
    return index
