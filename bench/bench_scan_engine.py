"""Benchmark ``scan_household`` on many realistic households, in parallel, and report throughput and memory.

Why: the issue asks for "a benchmark under ``bench/`` that scans 10,000 households with 100 lots
each (1,000,000 lots) through the engine and prints lots per second and peak memory", with the
target "the 1,000,000-lot engine scan in at most 5 seconds with peak memory under 2 GB on this
2-core machine". This script measures exactly that, so the figure can be tracked while
``harvesting/engine/scan.py`` and ``taxprofiles/rules`` are optimized.

What a household is (all drawn from ``random.Random(f"scan:{seed}:{h}")``, so the inputs and the
totals do not depend on the worker count):

- 1 to 3 taxable accounts and often an IRA and/or a Roth IRA (about a quarter of the lots of a
  household that has one sit in them: the scan skips those, as it must).
- ``--lots`` lots over the 20 real symbols of ``data/market`` (each household holds 8 to 20 of
  them), priced at their real closes of 2022-12-28, the data's last day, which is ``as_of``.
  Each household has 30 to 40% of its lots at a loss, of various sizes: a third of those by under
  5% (screened out by ``min_loss_fraction``), the rest by 5 to 20% or 20 to 60%; the other lots
  stand at a gain. Lots of whole or fractional shares worth a few thousand dollars
  (log-normal), and small dividend-reinvestment lots (4-decimal quantities). Acquired 2019 to
  2022, weighted toward 2021-2022; some holding periods start earlier (wash-sale adjusted), so
  losses are a mix of short- and long-term.
- Recent purchases: lots bought in the last 30 days (each with its ``Purchase``, naming the lot it
  opened, as ``harvesting.scanning._purchases`` builds them) and planned dividend reinvestments
  in the next 30 days; they block the household's other lots of the same symbol (in any account).
- A tax profile drawn as in ``bench/bench_harvest_value.py`` (all four filing statuses, 2025/2026,
  a mix of states with special rules, wages of $30,000 to $2,000,000, realized gains or losses,
  carryforwards, itemizers), from which the scan builds its ``HarvestValuer``.
- Replacements: each worker runs ``choose_replacements`` once on a seeded synthetic year of daily
  returns (a market factor, a sector factor per GICS sector of the 20 stocks, idiosyncratic noise)
  with two firm pairs; plus a dozen variants with one or two groups blocked (a recent loss sale),
  which about a quarter of the households use.
- A ``ScanPolicy``: the default for most, a stricter one with an excluded symbol for a fifth.
- Outlooks (the forecast model's chance of a further 5% fall and its volatility, with a version's waiting
  facts) for ``--scores-share`` of the households (default half: the Django side passes them when a model
  is trained), so that the volatility-scaled threshold and the value of waiting are exercised.

How it measures (as ``bench/bench_ledger_replay.py`` does):

- Each worker process generates its own households (household ``h`` goes to worker
  ``h % workers``), freezes its heap (``gc.freeze()``, disable with ``--no-gc-freeze``), then waits
  on a ``multiprocessing.Barrier`` shared with the parent. The scan phase is the wall-clock time
  from the barrier's release (in the parent) to the arrival of the last worker's result: total
  lots over that time is the "lots per second" printed.
- The timed loop is, per household: build the ``HarvestValuer`` (a real scan builds one per
  household, so this is included; the time it takes is also reported separately), then call
  ``scan_household`` with ``value_of`` the same lambda as ``harvesting.scanning.household_scan``
  (``valuer.value(st_loss=st, lt_loss=lt).total_savings``), then count the actions. The seconds
  inside ``scan_household`` alone are reported too.
- ``--rounds`` (default 3) scans of the same households; the median is the headline, since the
  2 vCPUs of this host drift in speed. A fixed pure-Python loop (the "reference loop") is timed
  before each round to show that drift. Every round must produce the same totals (a checksum of
  every opportunity's net benefit included).
- Peak memory is ``ru_maxrss`` of each worker (after generation and at the end), of the parent,
  and ``RUSAGE_CHILDREN``. A worker's peak includes its pre-generated households (about half a
  million lots each with 2 workers), which a production worker, scanning one household at a time
  from the database, would never hold: the "after generation" figure shows that part.

Usage::

    .venv/bin/python bench/bench_scan_engine.py                     # 10,000 x 100 lots on os.cpu_count() workers
    .venv/bin/python bench/bench_scan_engine.py --households 1000   # quick iteration
    .venv/bin/python bench/bench_scan_engine.py --profile           # 500 households under cProfile

``--profile`` scans in this process, once without and once under ``cProfile`` (generation
excluded), and prints the top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harvesting.engine.holding
import harvesting.engine.replacements
import harvesting.engine.scan
import taxprofiles.rules.capital
import taxprofiles.rules.federal
import taxprofiles.rules.federal_tax
import taxprofiles.rules.harvest_value
import taxprofiles.rules.state_tax
from bench import _harness
from harvesting.engine.replacements import choose_replacements
from harvesting.engine.scan import Opportunity, Purchase, Replacement, ScanLot, ScanPolicy, scan_household
from harvesting.engine.waiting import Outlook, WaitingModel
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer

MEASURED_MODULES = (
    harvesting.engine.scan,
    harvesting.engine.holding,
    taxprofiles.rules.harvest_value,
    taxprofiles.rules.federal_tax,
    taxprofiles.rules.federal,
    taxprofiles.rules.capital,
    taxprofiles.rules.state_tax,
)
TARGET_SECONDS_PER_MILLION = 5.0
TARGET_MEMORY_MIB = 2048

AS_OF = date(2022, 12, 28)  # the last day of the bundled price history
# Real closes on 2022-12-28 (data/market/sp500_dataset.csv.gz) and each stock's GICS sector.
CLOSES: dict[str, str] = {
    "AAPL": "125.67",
    "AMD": "62.57",
    "BAC": "32.30",
    "BBY": "78.28",
    "CVX": "173.73",
    "GE": "63.88",
    "HD": "311.22",
    "JNJ": "174.09",
    "JPM": "129.58",
    "KO": "62.61",
    "LLY": "363.10",
    "MRK": "109.58",
    "MSFT": "233.43",
    "PEP": "179.28",
    "PFE": "49.25",
    "PG": "149.13",
    "RRC": "24.50",
    "UNH": "524.42",
    "WMT": "140.18",
    "XOM": "106.63",
}
SECTORS: dict[str, str] = {
    "AAPL": "tech",
    "AMD": "tech",
    "MSFT": "tech",
    "BAC": "financials",
    "JPM": "financials",
    "BBY": "discretionary",
    "HD": "discretionary",
    "CVX": "energy",
    "RRC": "energy",
    "XOM": "energy",
    "GE": "industrials",
    "JNJ": "health",
    "LLY": "health",
    "MRK": "health",
    "PFE": "health",
    "UNH": "health",
    "KO": "staples",
    "PEP": "staples",
    "PG": "staples",
    "WMT": "staples",
}
SYMBOLS: tuple[str, ...] = tuple(CLOSES)
PRICES: dict[str, Decimal] = {symbol: Decimal(close) for symbol, close in CLOSES.items()}
FIRM_PAIRS = {"KO": "PEP", "PEP": "KO", "XOM": "CVX", "CVX": "XOM"}
IDENTITY: dict[str, str] = {}  # none of the 20 stocks is substantially identical to another
REPLACEMENT_VARIANTS = 12  # replacement maps with one or two groups blocked by a recent loss sale
FIRST_BUY = date(2019, 1, 2)
RECENT_START = date(2021, 1, 4)
ZERO = Decimal(0)
CENT = Decimal("0.01")
DEFAULT_POLICY = ScanPolicy()
# A version's waiting facts as the bundled history gives them (``harvesting.engine.forecast.WaitingFacts``).
WAITING = WaitingModel(depth=0.05, deepening=0.052, recovery=0.051, reference_volatility=0.24)
SCORES_SHARE = [0.5]  # set from --scores-share before any generation (workers inherit it by fork)


# --- replacements ---------------------------------------------------------------------------------


def synthetic_returns(seed: int, days: int = 252) -> np.ndarray:
    """A year of daily returns (days x 20): market factor + sector factor + own noise, seeded."""
    rng = np.random.default_rng([seed, 7])
    sectors = sorted(set(SECTORS.values()))
    market = rng.normal(-0.0006, 0.012, days)
    sector = {name: rng.normal(0.0, 0.008, days) for name in sectors}
    columns = []
    for symbol in SYMBOLS:
        beta = rng.uniform(0.7, 1.3)
        own = rng.normal(0.0, rng.uniform(0.006, 0.018), days)
        columns.append(beta * market + sector[SECTORS[symbol]] + own)
    return np.column_stack(columns)


def replacement_variants(seed: int) -> list[dict[str, Replacement]]:
    """The replacement map with nothing blocked, then variants with one or two groups blocked."""
    returns = synthetic_returns(seed)
    rng = random.Random(f"replacements:{seed}")
    variants = [choose_replacements(returns, SYMBOLS, SYMBOLS, SYMBOLS, IDENTITY, (), FIRM_PAIRS)]
    for _ in range(REPLACEMENT_VARIANTS):
        blocked = rng.sample(SYMBOLS, rng.choice((1, 1, 2)))
        variants.append(choose_replacements(returns, SYMBOLS, SYMBOLS, SYMBOLS, IDENTITY, blocked, FIRM_PAIRS))
    return variants


# --- households -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Household:
    """One household's scan inputs, as ``harvesting.scanning.household_scan`` would gather them."""

    lots: tuple[ScanLot, ...]
    purchases: tuple[Purchase, ...]
    year: int
    filing_status: str
    state: str
    income: Income
    replacements: Mapping[str, Replacement]
    policy: ScanPolicy
    scores: dict[str, Outlook] | None


def _loss_fraction(rng: random.Random) -> float:
    """How far below its basis a losing lot stands: a third under the 5% screen, the rest 5-60%."""
    draw = rng.random()
    if draw < 0.33:
        return rng.uniform(0.002, 0.05)
    if draw < 0.75:
        return rng.uniform(0.05, 0.20)
    return rng.uniform(0.20, 0.60)


def _acquired(rng: random.Random) -> date:
    if rng.random() < 0.7:
        start, end = RECENT_START, AS_OF - timedelta(days=31)
    else:
        start, end = FIRST_BUY, AS_OF - timedelta(days=31)
    day = start + timedelta(days=rng.randrange((end - start).days))
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _recent_day(rng: random.Random) -> date:
    day = AS_OF - timedelta(days=rng.randint(0, 29))
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def generate_household(seed: int, index: int, lots: int, variants: list[dict[str, Replacement]]) -> Household:
    """Draw household ``index``'s scan inputs from its own seeded generator."""
    rng = random.Random(f"scan:{seed}:{index}")
    taxable = [f"H{index:05d}-TAX{k}" for k in range(1, rng.choice((1, 1, 2, 2, 3)) + 1)]
    deferred = []
    if rng.random() < 0.6:
        deferred.append(f"H{index:05d}-IRA")
    if rng.random() < 0.4:
        deferred.append(f"H{index:05d}-ROTH")
    deferred_share = rng.uniform(0.15, 0.35) if deferred else 0.0
    symbols = rng.sample(SYMBOLS, rng.randint(8, 20))
    loss_share = rng.uniform(0.30, 0.40)
    recent_buys = rng.choice((0, 0, 1, 1, 2, 3, 4))
    names: dict[tuple[str, str], set[str]] = {}
    scan_lots: list[ScanLot] = []
    purchases: list[Purchase] = []
    for ref in range(lots):
        in_deferred = rng.random() < deferred_share
        account = rng.choice(deferred) if in_deferred else rng.choice(taxable)
        symbol = rng.choice(symbols)
        price = float(CLOSES[symbol])
        recent = ref < recent_buys
        acquired = _recent_day(rng) if recent else _acquired(rng)
        if rng.random() < 0.1:  # a dividend reinvestment: a few shares' fraction
            quantity = Decimal(f"{rng.uniform(15.0, 400.0) / price:.4f}")
        else:
            amount = rng.lognormvariate(math.log(6000.0), 0.9)
            if rng.random() < 0.2:
                quantity = max(Decimal(f"{amount / price:.3f}"), Decimal("0.001"))
            else:
                quantity = Decimal(max(1, round(amount / price)))
        if rng.random() < loss_share:
            per_share = price / (1.0 - _loss_fraction(rng))
        else:
            per_share = price * rng.uniform(0.25, 0.995)
        cost_basis = (quantity * Decimal(repr(round(per_share, 4)))).quantize(CENT)
        holding_start = acquired
        if rng.random() < 0.05:  # a wash sale carried an earlier holding period into this lot
            holding_start = acquired - timedelta(days=rng.randint(20, 400))
        used = names.setdefault((account, symbol), set())
        name, n = acquired.isoformat(), 1
        while name in used:
            n += 1
            name = f"{acquired.isoformat()}-{n}"
        used.add(name)
        scan_lots.append(
            ScanLot(ref, account, in_deferred, symbol, name, quantity, cost_basis, acquired, holding_start)
        )
        if recent:
            purchases.append(Purchase(symbol, account, acquired, quantity, lot=name))
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):  # dividend reinvestments planned in the next 30 days
        account = rng.choice(taxable + deferred)
        symbol = rng.choice(symbols)
        on = AS_OF + timedelta(days=rng.randint(1, 30))
        quantity = Decimal(f"{rng.uniform(10.0, 300.0) / float(CLOSES[symbol]):.4f}")
        description = f"dividend reinvestment of {quantity.normalize():f} {symbol} planned on {on.isoformat()}"
        purchases.append(Purchase(symbol, account, on, quantity, True, f"{description} in {account}"))
    year, status, state, income = _harness.draw_tax_year(rng)  # as bench/bench_harvest_value.py draws them
    replacements = variants[0] if rng.random() < 0.75 else variants[rng.randint(1, len(variants) - 1)]
    policy = DEFAULT_POLICY
    if rng.random() < 0.2:
        policy = ScanPolicy(
            min_net_benefit=Decimal(rng.choice((50, 250, 500))),
            min_loss_fraction=Decimal(rng.choice(("0.03", "0.08", "0.10"))),
            excluded=frozenset(rng.sample(symbols, 1)),
        )
    scores = None
    if rng.random() < SCORES_SHARE[0]:
        scores = {
            symbol: Outlook(round(rng.betavariate(2.0, 3.5), 4), round(rng.uniform(0.15, 0.6), 4), "bench")
            for symbol in symbols
        }
    return Household(tuple(scan_lots), tuple(purchases), year, status, state, income, replacements, policy, scores)


# --- the timed loop -------------------------------------------------------------------------------


@dataclass(slots=True)
class Totals(_harness.Tally):
    households: int = 0
    lots: int = 0
    taxable_lots: int = 0
    purchases: int = 0
    opportunities: int = 0
    harvest: int = 0
    wait: int = 0
    below_minimum: int = 0
    blocked: int = 0
    no_replacement: int = 0
    long_term: int = 0
    households_with_harvest: int = 0
    harvest_losses: Decimal = ZERO
    harvest_net_benefit: Decimal = ZERO
    checksum: Decimal = ZERO  # every opportunity's net benefit and loss: changes only if results change


def count_inputs(households: list[Household], totals: Totals) -> None:
    for household in households:
        totals.households += 1
        totals.lots += len(household.lots)
        totals.taxable_lots += sum(1 for lot in household.lots if not lot.tax_deferred)
        totals.purchases += len(household.purchases)


def count_results(found: list[Opportunity], totals: Totals) -> None:
    totals.opportunities += len(found)
    harvested = False
    for o in found:
        action = o.action
        if action == "harvest":
            totals.harvest += 1
            totals.harvest_losses += o.loss
            totals.harvest_net_benefit += o.net_benefit
            harvested = True
        elif action == "wait":
            totals.wait += 1
        elif action == "below minimum":
            totals.below_minimum += 1
        elif action == "blocked":
            totals.blocked += 1
        else:
            totals.no_replacement += 1
        totals.long_term += o.long_term
        totals.checksum += o.net_benefit + o.loss
    totals.households_with_harvest += harvested


def _value_of(valuer: HarvestValuer) -> Callable[[Decimal, Decimal], Decimal]:
    """The ``value_of`` that ``harvesting.scanning.household_scan`` passes (keywords and all)."""
    return lambda st, lt: valuer.value(st_loss=st, lt_loss=lt).total_savings


def scan_all(households: list[Household], totals: Totals) -> tuple[float, float]:
    """The timed loop: per household build the valuer, scan, count. Return (valuer seconds, scan seconds)."""
    clock = time.perf_counter
    building = scanning = 0.0
    for household in households:
        started = clock()
        valuer = HarvestValuer(household.year, household.filing_status, household.state, household.income)
        built = clock()
        value_of = _value_of(valuer)
        found = scan_household(
            household.lots,
            PRICES,
            AS_OF,
            household.purchases,
            value_of,
            household.replacements,
            household.policy,
            household.scores,
            IDENTITY,
            waiting=WAITING if household.scores else None,
        )
        scanned = clock()
        building += built - started
        scanning += scanned - built
        count_results(found, totals)
    return building, scanning


# --- workers --------------------------------------------------------------------------------------


def generate(seed: int, indexes: range, lots: int) -> list[Household]:
    variants = replacement_variants(seed)
    return [generate_household(seed, h, lots, variants) for h in indexes]


def _generate(seed: int, households: int, lots: int, workers: int, worker: int) -> tuple[list[Household], Totals]:
    """Worker ``worker``'s households (those with ``h % workers == worker``) and the counts of their inputs."""
    mine = generate(seed, range(worker, households, workers), lots)
    inputs = Totals()
    count_inputs(mine, inputs)
    return mine, inputs


def _rate(result: _harness.WorkerResult[Totals]) -> float:
    """A worker's single-core rate: its lots over its own loop seconds."""
    return result.totals.lots / result.loop_seconds


def run_parallel(households: int, lots: int, workers: int, seed: int, rounds: int, freeze: bool) -> int:
    engine = engine_fingerprint()
    generate_mine = functools.partial(_generate, seed, households, lots, workers)
    run = _harness.run_parallel("scan", workers, rounds, freeze, generate_mine, scan_all, Totals)
    if run is None:
        return 1
    totals = run.totals
    rates = [totals.lots / wall for wall in run.walls]
    median = statistics.median(rates)
    per_million = 1_000_000 / median

    print(f"engine:                         {engine}")
    print(f"households:                     {totals.households:,} (seed {seed})")
    print(
        f"lots:                           {totals.lots:,} ({totals.taxable_lots:,} in taxable accounts); "
        f"{totals.purchases:,} recent or planned purchases"
    )
    scores = f"scores:                         for {100 * SCORES_SHARE[0]:.0f}% of households"
    _harness.print_setup(run, workers, freeze, "excluded", extra=[scores])
    print(f"scan rounds:                    {rounds} (each scans every household once, after a barrier)")
    for round_, (wall, results) in enumerate(zip(run.walls, run.by_round, strict=True)):
        print(_harness.round_line(round_, wall, results, totals.lots, "wall", "lots/s"))
        for r in results:
            valuer_seconds, scan_seconds = r.parts
            print(
                f"    worker {r.worker}: {r.totals.lots:,} lots in {r.loop_seconds:.2f} s"
                f" = {_rate(r):,.0f} lots/s single-core ({valuer_seconds:.2f} s building valuers,"
                f" {scan_seconds:.2f} s inside scan_household, {r.cpu_seconds:.2f} s CPU;"
                f" reference loop {r.reference_seconds:.3f} s)"
            )
    print(_harness.headline("LOTS PER SECOND:                ", rates))
    verdict = "MET" if per_million <= TARGET_SECONDS_PER_MILLION else "MISSED"
    print(
        f"SECONDS FOR 1,000,000 LOTS:     {per_million:.2f} s at the median rate"
        f" (target <= {TARGET_SECONDS_PER_MILLION:.0f} s: {verdict})"
    )
    all_results = run.results
    _harness.print_contention_warning(run, "wall time")
    singles = [_rate(r) for r in all_results]
    loop = sum(r.loop_seconds for r in all_results)
    building = sum(r.parts[0] for r in all_results)
    scanning = sum(r.parts[1] for r in all_results)
    cpu_rate = totals.lots * rounds / sum(r.cpu_seconds for r in all_results)
    print(
        f"single-core lots/s per worker:  median {statistics.median(singles):,.0f} by wall clock;"
        f" {cpu_rate:,.0f} per CPU-second (= {1_000_000 / cpu_rate / workers:.2f} s for 1,000,000 lots"
        f" on {workers} uncontended cores)"
    )
    print(
        f"  share of the loop:            {100 * building / loop:.1f}% building valuers"
        f" ({1e6 * building / (totals.households * rounds):.0f} us each),"
        f" {100 * scanning / loop:.1f}% inside scan_household,"
        f" {100 * (loop - building - scanning) / loop:.1f}% counting results"
    )
    valued = totals.opportunities - totals.blocked
    print(
        f"opportunities:                  {totals.opportunities:,} lots at a loss worth a look"
        f" ({_share(totals.opportunities, totals.taxable_lots)} of taxable lots; {valued:,} valued,"
        f" {totals.long_term:,} long-term)"
    )
    print(
        f"  recommended (harvest):        {totals.harvest:,} in {totals.households_with_harvest:,} households;"
        f" ${totals.harvest_losses:,.2f} of losses, ${totals.harvest_net_benefit:,.2f} net benefit"
    )
    print(f"  wait (waiting worth more):  {totals.wait:,}")
    print(f"  below minimum:                {totals.below_minimum:,}")
    print(f"  blocked (wash sale):          {totals.blocked:,}")
    print(f"  no replacement:               {totals.no_replacement:,}")
    print(f"  checksum:                     {totals.checksum}")
    memory_verdict = "MET" if run.total_kib / 1024 < TARGET_MEMORY_MIB else "MISSED"
    _harness.print_peak_memory(run, "its households, before the scan", f"; target < 2 GB: {memory_verdict}")
    return 0


def engine_fingerprint() -> str:
    """Which version of the engine was measured (there is no commit to name while it is being edited)."""
    names = ", ".join(_harness.project_path(module) for module in MEASURED_MODULES[:3])
    return (
        f"sha256 {_harness.source_digest(MEASURED_MODULES)} of {names}"
        " and taxprofiles/rules/{federal_tax,federal,capital,state}"
    )


def _share(count: int, whole: int) -> str:
    return f"{100 * count / whole:.1f}%" if whole else "-"


# --- profile --------------------------------------------------------------------------------------


def run_profile(households: int, lots: int, seed: int, top: int) -> int:
    """Scan ``households`` in this process under cProfile (generation excluded) and print the hot spots."""
    engine = engine_fingerprint()
    mine = generate(seed, range(households), lots)
    totals = Totals()
    count_inputs(mine, totals)
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    building, scanning = scan_all(mine, totals)
    plain = time.perf_counter() - started
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    scan_all(mine, Totals())
    profiler.disable()
    profiled = time.perf_counter() - started
    print(f"engine: {engine}")
    print(f"households: {totals.households:,}; lots: {totals.lots:,}; opportunities: {totals.opportunities:,}")
    print(
        f"scan without profiler: {plain:.2f} s = {totals.lots / plain:,.0f} lots/s single-core"
        f" ({building:.2f} s building valuers, {scanning:.2f} s inside scan_household);"
        f" {plain * 1_000_000 / totals.lots:.1f} core-seconds per 1,000,000 lots"
    )
    print(f"scan under cProfile:   {profiled:.2f} s (the profiler's overhead inflates small, frequent calls)")
    print()
    print(_harness.profile_table(profiler, top, MEASURED_MODULES))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=None, help="households to scan (default 10000)")
    parser.add_argument("--lots", type=int, default=100, help="lots per household")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--rounds", type=int, default=3, help="scan every household this many times (median)")
    parser.add_argument("--scores-share", type=float, default=0.5, help="share of households with model scores")
    parser.add_argument("--no-gc-freeze", action="store_true", help="leave the generated inputs to the collector")
    parser.add_argument(
        "--profile", action="store_true", help="scan 500 households (or --households) in-process under cProfile"
    )
    parser.add_argument("--top", type=int, default=30, help="functions to list with --profile")
    args = parser.parse_args(argv)
    SCORES_SHARE[0] = args.scores_share
    if args.profile:
        return run_profile(args.households or 500, args.lots, args.seed, args.top)
    return run_parallel(
        args.households or 10_000, args.lots, args.workers, args.seed, args.rounds, not args.no_gc_freeze
    )


if __name__ == "__main__":
    sys.exit(main())
