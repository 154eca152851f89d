"""Benchmark the time from a price tick to a persisted harvest opportunity, with a real django-q2 worker.

Why: the point of the feed and of monitoring is that a dip is in front of the advisor within
seconds. The target is a 95th percentile under 2 seconds from the moment a tick is stored to the
moment the ``Opportunity`` it causes is a row in the database, with a worker running as in
production. On that path: the batch commits (``brokers.feed._store``), ``prices_ingested`` is sent
on commit, ``harvesting.monitoring`` queues a scan of each household holding the security in a
taxable account, a worker process takes the task from the broker and scans the household.

How it measures:

- A fresh database: by default a new SQLite file under ``/tmp`` (removed at the end); with
  ``--database-url postgres://user@host:port/name`` a PostgreSQL database, created with
  ``createdb`` and dropped at the end (an existing one only with ``--reuse-database``, and kept).
  The helpers are ``bench_scan_demo``'s.
- The environment is set before ``django.setup()``, and the worker inherits it: ``DATABASE_URL``,
  ``DEBUG=1`` (the development secret key), ``Q_SYNC=0`` (``bench_scan_demo.setup_django`` sets
  ``Q_SYNC=1``, which would run every scan inline in this process, so it is not used here),
  ``LOG_LEVEL=WARNING``, ``MONITOR_ENABLED=1``, ``MONITOR_SCAN_INTERVAL`` (``--scan-interval``,
  default 1 second), ``Q_WORKERS`` (``--workers``, default 2, the product's default), and
  ``REDIS_URL`` only with ``--redis-url`` (without it, django-q2's ORM broker, which the cluster
  polls every 0.2 s). ``MARKET_CLOCK`` and ``MARKET_TIME`` are removed: the feed moves the clock.
- Untimed set-up: ``migrate``, ``load_prices``, ``seed_demo`` (the demo firm: 12 households with
  taxable lots); the feed state row a feed runner writes when it begins (``_feed_begin``, a replay-like
  provider: not live, so the market clock is the market time the feed has reached, in December 2022).
- The worker is ``python manage.py qcluster``, a subprocess in its own session (a Ctrl-C reaches
  this process only), its output in a log file under ``/tmp``. It is up when a ping task has made
  the round trip through the broker. Then one firm-wide scan, untimed, warms it as a worker that has
  been running is warm (the first scan in each worker process imports the scan's modules and reads a
  year of closes); ``--no-warm-up`` measures cold workers. At the end, and on any error or Ctrl-C, the worker
  gets SIGTERM and is waited for (its process group is killed only if it has not exited in 30 s).
- Debounce. Monitoring scans a household at most once per interval: the first move after a quiet
  interval queues a scan at once (the leading edge), later moves fold into one scan at the interval's
  end (the trailing edge, a delay the product chooses, not a latency). The figure to measure is the
  leading edge: before each tick, untimed, this waits until no scan is queued or running, no trailing
  scan is booked and no household was queued within the interval. A short interval (1 s) keeps those
  waits short; targeting only households not scanned recently would leave too few samples, since every
  tick rescans every household holding its security.
- Each of ``--samples`` ticks (default 30): the next demo household in turn and, in turn, a security
  it holds in a taxable account; a dip to 80% of the lower of the security's last close and the
  lowest cost per share of those lots, so that every one of them is at a 20% loss at least (the scan
  then records each as an opportunity, whatever it recommends: harvest, below the minimum, no
  replacement, blocked by a wash sale), and so that dips do not compound from tick to tick (a cent
  lower when another household's dip already left the price there: a tick must move the price to
  rescan anyone); one intraday tick at that price, 10 seconds after the market clock. The tick is
  stored as the feed runner stores a batch: ``_store(Batch)`` (the prices and the clock's move in one
  transaction), then ``monitor_due()``, which the runner calls after every batch and every second while
  it idles. The clock starts when that transaction commits (the first ``on_commit`` callback, before
  monitoring's), and stops when polling (every 10 ms) finds an opportunity of that household for that
  security, from a run created after the tick, at the dip price. A sample not found within
  ``--timeout`` seconds (default 30) is a miss; the 95th percentile counts misses as longer than that.
- The 1-minute load average and ``_harness.reference_seconds()`` are printed before and after the
  ticks: the host's speed drifts (shared vCPUs, other processes), and this shows by how much.
- Printed: each sample, count, min, median, p95 (nearest rank), max, the verdict, how long the worker
  took to pick each scan up (the run's ``started_at``), and how many scans ran and how they ended.

Usage::

    .venv/bin/python bench/bench_tick_to_opportunity.py                    # SQLite in /tmp, ORM broker
    .venv/bin/python bench/bench_tick_to_opportunity.py --database-url postgres://postgres@127.0.0.1:5432/bench_tick
    .venv/bin/python bench/bench_tick_to_opportunity.py --redis-url redis://127.0.0.1:6379/5
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _harness
from bench.bench_price_ingest import code_fingerprint
from bench.bench_scan_demo import fresh_database

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_SECONDS = 2.0
DIP = Decimal("0.80")
CENT = Decimal("0.01")
TICK_STEP = timedelta(seconds=10)
POLL_SECONDS = 0.01
IDLE_TIMEOUT_SECONDS = 120.0
WORKER_START_SECONDS = 60.0
WORKER_STOP_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class BenchFeed:
    """The provider the feed state names: not live, so the market clock is the time the feed reached."""

    name: str = "bench"
    live: bool = False

    def batches(self) -> Iterator[Any]:
        return iter(())


@dataclass(frozen=True, slots=True)
class Target:
    household_id: int
    household: str
    security_id: int
    symbol: str
    lowest_cost: Decimal  # per share, of the household's taxable lots in the security
    last_close: Decimal  # of the stored history


@dataclass(frozen=True, slots=True)
class Sample:
    target: Target
    before: Decimal
    dip: Decimal
    at: datetime
    latency: float | None  # None: a miss
    pickup: float | None  # commit to the worker starting the run that found it
    runs: int  # scans this tick set going


def setup_environment(url: str, redis_url: str | None, interval: int, workers: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"
    os.environ["Q_SYNC"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["MONITOR_ENABLED"] = "1"
    os.environ["MONITOR_SCAN_INTERVAL"] = str(interval)
    os.environ["Q_WORKERS"] = str(workers)
    os.environ["DJANGO_SETTINGS_MODULE"] = "taxharvest.settings"
    for name in ("MARKET_CLOCK", "MARKET_TIME"):
        os.environ.pop(name, None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


# --- the worker -----------------------------------------------------------------------------------


@contextlib.contextmanager
def qcluster(log: IO[str]) -> Iterator[subprocess.Popen[str]]:
    """Run ``manage.py qcluster`` with this process's environment; SIGTERM it and wait, whatever happens."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        started = time.perf_counter()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=WORKER_STOP_SECONDS)
                how = "SIGTERM"
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: only the processes it started
                process.wait()
                how = f"SIGKILL after {WORKER_STOP_SECONDS:.0f} s without exiting on SIGTERM"
            print(
                f"worker stopped:           {how}, in {time.perf_counter() - started:.1f} s (exit {process.returncode})"
            )
        else:
            print(f"worker had exited:        exit {process.returncode}")


def log_tail(log: IO[str], lines: int = 30) -> str:
    log.flush()
    return "\n".join(Path(log.name).read_text(errors="replace").splitlines()[-lines:])


def wait_until_up(process: subprocess.Popen[str], log: IO[str]) -> float:
    """Seconds until a ping task has gone through the broker and a worker; fail if the worker dies."""
    from django_q.tasks import async_task, result

    started = time.perf_counter()
    task_id = async_task("math.sqrt", 4.0)
    while result(task_id, wait=200) != 2.0:
        if process.poll() is not None:
            raise SystemExit(f"the worker exited ({process.returncode}) before it ran a task:\n{log_tail(log)}")
        if time.perf_counter() - started > WORKER_START_SECONDS:
            raise SystemExit(f"the worker ran no task within {WORKER_START_SECONDS:.0f} s:\n{log_tail(log)}")
    return time.perf_counter() - started


def wait_idle(interval: float, process: subprocess.Popen[str], log: IO[str]) -> float:
    """Wait until no scan is queued, running or booked and no household was queued within the interval."""
    from django.db.models import Max, Q
    from django.utils import timezone

    from harvesting.models import HarvestRun, HouseholdMonitor, RunStatus

    started = time.perf_counter()
    while True:
        busy = HarvestRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()
        booked = HouseholdMonitor.objects.filter(Q(scheduled_for__isnull=False) | Q(scanning_since__isnull=False))
        last = HouseholdMonitor.objects.aggregate(last=Max("last_queued_at"))["last"]
        quiet = last is None or last <= timezone.now() - timedelta(seconds=interval)
        if not busy and not booked.exists() and quiet:
            return time.perf_counter() - started
        if process.poll() is not None:
            raise SystemExit(f"the worker exited ({process.returncode}):\n{log_tail(log)}")
        if time.perf_counter() - started > IDLE_TIMEOUT_SECONDS:
            raise SystemExit(f"scans still queued or running after {IDLE_TIMEOUT_SECONDS:.0f} s:\n{log_tail(log)}")
        time.sleep(POLL_SECONDS)


# --- the samples ----------------------------------------------------------------------------------


def targets(firm: Any) -> list[list[Target]]:
    """Per demo household (by name), each security of its taxable lots (by symbol)."""
    from django.db.models import Max

    from portfolios.models import AccountType, Price, Security, TaxLot
    from portfolios.price_store import latest_quotes

    last_close = Price.objects.filter(intraday=False).aggregate(last=Max("timestamp"))["last"]
    closes = {
        pk: quote.price
        for pk, quote in latest_quotes(Security.objects.values_list("pk", flat=True), at=last_close).items()
    }
    lowest: dict[tuple[int, int], Decimal] = {}
    names: dict[tuple[int, int], tuple[str, str]] = {}
    lots = TaxLot.objects.filter(account__household__firm=firm, account__account_type=AccountType.TAXABLE)
    for household_id, household, security_id, symbol, basis, quantity in lots.values_list(
        "account__household_id",
        "account__household__name",
        "security_id",
        "security__symbol",
        "adjusted_basis",
        "quantity",
    ):
        key = (household_id, security_id)
        cost = basis / quantity
        lowest[key] = min(lowest.get(key, cost), cost)
        names[key] = (household, symbol)
    by_household: dict[str, list[Target]] = {}
    for key, cost in lowest.items():
        household, symbol = names[key]
        by_household.setdefault(household, []).append(Target(key[0], household, key[1], symbol, cost, closes[key[1]]))
    return [sorted(found, key=lambda t: t.symbol) for _, found in sorted(by_household.items())]


def sample(target: Target, timeout: float, feed: BenchFeed) -> Sample:
    """Store one dip tick as the feed does and time it from its commit to the opportunity it causes."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from brokers.feed import _store
    from brokers.market_clock import market_now
    from brokers.market_data import Batch, Tick
    from harvesting.models import HarvestRun, Opportunity
    from harvesting.monitoring import monitor_due
    from portfolios.price_store import latest_quotes

    now = market_now()
    before = latest_quotes([target.security_id], at=now)[target.security_id].price
    dip = (min(target.last_close, target.lowest_cost) * DIP).quantize(CENT)
    if dip == before:  # another household's dip left it there: a tick that moves nothing rescans no one
        dip -= CENT
    at = now + TICK_STEP
    batch = Batch(at, (Tick(target.symbol, at, dip, intraday=True, simulated=True),))
    last_run = HarvestRun.objects.aggregate(last=Max("pk"))["last"] or 0
    committed: list[tuple[float, datetime]] = []

    with transaction.atomic():
        transaction.on_commit(lambda: committed.append((time.perf_counter(), timezone.now())))
        _store(batch, feed, time.monotonic(), time.monotonic)
    monitor_due()
    start, start_wall = committed[0]
    next_idle_check = start + 1.0
    found = Opportunity.objects.filter(
        household_id=target.household_id, security_id=target.security_id, run__gt=last_run
    )
    latency = pickup = None
    while True:
        row = found.filter(price=dip).values_list("run__started_at").first()
        now_seconds = time.perf_counter()
        if row is not None:
            latency = now_seconds - start
            pickup = (row[0] - start_wall).total_seconds() if row[0] is not None else None
            break
        if now_seconds - start > timeout:
            break
        if now_seconds >= next_idle_check:  # as the runner does every second while it waits
            monitor_due()
            next_idle_check += 1.0
        time.sleep(POLL_SECONDS)
    runs = HarvestRun.objects.filter(pk__gt=last_run).count()
    return Sample(target, before, dip, at, latency, pickup, runs)


def nearest_rank(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def sample_line(number: int, result: Sample) -> str:
    from django.utils import timezone

    shown = f"{result.latency:6.3f} s" if result.latency is not None else "  MISS  "
    pickup = f", picked up after {result.pickup:.3f} s" if result.pickup is not None else ""
    return (
        f"  {number:3d}  {result.target.household:<21} {result.target.symbol:<5}"
        f" {result.before:>8.2f} -> {result.dip:>8.2f} at {timezone.localtime(result.at):%H:%M:%S}:"
        f" {shown}; {result.runs} scans{pickup}"
    )


# --- main -----------------------------------------------------------------------------------------


def run(
    url: str, redis_url: str | None, samples: int, timeout: float, interval: int, workers: int, warm_up: bool
) -> int:
    setup_environment(url, redis_url, interval, workers)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.models import Task

    from brokers import feed as feed_module
    from brokers.feed import _feed_begin
    from harvesting import monitoring, scanning
    from harvesting.models import HarvestRun, Trigger
    from harvesting.scanning import scan_start
    from portfolios import price_store
    from portfolios.demo import DEMO_FIRM_SLUG
    from portfolios.models import Firm

    vendor = f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            vendor = f"postgresql {cursor.fetchone()[0]}"
    shown_url = url if connection.vendor == "sqlite" else url.split("@")[-1]
    print(f"database:                 {vendor} at {shown_url}")
    print(f"measured:                 {code_fingerprint([price_store, feed_module, monitoring, scanning])}")
    setup: list[tuple[str, float]] = []
    for command in ("migrate", "load_prices", "seed_demo"):
        started = time.perf_counter()
        call_command(command, verbosity=0, stdout=io.StringIO(), stderr=io.StringIO())
        setup.append((command, time.perf_counter() - started))
    print("set-up (untimed):         " + ", ".join(f"{command} {seconds:.1f} s" for command, seconds in setup))
    firm = Firm.objects.get(slug=DEMO_FIRM_SLUG)
    per_household = targets(firm)
    pairs = sum(len(found) for found in per_household)
    print(f"demo book:                {firm.name}: {len(per_household)} households with taxable lots,")
    print(f"                          {pairs} (household, security) pairs of taxable lots")
    feed = BenchFeed()
    _feed_begin(feed, {"bench": "tick_to_opportunity"})

    broker = get_broker()
    if redis_url and broker.queue_size():
        raise SystemExit(f"the Redis queue {broker.list_key!r} at {redis_url} is not empty: name another database")
    where = f"Redis at {redis_url}" if redis_url else f"the ORM broker, polled every {Conf.POLL} s"
    print(f"worker:                   manage.py qcluster, {Conf.WORKERS} worker processes, {where}")
    print(f"monitoring:               MONITOR_SCAN_INTERVAL={settings.MONITOR_SCAN_INTERVAL} s; before each tick,")
    print("                          untimed: no scan queued, running or booked, and none queued within it")
    descriptor, name = tempfile.mkstemp(prefix="taxharvest-bench-qcluster-", suffix=".log")
    os.close(descriptor)
    log_path = Path(name)
    failed = True
    try:
        with log_path.open("w+") as log, qcluster(log) as process:
            print(f"worker up:                after {wait_until_up(process, log):.2f} s (a ping task's round trip)")
            if warm_up:
                started = time.perf_counter()
                warm = scan_start(firm=firm)
                wait_idle(0, process, log)
                warm.refresh_from_db()
                print(
                    f"warm-up (untimed):        one firm-wide scan, {warm.households_done} households in"
                    f" {time.perf_counter() - started:.1f} s ({warm.status})"
                )
            else:
                print("warm-up:                  none (--no-warm-up): the first scans run in cold workers")
            print(
                f"timed:                    {samples} ticks through brokers.feed._store, from the commit to the"
                f" opportunity's row (polled every {1000 * POLL_SECONDS:.0f} ms), timeout {timeout:g} s"
            )
            first_run = HarvestRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            timed_from = timezone.now()
            host_before = os.getloadavg()[0], _harness.reference_seconds()
            results: list[Sample] = []
            idle: list[float] = []
            for number in range(samples):
                found = per_household[number % len(per_household)]
                target = found[(number // len(per_household)) % len(found)]
                idle.append(wait_idle(interval, process, log))
                result = sample(target, timeout, feed)
                results.append(result)
                print(sample_line(number + 1, result))
            idle.append(wait_idle(interval, process, log))
            host_after = os.getloadavg()[0], _harness.reference_seconds()
        runs = HarvestRun.objects.filter(pk__gt=first_run)
        statuses = Counter(runs.values_list("status", flat=True))
        triggers = Counter(runs.values_list("trigger", flat=True))
        tasks = Counter(
            Task.objects.filter(func="harvesting.scanning.scan_task", started__gte=timed_from).values_list(
                "success", flat=True
            )
        )
        print(
            f"host:                     load average (1 min) {host_before[0]:.2f} before, {host_after[0]:.2f} after;"
            f" reference loop {host_before[1]:.3f} s before, {host_after[1]:.3f} s after"
        )
        print(f"waits for a quiet queue:  {sum(idle):.1f} s in all, untimed (median {statistics.median(idle):.2f} s)")
        misses = report(results, timeout)
        print(
            f"scans run:                {sum(statuses.values())} runs during the timed ticks ("
            + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
            + "; "
            + ", ".join(f"{n} triggered by {Trigger(trigger).label.lower()}" for trigger, n in sorted(triggers.items()))
            + f"); scan tasks in django-q2: {tasks[True]} succeeded, {tasks[False]} failed"
        )
        failed = bool(misses or statuses.get("failed") or tasks[False])
    finally:
        if failed:
            print(f"worker log (kept):        {log_path}")
        else:
            log_path.unlink(missing_ok=True)
    return 1 if failed else 0


def report(results: list[Sample], timeout: float) -> int:
    """Print the latency figures and the verdict; return the misses."""
    latencies = [r.latency for r in results if r.latency is not None]
    misses = len(results) - len(latencies)
    if latencies:
        p95 = nearest_rank(latencies + [math.inf] * misses, 0.95)
        shown_p95 = f"{p95:.3f} s" if p95 != math.inf else f"a miss (> {timeout:g} s)"
        print(
            f"LATENCY (commit to opportunity): {len(latencies)} of {len(results)} found ({misses} missed);"
            f" min {min(latencies):.3f} s, median {statistics.median(latencies):.3f} s, p95 {shown_p95},"
            f" max {max(latencies):.3f} s"
        )
        pickups = [r.pickup for r in results if r.pickup is not None]
        if pickups:
            print(
                f"worker pick-up:           median {statistics.median(pickups):.3f} s, max {max(pickups):.3f} s"
                " from the commit to the scan's start (the rest is the scan itself)"
            )
    else:
        p95 = math.inf
        print(f"LATENCY (commit to opportunity): none of {len(results)} found within {timeout:g} s")
    print(f"target p95 < {TARGET_P95_SECONDS:.0f} s:         {'MET' if p95 < TARGET_P95_SECONDS else 'MISSED'}")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=None,
        help="e.g. postgres://postgres@127.0.0.1:5432/bench_tick (created and dropped); default a new SQLite file",
    )
    parser.add_argument("--reuse-database", action="store_true", help="run on an existing PostgreSQL database")
    parser.add_argument("--redis-url", default=None, help="e.g. redis://127.0.0.1:6379/5; default the ORM broker")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a sample is a miss")
    parser.add_argument("--scan-interval", type=int, default=1, help="MONITOR_SCAN_INTERVAL, seconds")
    parser.add_argument("--workers", type=int, default=2, help="Q_WORKERS of the cluster")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false", help="no firm-wide scan first")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    with fresh_database(args.database_url, args.reuse_database) as url:
        return run(url, args.redis_url, args.samples, args.timeout, args.scan_interval, args.workers, args.warm_up)


if __name__ == "__main__":
    sys.exit(main())
