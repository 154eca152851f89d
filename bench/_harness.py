"""What the benchmarks under ``bench/`` share: clocks, memory, fingerprints, profiles, workers, inputs.

Why one module: the benchmarks must measure the same way to be comparable (the same reference
loop to show the host's drift, the same barrier-to-last-result wall clock, the same peak-RSS
accounting, the same profile table, the same clients for the tax and scan benchmarks); with one
copy of each, a fix to one benchmark's measuring cannot leave the others measuring differently.

Importing this module imports nothing of the project: the benchmarks report their processes' peak
memory, which must not grow by modules a benchmark does not measure (``draw_tax_year`` imports the
tax rules only when it is called).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import math
import multiprocessing
import os
import random
import resource
import statistics
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

if TYPE_CHECKING:
    import cProfile

    from taxprofiles.rules.federal_tax import Income

ROOT = Path(__file__).resolve().parents[1]


# --- clocks, memory, figures ----------------------------------------------------------------------


def reference_seconds() -> float:
    """Time a fixed pure-Python loop: the host's speed drifts (shared vCPUs), and this shows by how much."""
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i
    return time.perf_counter() - started


def maxrss_kib() -> int:
    """This process's peak resident memory so far, in KiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def mib(kib: int) -> str:
    """A KiB figure as whole MiB, as every memory line of the benchmarks prints it."""
    return f"{kib / 1024:,.0f} MiB"


def median_best_worst(
    values: Sequence[float], fmt: str, *, unit: str = "", width: int = 0, lower_is_better: bool = False
) -> str:
    """``<median><unit> median of <n> (best <b>, worst <w>)``: the headline of repeated rounds.

    The median is the headline because the host's speed drifts between rounds; best and worst show
    by how much. ``lower_is_better`` for seconds (the best round is the shortest), not for rates.
    """
    median = statistics.median(values)
    best, worst = (min(values), max(values)) if lower_is_better else (max(values), min(values))
    shown = format(median, f">{width}{fmt}" if width else fmt)
    return f"{shown}{unit} median of {len(values)} (best {best:{fmt}}, worst {worst:{fmt}})"


# --- which engine was measured --------------------------------------------------------------------


def source_digest(modules: Iterable[ModuleType]) -> str:
    """The first 12 hex digits of the sha256 of the modules' source files, read in order.

    Why: the figures are tracked while the engine is edited, so there is often no commit to name;
    the digest tells whether two runs measured the same code.
    """
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:12]


def project_path(module: ModuleType) -> str:
    """A module's source file relative to the project root, e.g. ``harvesting/engine/lots.py``."""
    return Path(str(module.__file__)).relative_to(ROOT).as_posix()


# --- profile table --------------------------------------------------------------------------------

ProfileRow = tuple[float, float, int, str]  # own seconds, cumulative seconds, calls, function


def dataclass_inits(modules: Iterable[ModuleType]) -> dict[CodeType, str]:
    """The code of each ``@dataclass``-generated ``__init__`` in ``modules``, named after its class.

    Why: ``pstats`` names functions by file, line and name, so the ``__init__`` that ``@dataclass``
    generates for each record (all "<string>:2(__init__)") collapse into one row that keeps the
    figures of only one of them; building the engine's frozen records is a real cost, so the
    profile table names each after its class.
    """
    return {
        cls.__init__.__code__: f"{cls.__name__}.__init__ (@dataclass)"
        for module in modules
        for cls in vars(module).values()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and hasattr(cls.__init__, "__code__")
    }


def top_by_own_time(rows: Sequence[ProfileRow], top: int) -> list[str]:
    """The lines of the ``top`` rows by own time (tottime), with their share of all own time."""
    total = sum(row[0] for row in rows)
    lines = [f"top {top} of {len(rows)} functions by own time (tottime); all own time {total:.3f} s", ""]
    lines.append(f"{'tottime':>8} {'share':>6} {'cumtime':>8} {'calls':>9}  function")
    for own, cumulative, calls, name in sorted(rows, reverse=True)[:top]:
        lines.append(f"{own:8.3f} {100 * own / total:5.1f}% {cumulative:8.3f} {calls:9,}  {name}")
    return lines


def profile_table(profiler: cProfile.Profile, top: int, modules: Iterable[ModuleType]) -> str:
    """The ``top`` functions by own time, like ``pstats`` sorted by tottime, with one difference.

    Each ``@dataclass``-generated ``__init__`` of ``modules`` is named after its class (see
    ``dataclass_inits``); other functions by their path relative to the project, line and name.
    """
    generated = dataclass_inits(modules)
    rows: list[ProfileRow] = []
    for entry in profiler.getstats():
        code = entry.code
        if isinstance(code, str):
            name = code
        elif code in generated:
            name = generated[code]
        else:
            path = Path(code.co_filename)
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            name = f"{where}:{code.co_firstlineno}({code.co_qualname})"
        rows.append((entry.inlinetime, entry.totaltime, entry.callcount, name))
    return "\n".join(top_by_own_time(rows, top))


# --- parallel workers -----------------------------------------------------------------------------


class Tally:
    """Base of a benchmark's totals: a dataclass of counts and sums that adds another's, field by field.

    Why a base: the parent adds up the workers' totals of each round and compares the rounds, so
    every benchmark's totals must add (and compare) the same way.
    """

    __slots__ = ()

    def add(self, other: Self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def copy(self) -> Self:
        """A new instance with the same values (the inputs' counts, to which a round adds its results)."""
        return dataclasses.replace(self)  # type: ignore[type-var]


T = TypeVar("T", bound=Tally)
D = TypeVar("D")


@dataclass(slots=True)
class WorkerResult(Generic[T]):
    """One worker's report for one round of running the timed loop over all its inputs."""

    worker: int
    round: int
    totals: T
    generate_seconds: float = 0.0
    loop_seconds: float = 0.0
    parts: tuple[float, ...] = ()  # seconds of parts of the loop, as the benchmark's loop returns them
    cpu_seconds: float = 0.0
    reference_seconds: float = 0.0
    started: float = 0.0
    finished: float = 0.0
    maxrss_generated_kib: int = 0
    maxrss_kib: int = 0
    error: str = ""


@dataclass(slots=True)
class ParallelRun(Generic[T]):
    """Everything the parent saw of a parallel run: the totals, the rounds, the load and the memory."""

    totals: T
    walls: list[float]  # per round: barrier release to the last worker's result
    by_round: list[list[WorkerResult[T]]]  # per round, sorted by worker
    generated: float  # launch to the first release: the slowest worker's generation
    load_before: float
    load_after: float
    parent_kib: int
    children_kib: int

    @property
    def results(self) -> list[WorkerResult[T]]:
        """Every worker's result of every round, round by round."""
        return [r for results in self.by_round for r in results]

    @property
    def total_kib(self) -> int:
        """The parent's peak plus each worker's (last report): pages shared after fork count in each."""
        return self.parent_kib + sum(r.maxrss_kib for r in self.by_round[-1])

    def cpu_share(self) -> float:
        """The workers' CPU seconds over their loop seconds: well below 1 when others took the cores."""
        results = self.results
        return sum(r.cpu_seconds for r in results) / sum(r.loop_seconds for r in results)


def _worker(
    worker: int,
    rounds: int,
    freeze: bool,
    barrier: Barrier,
    results: Any,
    generate: Callable[[int], tuple[D, T]],
    loop: Callable[[D, T], tuple[float, ...]],
    empty: Callable[[], T],
) -> None:
    """Generate this worker's inputs, then run the timed loop over them once per round, after the barrier.

    Each round: wait for everyone, time the reference loop all at once, wait again (the release is
    the parent's start of the clock), then run the loop on a copy of the input totals.
    """
    round_ = -1
    try:
        started = time.perf_counter()
        data, inputs = generate(worker)
        generate_seconds = time.perf_counter() - started
        if freeze:
            gc.collect()
            gc.freeze()
        maxrss_generated = maxrss_kib()
        for round_ in range(rounds):
            barrier.wait()
            reference = reference_seconds()
            barrier.wait()
            totals = inputs.copy()
            loop_started, cpu_started = time.perf_counter(), time.process_time()
            parts = loop(data, totals)
            loop_finished, cpu_finished = time.perf_counter(), time.process_time()
            results.put(
                WorkerResult(
                    worker,
                    round_,
                    totals,
                    generate_seconds,
                    loop_finished - loop_started,
                    parts,
                    cpu_finished - cpu_started,
                    reference,
                    loop_started,
                    loop_finished,
                    maxrss_generated,
                    maxrss_kib(),
                )
            )
    except BaseException:
        barrier.abort()
        results.put(WorkerResult(worker, round_, empty(), error=traceback.format_exc()))


def run_parallel(
    what: str,
    workers: int,
    rounds: int,
    freeze: bool,
    generate: Callable[[int], tuple[D, T]],
    loop: Callable[[D, T], tuple[float, ...]],
    empty: Callable[[], T],
) -> ParallelRun[T] | None:
    """Run ``workers`` forked processes for ``rounds`` rounds; ``None`` (said on stderr) if one failed.

    ``generate(worker)`` returns a worker's inputs and their totals (timed as generation);
    ``loop(inputs, totals)`` is the timed loop, adding its results to ``totals`` and returning the
    seconds of its parts. The rate's clock runs in the parent, from the barrier's release to the
    last worker's result, so it counts every worker and any straggler. Every round must produce the
    same totals: a benchmark whose results change between rounds measures nothing (``what`` names
    the loop in that message and in the process names).
    """
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers + 1)
    queue = context.Queue()
    load_before = os.getloadavg()[0]
    launched = time.perf_counter()
    processes = [
        context.Process(
            target=_worker,
            args=(w, rounds, freeze, barrier, queue, generate, loop, empty),
            name=f"{what}-worker-{w}",
            daemon=True,  # never outlive the parent, even if it fails
        )
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    generated = 0.0
    walls: list[float] = []
    by_round: list[list[WorkerResult[T]]] = []
    for round_ in range(rounds):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # then the workers time the reference loop, all at once
            barrier.wait()  # broken when a worker failed; its error arrives on the queue
        released = time.perf_counter()
        if round_ == 0:
            generated = released - launched
        results: list[WorkerResult[T]] = []
        for _ in processes:
            result = queue.get()
            if result.error:
                print(f"worker {result.worker} failed in round {result.round}:\n{result.error}", file=sys.stderr)
                return None
            results.append(result)
        walls.append(time.perf_counter() - released)
        by_round.append(sorted(results, key=lambda result: result.worker))
    for process in processes:
        process.join()
    load_after = os.getloadavg()[0]
    parent_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    totals = empty()
    for result in by_round[0]:
        totals.add(result.totals)
    for results in by_round[1:]:
        again = empty()
        for result in results:
            again.add(result.totals)
        if again != totals:
            print(f"rounds disagree: the {what} is not deterministic", file=sys.stderr)
            return None
    return ParallelRun(totals, walls, by_round, generated, load_before, load_after, parent_kib, children_kib)


def print_setup(run: ParallelRun[Any], workers: int, freeze: bool, excluded: str, extra: Sequence[str] = ()) -> None:
    """The run's conditions: workers (then ``extra`` lines), gc.freeze, load, generation seconds."""
    print(f"workers:                        {workers} (os.cpu_count() = {os.cpu_count()})")
    for line in extra:
        print(line)
    print(f"gc.freeze() after generation:   {'yes' if freeze else 'no'}")
    print(f"load average (1 min):           {run.load_before:.2f} before, {run.load_after:.2f} after")
    print(f"generation wall seconds:        {run.generated:.2f} ({excluded})")
    print("  per worker: " + ", ".join(f"{r.generate_seconds:.2f} s" for r in run.by_round[0]))


def round_line(
    round_: int, wall: float, results: Sequence[WorkerResult[Any]], count: int, label: str, unit: str
) -> str:
    """A round's rate by the parent's clock, next to the span of the workers' own clocks."""
    worker_wall = max(r.finished for r in results) - min(r.started for r in results)
    return (
        f"  round {round_ + 1}: {label} {wall:.2f} s (worker clocks {worker_wall:.2f} s) = {count / wall:,.0f} {unit}"
    )


def headline(label: str, rates: Sequence[float]) -> str:
    """The parallel rate's headline: median, best and worst of the rounds, and what its clock measures."""
    return (
        f"{label}{median_best_worst(rates, ',.0f')}; all workers, wall clock from barrier release to the last"
        " worker's result"
    )


def print_contention_warning(run: ParallelRun[Any], wall: str) -> None:
    """Flag a run whose workers were off the CPU for much of their ``wall`` (another process took it)."""
    cpu_share = run.cpu_share()
    if cpu_share < 0.9:
        print(
            f"WARNING: the workers ran only {100 * cpu_share:.0f}% of their {wall}: other processes"
            " competed for the cores, so the rate is too low; rerun on a quiet machine"
        )


def print_peak_memory(run: ParallelRun[Any], generated: str, note: str = "") -> None:
    """Peak RSS of each worker (and after its generation), of the parent, of the largest child, and the sum.

    ``generated`` completes "after generating ..."; ``note`` ends the total's parenthesis (a target).
    """
    print("peak memory (max RSS):")
    for r in run.by_round[-1]:
        print(f"  worker {r.worker}: {mib(r.maxrss_kib)} ({mib(r.maxrss_generated_kib)} after generating {generated})")
    print(f"  parent: {mib(run.parent_kib)}; largest child (RUSAGE_CHILDREN): {mib(run.children_kib)}")
    print(f"  total across processes: {mib(run.total_kib)} (sum of peaks; pages shared after fork count in each{note})")


# --- a client's tax year, as the tax and scan benchmarks draw it ----------------------------------

ZERO = Decimal(0)
YEARS = (2025, 2026)
# Roughly the clientele of an advisory firm: more joint filers than the population at large.
# The values of ``taxprofiles.rules.federal.FilingStatus``, spelled out so as not to import the rules.
STATUS_WEIGHTS: dict[str, float] = {
    "married_joint": 0.45,
    "single": 0.33,
    "head_of_household": 0.12,
    "married_separate": 0.10,
}
# The states with special rules (CA/NY: gains as ordinary income; MA: split rates and surtax;
# WA: long-term gains only; PA/NJ: gains only; TX/FL: none; "": state unknown) get most of the weight.
STATE_WEIGHTS: dict[str, float] = {
    "CA": 0.16,
    "NY": 0.12,
    "MA": 0.08,
    "WA": 0.08,
    "PA": 0.06,
    "NJ": 0.04,
    "TX": 0.07,
    "FL": 0.05,
    "": 0.10,
    "IL": 0.03,
    "CO": 0.02,
    "GA": 0.02,
    "OR": 0.02,
    "MN": 0.02,
    "NC": 0.02,
    "VA": 0.02,
    "AZ": 0.02,
    "OH": 0.01,
    "MI": 0.01,
    "HI": 0.01,
    "DC": 0.01,
    "NV": 0.01,
}
STATUSES = tuple(STATUS_WEIGHTS)
STATES = tuple(STATE_WEIGHTS)


def cents(amount: float) -> Decimal:
    """Dollars as Decimal dollars and cents, as the database holds them."""
    return Decimal(round(amount * 100)).scaleb(-2)


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    """A draw whose logarithm is uniform: amounts spread evenly over orders of magnitude."""
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def signed_gain(rng: random.Random, p_gain: float, p_loss: float, size: float) -> Decimal:
    """A realized net gain (positive), net loss (negative) or nothing, of roughly ``size`` dollars."""
    draw = rng.random()
    if draw < p_gain:
        return cents(size)
    if draw < p_gain + p_loss:
        return -cents(size * rng.uniform(0.1, 0.6))
    return ZERO


def draw_tax_year(rng: random.Random) -> tuple[int, str, str, Income]:
    """A client's tax year: year, filing status, state and income, from ``rng``.

    Why shared: the scan benchmark draws its households' tax profiles as the valuation benchmark
    draws its clients, so that the two measure the engine on the same kind of clients. The draws
    (and so every figure for a given seed) depend on the exact order of the ``rng`` calls here.
    """
    from taxprofiles.rules.federal_tax import Income

    year = rng.choice(YEARS)
    status = rng.choices(STATUSES, weights=tuple(STATUS_WEIGHTS.values()))[0]
    state = rng.choices(STATES, weights=tuple(STATE_WEIGHTS.values()))[0]
    wages = log_uniform(rng, 30_000, 2_000_000)
    other = log_uniform(rng, 100, max(200.0, 0.05 * wages)) if rng.random() < 0.6 else 0.0
    portfolio = wages * rng.uniform(0.5, 8.0)
    st_gains = signed_gain(rng, 0.45, 0.20, portfolio * rng.uniform(0.002, 0.08))
    if rng.random() < 0.04:  # a concentrated position sold, a business sold
        lt_gains = cents(log_uniform(rng, 300_000, 4_000_000))
    else:
        lt_gains = signed_gain(rng, 0.60, 0.15, portfolio * rng.uniform(0.005, 0.25))
    st_carry = cents(log_uniform(rng, 1_000, 150_000)) if rng.random() < 0.18 else ZERO
    lt_carry = cents(log_uniform(rng, 1_000, 300_000)) if rng.random() < 0.22 else ZERO
    p_itemize = 0.15 if wages < 100_000 else 0.35 if wages < 400_000 else 0.60
    itemized = None
    if rng.random() < p_itemize:
        # State and local tax, mortgage interest, gifts: sometimes below the standard deduction.
        itemized = cents(wages * rng.uniform(0.03, 0.18) + rng.uniform(0, 25_000))
    return year, status, state, Income(cents(wages + other), st_gains, lt_gains, st_carry, lt_carry, itemized)
