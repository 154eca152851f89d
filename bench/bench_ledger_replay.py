"""Benchmark ``replay_ledger`` on many realistic households, in parallel, and report throughput and memory.

Why: the issue asks that replaying 10,000 households of 200 transactions each (2,000,000
transactions with frequent wash sales) run at >= 200,000 transactions per second on a 2-core
machine in under 1 GB of memory. This script measures exactly that, so the figure can be tracked
while ``harvesting/engine/lots.py`` is optimized.

How it measures:

- Each worker process generates its own households (household ``h`` goes to worker
  ``h % workers``), each from its own ``random.Random`` seeded by ``(seed, h)``, so the ledgers and
  the totals do not depend on the worker count, and no entry crosses a process boundary.
- Every worker generates all its ledgers first, then waits on a ``multiprocessing.Barrier`` shared
  with the parent. The replay phase is the wall-clock time from the barrier's release (in the
  parent) to the arrival of the last worker's result: total transactions over that time is the
  "transactions per second" printed. Each worker also reports its own replay seconds (its
  single-core rate), the part of them spent inside ``replay_ledger``, and its CPU seconds: CPU
  seconds well below the wall seconds mean another process took the cores, and the run is flagged.
- The replay is repeated ``--rounds`` times (default 3) on the same ledgers and the median rate is
  the headline: the 2 vCPUs of this host run at a speed that drifts by tens of percent from one
  minute to the next. Each worker times a fixed pure-Python loop before every round (the
  "reference loop") to show that drift. Every round must produce the same totals.
- After generation each worker freezes its heap (``gc.freeze()``; disable with ``--no-gc-freeze``)
  so the cyclic garbage collector does not keep scanning the million pre-generated entries that a
  production worker, which replays one household at a time, would never hold.
- Peak memory is ``ru_maxrss`` of each worker (after generation and at the end), of the parent,
  and ``RUSAGE_CHILDREN`` (the largest child) in the parent. Note that a worker's peak includes its
  pre-generated ledgers, which the replay itself does not need.

Ledgers are valid by construction: the generator keeps its own lots per account and symbol and
names unnamed lots as the engine does; in FIFO accounts it relieves them as the engine does, so a
sell naming a lot names one that is open; HIFO accounts (whose order depends on wash-sale
adjustments) never name a lot, so there only the total held matters. A sell never exceeds what is
held. ``replay_ledger`` is called without a ``problems`` list, so any
inconsistency raises instead of silently skipping entries.

Usage::

    .venv/bin/python bench/bench_ledger_replay.py                     # 10,000 x 200 on os.cpu_count() workers
    .venv/bin/python bench/bench_ledger_replay.py --households 1000   # quick iteration
    .venv/bin/python bench/bench_ledger_replay.py --profile           # 300 households under cProfile

``--profile`` replays in this process, once without and once under ``cProfile`` (generation
excluded), and prints the top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import heapq
import math
import os
import random
import statistics
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harvesting.engine.lots
from bench import _harness
from harvesting.engine.lots import Action, LedgerEntry, ReliefMethod, Replay, replay_ledger

# Rough prices at the start of 2020, so that share counts and dollar amounts look real.
START_PRICES: dict[str, float] = {
    "AAPL": 75.0,
    "AMD": 49.0,
    "BAC": 35.0,
    "BBY": 88.0,
    "CVX": 120.0,
    "GE": 70.0,
    "HD": 218.0,
    "JNJ": 146.0,
    "JPM": 139.0,
    "KO": 54.0,
    "LLY": 132.0,
    "MRK": 91.0,
    "MSFT": 160.0,
    "PEP": 136.0,
    "PFE": 37.0,
    "PG": 124.0,
    "RRC": 5.0,
    "UNH": 292.0,
    "WMT": 119.0,
    "XOM": 70.0,
}
SYMBOLS: tuple[str, ...] = tuple(START_PRICES)

FIRST_DAY = date(2020, 1, 2)
LEDGER_TRADING_DAYS = 756  # ~3 years of trading days
MARKET_TRADING_DAYS = LEDGER_TRADING_DAYS + 80  # room for late starts and re-buys past the end
WASH_WINDOW_TRADING_DAYS = 20  # 20 weekdays are at most 28 calendar days; 23 are at least 31
ZERO = Decimal(0)
SMALL_FEES = (Decimal("4.95"), Decimal("0.65"), Decimal("1.00"), Decimal("6.95"))

# Target mix of actions drawn at random; loss sales add re-buys on top, which are buys.
P_SELL = 0.35
P_REINVEST = 0.17


# --- market ---------------------------------------------------------------------------------------


class Market:
    """Daily closes per symbol: a seeded random walk with a common factor (up, up, then a bear year)."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"market:{seed}")
        self.days: list[date] = []
        day = FIRST_DAY
        while len(self.days) < MARKET_TRADING_DAYS:
            if day.weekday() < 5:
                self.days.append(day)
            day += timedelta(days=1)
        factor = []
        for i in range(MARKET_TRADING_DAYS):
            drift = 0.0007 if i < 504 else -0.0009
            factor.append(rng.gauss(drift, 0.011))
        self.closes: dict[str, list[float]] = {}
        for symbol, start in START_PRICES.items():
            beta = rng.uniform(0.6, 1.4)
            own = rng.uniform(0.008, 0.022)
            log_price = math.log(start)
            closes = []
            for i in range(MARKET_TRADING_DAYS):
                log_price += beta * factor[i] + rng.gauss(0.0, own)
                closes.append(math.exp(log_price))
            self.closes[symbol] = closes
        self._cents: dict[int, Decimal] = {}

    def price(self, rng: random.Random, symbol: str, day: int) -> Decimal:
        """A fill price on trading day ``day``: the close moved by intraday noise, to the cent."""
        cents = max(1, round(self.closes[symbol][day] * (1.0 + rng.gauss(0.0, 0.006)) * 100))
        price = self._cents.get(cents)
        if price is None:
            price = self._cents[cents] = Decimal(cents).scaleb(-2)
        return price


# --- households -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Household:
    entries: list[LedgerEntry]
    relief_methods: dict[str, ReliefMethod]
    tax_deferred: tuple[str, ...]


@dataclass(slots=True)
class _GenLot:
    name: str
    quantity: Decimal
    price: Decimal


@dataclass(slots=True)
class _GenPosition:
    """The generator's own view of one account's holding of one symbol."""

    hifo: bool
    lots: list[_GenLot] = field(default_factory=list)
    names_used: set[str] = field(default_factory=set)

    def held(self) -> Decimal:
        return sum((lot.quantity for lot in self.lots), ZERO)

    def average_price(self) -> Decimal:
        held = self.held()
        return sum((lot.quantity * lot.price for lot in self.lots), ZERO) / held

    def next_lot_name(self, acquired: date) -> str:
        """The name ``replay_ledger`` gives an unnamed lot, so that later sells can name it."""
        stem = acquired.isoformat()
        name, n = stem, 1
        while name in self.names_used:
            n += 1
            name = f"{stem}-{n}"
        return name


class _HouseholdGenerator:
    """Draws one household's ledger; see ``generate_household``."""

    def __init__(self, seed: int, index: int, transactions: int, market: Market) -> None:
        self.rng = rng = random.Random(f"household:{seed}:{index}")
        self.market = market
        self.transactions = transactions
        taxable = [f"H{index:05d}-TAX{k}" for k in range(1, rng.choice((1, 1, 2, 2, 3)) + 1)]
        deferred = []
        if rng.random() < 0.65:
            deferred.append(f"H{index:05d}-IRA")
        if rng.random() < 0.5:
            deferred.append(f"H{index:05d}-ROTH")
        if len(taxable) + len(deferred) < 2:
            taxable.append(f"H{index:05d}-TAX{len(taxable) + 1}")
        self.taxable = taxable
        self.deferred = deferred
        self.accounts = taxable + deferred
        self.relief_methods = {
            account: ReliefMethod.HIFO if account in taxable and rng.random() < 0.3 else ReliefMethod.FIFO
            for account in self.accounts
        }
        self.symbols = rng.sample(SYMBOLS, rng.randint(8, 20))
        self.positions: dict[tuple[str, str], _GenPosition] = {}
        self.recent: deque[str] = deque(maxlen=5)
        # Re-buys scheduled by loss sales: (trading day, sequence, account, symbol, quantity).
        self.rebuys: list[tuple[int, int, str, str, Decimal]] = []
        self.entries: list[LedgerEntry] = []

    def generate(self) -> Household:
        rng = self.rng
        position = float(rng.randint(0, 40))
        mean_gap = LEDGER_TRADING_DAYS / self.transactions
        while len(self.entries) < self.transactions:
            upcoming = position + rng.expovariate(1.0 / mean_gap)
            if self.rebuys and self.rebuys[0][0] <= upcoming:
                day, _, account, symbol, quantity = heapq.heappop(self.rebuys)
                position = float(min(max(day, int(position)), MARKET_TRADING_DAYS - 1))
                self._buy(int(position), account, symbol, quantity)
                continue
            position = upcoming
            day = min(int(position), MARKET_TRADING_DAYS - 1)
            draw = rng.random()
            if draw < P_SELL and self._sell(day):
                continue
            if draw >= 1.0 - P_REINVEST and self._reinvest(day):
                continue
            self._buy(day, self._buy_account(), self._buy_symbol(), None)
        return Household(self.entries, self.relief_methods, tuple(self.deferred))

    # --- choices ---

    def _buy_account(self) -> str:
        if self.deferred and self.rng.random() < 0.3:
            return self.rng.choice(self.deferred)
        return self.rng.choice(self.taxable)

    def _buy_symbol(self) -> str:
        # Purchases cluster: often the symbols just traded (averaging down, re-entering a position).
        if self.recent and self.rng.random() < 0.45:
            return self.rng.choice(self.recent)
        return self.rng.choice(self.symbols)

    def _position(self, account: str, symbol: str) -> _GenPosition:
        position = self.positions.get((account, symbol))
        if position is None:
            hifo = self.relief_methods[account] is ReliefMethod.HIFO
            position = self.positions[(account, symbol)] = _GenPosition(hifo)
        return position

    def _append(self, entry: LedgerEntry) -> None:
        self.entries.append(entry)
        self.recent.append(entry.symbol)

    # --- actions ---

    def _buy(self, day: int, account: str, symbol: str, quantity: Decimal | None) -> None:
        rng = self.rng
        price = self.market.price(rng, symbol, day)
        if quantity is None:
            amount = rng.lognormvariate(math.log(4000.0), 0.8)
            if rng.random() < 0.2:
                quantity = max(Decimal(f"{amount / float(price):.3f}"), Decimal("0.001"))
            else:
                quantity = Decimal(max(1, round(amount / float(price))))
        fees = rng.choice(SMALL_FEES) if rng.random() < 0.15 else ZERO
        self._open(day, account, symbol, Action.BUY, quantity, price, fees, named=rng.random() < 0.25)

    def _reinvest(self, day: int) -> bool:
        held = [key for key, position in self.positions.items() if position.lots]
        if not held:
            return False
        account, symbol = self.rng.choice(held)
        price = self.market.price(self.rng, symbol, day)
        dividend = self.rng.uniform(4.0, 160.0)
        quantity = max(Decimal(f"{dividend / float(price):.4f}"), Decimal("0.0001"))
        self._open(day, account, symbol, Action.REINVEST, quantity, price, ZERO, named=False)
        return True

    def _open(
        self,
        day: int,
        account: str,
        symbol: str,
        action: Action,
        quantity: Decimal,
        price: Decimal,
        fees: Decimal,
        *,
        named: bool,
    ) -> None:
        trade_date = self.market.days[day]
        position = self._position(account, symbol)
        row = len(self.entries) + 1
        lot = f"T{row}" if named else ""
        name = lot or position.next_lot_name(trade_date)
        position.names_used.add(name)
        position.lots.append(_GenLot(name, quantity, price))
        self._append(LedgerEntry(row, account, symbol, action, trade_date, quantity, price, fees, lot))

    def _sell(self, day: int) -> bool:
        rng = self.rng
        held = [(key, position) for key, position in self.positions.items() if position.lots]
        if not held:
            return False
        # Tax-loss harvesting: most sells pick a position that stands at a loss, when there is one.
        if rng.random() < 0.65:
            losing = [
                (key, position)
                for key, position in held
                if self.market.closes[key[1]][day] < float(position.average_price())
            ]
            held = losing or held
        (account, symbol), position = rng.choice(held)
        price = self.market.price(rng, symbol, day)
        lot_name = ""
        if not position.hifo and rng.random() < 0.35:
            lot = rng.choice(position.lots)
            lot_name = lot.name
            quantity = lot.quantity if rng.random() < 0.5 else _portion(rng, lot.quantity)
            relieved = self._relieve(position, [lot], quantity)
        else:
            total = position.held()
            quantity = total if rng.random() < 0.4 else _portion(rng, total)
            order = sorted(position.lots, key=lambda lot: -lot.price) if position.hifo else list(position.lots)
            relieved = self._relieve(position, order, quantity)
        fees = rng.choice(SMALL_FEES) if rng.random() < 0.15 and quantity * price > 50 else ZERO
        row = len(self.entries) + 1
        trade_date = self.market.days[day]
        self._append(LedgerEntry(row, account, symbol, Action.SELL, trade_date, quantity, price, fees, lot_name))
        if price < relieved and account in self.taxable and rng.random() < 0.6:
            self._schedule_rebuy(day, account, symbol, quantity)
        return True

    def _relieve(self, position: _GenPosition, order: list[_GenLot], quantity: Decimal) -> Decimal:
        """Take ``quantity`` shares from ``order``'s lots; return their average purchase price."""
        left, cost = quantity, ZERO
        for lot in order:
            if left == ZERO:
                break
            taken = min(lot.quantity, left)
            cost += taken * lot.price
            lot.quantity -= taken
            left -= taken
        position.lots = [lot for lot in position.lots if lot.quantity > ZERO]
        return cost / quantity

    def _schedule_rebuy(self, day: int, account: str, symbol: str, quantity: Decimal) -> None:
        """After a loss sale, buy the symbol back: mostly inside the wash-sale window, in any account."""
        rng = self.rng
        if rng.random() < 0.75:
            later = rng.randint(1, WASH_WINDOW_TRADING_DAYS)
        else:
            later = rng.randint(WASH_WINDOW_TRADING_DAYS + 3, WASH_WINDOW_TRADING_DAYS + 8)  # waited 31+ days
        draw = rng.random()
        if draw < 0.3 and self.deferred:
            account = rng.choice(self.deferred)
        elif draw < 0.55:
            account = rng.choice(self.taxable)
        share = rng.uniform(0.4, 1.3)
        if quantity == quantity.to_integral_value() and quantity > 1:
            quantity = Decimal(max(1, round(float(quantity) * share)))
        else:
            quantity = max(Decimal(f"{float(quantity) * share:.3f}"), Decimal("0.001"))
        day = min(day + later, MARKET_TRADING_DAYS - 1)
        heapq.heappush(self.rebuys, (day, len(self.entries), account, symbol, quantity))


def _portion(rng: random.Random, held: Decimal) -> Decimal:
    """Part of a holding: whole shares when there are any to spare, else all of it."""
    whole = int(held)
    if whole < 2:
        return held
    return Decimal(rng.randint(1, whole - 1))


def generate_household(seed: int, index: int, transactions: int, market: Market) -> Household:
    """Return household ``index``'s ledger of ``transactions`` entries, the same for a given ``seed``."""
    return _HouseholdGenerator(seed, index, transactions, market).generate()


# --- replay ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Totals(_harness.Tally):
    households: int = 0
    transactions: int = 0
    buys: int = 0
    sells: int = 0
    reinvests: int = 0
    sales: int = 0
    taxable_loss_sales: int = 0
    wash_sales: int = 0
    permanent_wash_sales: int = 0
    households_with_wash_sales: int = 0
    open_lots: int = 0


def count_actions(households: list[Household], totals: Totals) -> None:
    for household in households:
        totals.households += 1
        totals.transactions += len(household.entries)
        for entry in household.entries:
            if entry.action is Action.SELL:
                totals.sells += 1
            elif entry.action is Action.REINVEST:
                totals.reinvests += 1
            else:
                totals.buys += 1


def count_results(replay: Replay, totals: Totals) -> None:
    totals.sales += len(replay.sales)
    totals.taxable_loss_sales += sum(
        1 for sale in replay.sales if sale.proceeds < sale.cost_basis and not sale.tax_deferred
    )
    totals.wash_sales += len(replay.wash_sales)
    totals.permanent_wash_sales += sum(1 for wash in replay.wash_sales if wash.permanent)
    totals.households_with_wash_sales += bool(replay.wash_sales)
    totals.open_lots += len(replay.open_lots)


def replay_and_count(households: list[Household], totals: Totals) -> float:
    """The timed loop: replay and count household by household, so that one ``Replay`` at a time is alive.

    Return the seconds spent inside ``replay_ledger`` itself (the loop's wall time also has the counting).
    """
    clock = time.perf_counter
    inside = 0.0
    for household in households:
        started = clock()
        replay = replay_ledger(household.entries, household.relief_methods, tax_deferred=household.tax_deferred)
        inside += clock() - started
        count_results(replay, totals)
    return inside


# --- workers --------------------------------------------------------------------------------------


def _generate(
    seed: int, households: int, transactions: int, workers: int, worker: int
) -> tuple[list[Household], Totals]:
    """Worker ``worker``'s households (those with ``h % workers == worker``) and the counts of their actions."""
    market = Market(seed)
    ledgers = [generate_household(seed, h, transactions, market) for h in range(worker, households, workers)]
    actions = Totals()
    count_actions(ledgers, actions)
    return ledgers, actions


def _replay_round(ledgers: list[Household], totals: Totals) -> tuple[float]:
    """The workers' timed loop; its one part is the seconds inside ``replay_ledger``."""
    return (replay_and_count(ledgers, totals),)


def _rate(result: _harness.WorkerResult[Totals]) -> float:
    """A worker's single-core rate: its transactions over its own replay seconds."""
    return result.totals.transactions / result.loop_seconds


def run_parallel(households: int, transactions: int, workers: int, seed: int, rounds: int, freeze: bool) -> int:
    """Run the workers; print the figures of every round, the median rate, and the peak memory."""
    engine = engine_fingerprint()  # read now, close to when this process imported it
    generate = functools.partial(_generate, seed, households, transactions, workers)
    run = _harness.run_parallel("replay", workers, rounds, freeze, generate, _replay_round, Totals)
    if run is None:
        return 1
    totals = run.totals
    rates = [totals.transactions / wall for wall in run.walls]

    print(f"engine:                         {engine}")
    print(f"households:                     {totals.households:,}")
    print(f"transactions:                   {totals.transactions:,}")
    print(
        f"  mix:                          {_share(totals.buys, totals)} buys, {_share(totals.sells, totals)} sells, "
        f"{_share(totals.reinvests, totals)} reinvestments"
    )
    _harness.print_setup(run, workers, freeze, "excluded from the rate")
    print(f"replay rounds:                  {rounds} (each replays every household once, after a barrier)")
    for round_, (wall, results) in enumerate(zip(run.walls, run.by_round, strict=True)):
        print(_harness.round_line(round_, wall, results, totals.transactions, "replay wall", "tx/s"))
        for r in results:
            (inside_seconds,) = r.parts
            print(
                f"    worker {r.worker}: {r.totals.transactions:,} tx in {r.loop_seconds:.2f} s"
                f" = {_rate(r):,.0f} tx/s single-core ({inside_seconds:.2f} s inside replay_ledger,"
                f" {r.cpu_seconds:.2f} s CPU; reference loop {r.reference_seconds:.3f} s)"
            )
    print(_harness.headline("TRANSACTIONS PER SECOND:        ", rates))
    _harness.print_contention_warning(run, "replay wall time")
    singles = [_rate(r) for r in run.results]
    print(f"single-core tx/s per worker:    median {statistics.median(singles):,.0f}")
    print(
        f"sales (sold lot parts):         {totals.sales:,} "
        f"({totals.taxable_loss_sales:,} at a loss in taxable accounts)"
    )
    print(
        f"wash-sale matches:              {totals.wash_sales:,} "
        f"({totals.permanent_wash_sales:,} permanent, replacement in an IRA or Roth IRA)"
    )
    print(
        f"households with a wash sale:    {totals.households_with_wash_sales:,} "
        f"({_share(totals.households_with_wash_sales, totals, totals.households)})"
    )
    print(f"open lots at the end:           {totals.open_lots:,}")
    _harness.print_peak_memory(run, "its ledgers, before the replay")
    return 0


def engine_fingerprint() -> str:
    """Which version of the engine was measured (there is no commit to name while it is being edited)."""
    lots = harvesting.engine.lots
    return f"{_harness.project_path(lots)} sha256 {_harness.source_digest([lots])}"


def _share(count: int, totals: Totals, whole: int | None = None) -> str:
    whole = totals.transactions if whole is None else whole
    return f"{100 * count / whole:.1f}%" if whole else "-"


# --- profile --------------------------------------------------------------------------------------


def run_profile(households: int, transactions: int, seed: int, top: int) -> int:
    """Replay ``households`` in this process under cProfile (generation excluded) and print the hot spots."""
    engine = engine_fingerprint()
    market = Market(seed)
    ledgers = [generate_household(seed, h, transactions, market) for h in range(households)]
    totals = Totals()
    count_actions(ledgers, totals)
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    replay_and_count(ledgers, totals)
    plain = time.perf_counter() - started
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for household in ledgers:
        replay_ledger(household.entries, household.relief_methods, tax_deferred=household.tax_deferred)
    profiler.disable()
    profiled = time.perf_counter() - started
    print(f"engine: {engine}")
    print(f"households: {totals.households:,}; transactions: {totals.transactions:,}")
    print(f"sales: {totals.sales:,}; wash-sale matches: {totals.wash_sales:,}; open lots: {totals.open_lots:,}")
    print(f"replay without profiler: {plain:.2f} s = {totals.transactions / plain:,.0f} tx/s single-core")
    print(f"replay under cProfile:   {profiled:.2f} s (the profiler's overhead inflates small, frequent calls)")
    print()
    print(_harness.profile_table(profiler, top, [harvesting.engine.lots]))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=None, help="households to replay (default 10000)")
    parser.add_argument("--transactions-per-household", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--rounds", type=int, default=3, help="replay every household this many times (median)")
    parser.add_argument("--no-gc-freeze", action="store_true", help="leave the generated ledgers to the collector")
    parser.add_argument(
        "--profile", action="store_true", help="replay 300 households (or --households) in-process under cProfile"
    )
    parser.add_argument("--top", type=int, default=25, help="functions to list with --profile")
    args = parser.parse_args(argv)
    if args.profile:
        return run_profile(args.households or 300, args.transactions_per_household, args.seed, args.top)
    return run_parallel(
        args.households or 10_000,
        args.transactions_per_household,
        args.workers,
        args.seed,
        args.rounds,
        not args.no_gc_freeze,
    )


if __name__ == "__main__":
    sys.exit(main())
