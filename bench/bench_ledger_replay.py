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
  parent) to the arrival of the last worker's result: that is the "transactions per second"
  printed. Each worker also reports its own replay seconds (its single-core rate).
- After generation each worker freezes its heap (``gc.freeze()``; disable with ``--no-gc-freeze``)
  so the cyclic garbage collector does not keep scanning the million pre-generated entries that a
  production worker, which replays one household at a time, would never hold.
- Peak memory is ``ru_maxrss`` of each worker (after generation and at the end), of the parent,
  and ``RUSAGE_CHILDREN`` (the largest child) in the parent. Note that a worker's peak includes its
  pre-generated ledgers, which the replay itself does not need.

Ledgers are valid by construction: the generator keeps its own lots per account and symbol (and
relieves them FIFO like the engine does), so a sell never exceeds what is held, and a sell naming a
lot names one that is open. ``replay_ledger`` is called without a ``problems`` list, so any
inconsistency raises instead of silently skipping entries.

Usage::

    .venv/bin/python bench/bench_ledger_replay.py                     # 10,000 x 200 on os.cpu_count() workers
    .venv/bin/python bench/bench_ledger_replay.py --households 1000   # quick iteration
    .venv/bin/python bench/bench_ledger_replay.py --profile           # 300 households under cProfile
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import heapq
import io
import math
import multiprocessing
import os
import pstats
import random
import resource
import sys
import time
from collections import deque
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
WASH_WINDOW_TRADING_DAYS = 20  # 20 trading days always fall within 30 calendar days
CENT = Decimal("0.01")
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
            later = rng.randint(WASH_WINDOW_TRADING_DAYS + 2, WASH_WINDOW_TRADING_DAYS + 8)  # waited it out
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
class Totals:
    households: int = 0
    transactions: int = 0
    buys: int = 0
    sells: int = 0
    reinvests: int = 0
    sales: int = 0
    wash_sales: int = 0
    permanent_wash_sales: int = 0
    households_with_wash_sales: int = 0
    open_lots: int = 0

    def add(self, other: Totals) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


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


def replay_all(households: list[Household]) -> list[Replay]:
    """The timed loop: replay every household, keeping only what ``count_results`` needs."""
    results = []
    for household in households:
        replay = replay_ledger(household.entries, household.relief_methods, tax_deferred=household.tax_deferred)
        results.append(replay)
    return results


def count_results(replays: list[Replay], totals: Totals) -> None:
    for replay in replays:
        totals.sales += len(replay.sales)
        totals.wash_sales += len(replay.wash_sales)
        totals.permanent_wash_sales += sum(1 for wash in replay.wash_sales if wash.permanent)
        totals.households_with_wash_sales += bool(replay.wash_sales)
        totals.open_lots += len(replay.open_lots)


def replay_and_count(households: list[Household], totals: Totals) -> None:
    """Replay and count household by household, so that at most one ``Replay`` is alive at a time."""
    for household in households:
        replay = replay_ledger(household.entries, household.relief_methods, tax_deferred=household.tax_deferred)
        count_results([replay], totals)


# --- workers --------------------------------------------------------------------------------------


@dataclass(slots=True)
class WorkerResult:
    worker: int
    totals: Totals
    generate_seconds: float
    replay_seconds: float
    replay_started: float
    replay_finished: float
    maxrss_generated_kib: int
    maxrss_kib: int
    error: str = ""


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _worker(
    worker: int,
    workers: int,
    households: int,
    transactions: int,
    seed: int,
    freeze: bool,
    barrier: Barrier,
    results: Any,
) -> None:
    totals = Totals()
    try:
        started = time.perf_counter()
        market = Market(seed)
        ledgers = [generate_household(seed, h, transactions, market) for h in range(worker, households, workers)]
        count_actions(ledgers, totals)
        generate_seconds = time.perf_counter() - started
        if freeze:
            gc.collect()
            gc.freeze()
        maxrss_generated = _maxrss_kib()
    except BaseException as error:
        barrier.abort()
        results.put(WorkerResult(worker, totals, 0.0, 0.0, 0.0, 0.0, 0, 0, error=repr(error)))
        raise
    barrier.wait()
    try:
        replay_started = time.perf_counter()
        replay_and_count(ledgers, totals)
        replay_finished = time.perf_counter()
    except BaseException as error:
        results.put(WorkerResult(worker, totals, generate_seconds, 0.0, 0.0, 0.0, 0, 0, error=repr(error)))
        raise
    results.put(
        WorkerResult(
            worker,
            totals,
            generate_seconds,
            replay_finished - replay_started,
            replay_started,
            replay_finished,
            maxrss_generated,
            _maxrss_kib(),
        )
    )


def run_parallel(households: int, transactions: int, workers: int, seed: int, freeze: bool) -> int:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers + 1)
    queue = context.Queue()
    launched = time.perf_counter()
    processes = [
        context.Process(
            target=_worker,
            args=(w, workers, households, transactions, seed, freeze, barrier, queue),
            name=f"replay-worker-{w}",
        )
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    with contextlib.suppress(multiprocessing.BrokenBarrierError):
        barrier.wait()  # broken when a worker failed; its error arrives on the queue
    released = time.perf_counter()
    results: list[WorkerResult] = []
    for _ in processes:
        results.append(queue.get())
    finished = time.perf_counter()
    for process in processes:
        process.join()
    failed = [result for result in results if result.error]
    if failed:
        for result in failed:
            print(f"worker {result.worker} failed: {result.error}", file=sys.stderr)
        return 1

    results.sort(key=lambda result: result.worker)
    totals = Totals()
    for result in results:
        totals.add(result.totals)
    wall = finished - released
    worker_wall = max(r.replay_finished for r in results) - min(r.replay_started for r in results)
    parent_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    print(f"households:                     {totals.households:,}")
    print(f"transactions:                   {totals.transactions:,}")
    print(
        f"  mix:                          {_share(totals.buys, totals)} buys, {_share(totals.sells, totals)} sells, "
        f"{_share(totals.reinvests, totals)} reinvestments"
    )
    print(f"workers:                        {workers} (os.cpu_count() = {os.cpu_count()})")
    print(f"gc.freeze() after generation:   {'yes' if freeze else 'no'}")
    print(f"generation wall seconds:        {released - launched:.2f} (excluded from the rate)")
    for result in results:
        print(f"  worker {result.worker} generation seconds: {result.generate_seconds:.2f}")
    print(f"replay wall seconds:            {wall:.2f} (barrier release -> last worker's result, in the parent)")
    print(f"  same, from worker clocks:     {worker_wall:.2f}")
    print(f"TRANSACTIONS PER SECOND:        {totals.transactions / wall:,.0f} (all workers, replay wall clock)")
    for result in results:
        rate = result.totals.transactions / result.replay_seconds
        print(
            f"  worker {result.worker}: {result.totals.transactions:,} tx in {result.replay_seconds:.2f} s"
            f" = {rate:,.0f} tx/s single-core"
        )
    print(f"sales (sold lot parts):         {totals.sales:,}")
    print(
        f"wash-sale matches:              {totals.wash_sales:,} "
        f"({totals.permanent_wash_sales:,} permanent, replacement in an IRA or Roth IRA)"
    )
    print(
        f"households with a wash sale:    {totals.households_with_wash_sales:,} "
        f"({_share(totals.households_with_wash_sales, totals, totals.households)})"
    )
    print(f"open lots at the end:           {totals.open_lots:,}")
    print("peak memory (max RSS):")
    for result in results:
        print(
            f"  worker {result.worker}: {_mib(result.maxrss_kib)} "
            f"({_mib(result.maxrss_generated_kib)} after generating its ledgers, before the replay)"
        )
    print(f"  parent: {_mib(parent_kib)}; largest child (RUSAGE_CHILDREN): {_mib(children_kib)}")
    total_kib = parent_kib + sum(result.maxrss_kib for result in results)
    print(f"  total across processes: {_mib(total_kib)} (sum of peaks; shared fork pages counted in each)")
    return 0


def _share(count: int, totals: Totals, whole: int | None = None) -> str:
    whole = totals.transactions if whole is None else whole
    return f"{100 * count / whole:.1f}%" if whole else "-"


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


# --- profile --------------------------------------------------------------------------------------


def run_profile(households: int, transactions: int, seed: int, top: int) -> int:
    """Replay ``households`` in this process under cProfile (generation excluded) and print the hot spots."""
    market = Market(seed)
    ledgers = [generate_household(seed, h, transactions, market) for h in range(households)]
    totals = Totals()
    count_actions(ledgers, totals)
    gc.collect()
    started = time.perf_counter()
    replays = replay_all(ledgers)
    plain = time.perf_counter() - started
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    replays = replay_all(ledgers)
    profiler.disable()
    profiled = time.perf_counter() - started
    count_results(replays, totals)
    print(f"households: {totals.households:,}; transactions: {totals.transactions:,}")
    print(f"sales: {totals.sales:,}; wash-sale matches: {totals.wash_sales:,}; open lots: {totals.open_lots:,}")
    print(f"replay without profiler: {plain:.2f} s = {totals.transactions / plain:,.0f} tx/s single-core")
    print(f"replay under cProfile:   {profiled:.2f} s (profiler overhead inflates small functions)")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(pstats.SortKey.TIME).print_stats(top)
    print(out.getvalue())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=None, help="households to replay (default 10000)")
    parser.add_argument("--transactions-per-household", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--no-gc-freeze", action="store_true", help="leave the generated ledgers to the collector")
    parser.add_argument(
        "--profile", action="store_true", help="replay 300 households (or --households) in-process under cProfile"
    )
    parser.add_argument("--top", type=int, default=25, help="functions to list with --profile")
    args = parser.parse_args(argv)
    if args.profile:
        return run_profile(args.households or 300, args.transactions_per_household, args.seed, args.top)
    return run_parallel(
        args.households or 10_000, args.transactions_per_household, args.workers, args.seed, not args.no_gc_freeze
    )


if __name__ == "__main__":
    sys.exit(main())
