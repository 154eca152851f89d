"""Chaos benchmark: hundreds of approved harvests executed by a django-q2 cluster that is killed every few seconds.

Why: a harvest is two orders and two ledger entries, and the worker that executes it can die between any
two of them (a deploy, the OOM killer, a lost host). The product promises that a restarted cluster
resumes what a killed one left (``harvesting.execution.reconcile_executions``, queued whenever a worker
starts and scheduled every minute) and that no order is ever sent twice (each is keyed by its client
order id at the broker). This script measures both promises and how long the book takes to settle.

How it measures:

- A scratch PostgreSQL database on the server of ``DATABASE_URL``, named ``<name>_bench_chaos_<pid>``,
  created with ``createdb`` and dropped at the end (``fresh_database`` of ``bench_scan_demo``); with
  ``--database-url`` that database instead (created and dropped the same way; it must not exist).
- This process: ``setup_django`` of ``bench_scan_demo`` (``DEBUG=1``, ``Q_SYNC=1``: scans run inline),
  ``migrate``, then untimed seeding: ``--households`` households of one firm, each holding
  ``--harvests-per-household`` lots bought at 200 now near 120, each security with the firm's named
  replacement (``tests/workers.py``: ``seed_market``, ``seed_losing_household``), every household
  scanned inline with the market clock pinned at the 2022-12-28 close, every recommended harvest
  approved (``opportunity_approve``, as the bulk approval does), their execution tasks queued to the
  ``--broker`` (Redis database 7, flushed first, or the ORM broker) as a web process would queue them.
- Timed, from the first cluster's start: one cluster (``manage.py qcluster``, ``Q_WORKERS=2``, its own
  process group) at a time; each is killed with SIGKILL after ``--kill-every`` seconds times a seeded
  factor in [0.5, 1.5], and another started, until every approved harvest is executed with no order
  still working (checked every 0.2 s), or ``--timeout``. The last cluster is then stopped.
- Then, untimed: orders the broker holds more than once (by client order id), sales the broker filled
  without their replacement purchase, filled orders without their ledger transaction, and households
  whose stored lots differ from a replay of their ledger (``household_lot_differences``). All must be
  0; the exit status is 1 otherwise.

Usage::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taxharvest .venv/bin/python bench/bench_chaos_execution.py
    ... bench/bench_chaos_execution.py --households 4 --harvests-per-household 5 --kill-every 2 --broker orm --seed 7
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_scan_demo import fresh_database, setup_django
from tests import workers


def scratch_url(given: str | None) -> str:
    """The database to create and drop: ``--database-url``, else a new name on ``DATABASE_URL``'s server."""
    if given is not None:
        return given
    ambient = os.environ.get("DATABASE_URL", "")
    if not ambient.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (or pass --database-url): the workers need one")
    parts = urlsplit(ambient)
    name = parts.path.lstrip("/") or "taxharvest"
    return urlunsplit(parts._replace(path=f"/{name}_bench_chaos_{os.getpid()}"))


def seed(households: int, per_household: int) -> list:
    """The firm, its market and households, each scanned; return the households."""
    from harvesting.models import Opportunity, OpportunityStatus
    from portfolios.models import Firm

    firm = Firm.objects.create(name="Chaos Capital", slug="chaos")
    pairs = workers.losing_symbols(per_household)
    workers.seed_market(firm, pairs)
    seeded = [
        workers.seed_losing_household(firm, f"Household {n:03d}", [symbol for symbol, _ in pairs])
        for n in range(households)
    ]
    for household in seeded:
        workers.scan_inline(household)
    found = Opportunity.objects.filter(status=OpportunityStatus.OPEN, rank__isnull=False, explanation__action="harvest")
    if found.count() != households * per_household:
        raise SystemExit(f"the scans recommend {found.count()} harvests, not {households * per_household}")
    return seeded


def approve_all(broker: str) -> int:
    """Approve every recommended harvest, one by one as the bulk approval does; queue to ``broker``."""
    from harvesting.execution import opportunity_approve
    from harvesting.models import Opportunity, OpportunityStatus

    plan = Opportunity.objects.filter(status=OpportunityStatus.OPEN, rank__isnull=False, explanation__action="harvest")
    with workers.tasks_queued_to(broker):
        for opportunity in plan.order_by("household_id", "rank"):
            opportunity_approve(opportunity=opportunity, user=None)
    return Opportunity.objects.filter(status=OpportunityStatus.APPROVED).count()


def run_chaos(args: argparse.Namespace, url: str, households: list, log_dir: Path) -> tuple[float | None, int, int]:
    """Run and kill clusters until the harvests settle; return (seconds to settle or None, kills, clusters)."""
    rng = random.Random(args.seed)
    started = time.monotonic()
    kills = clusters = 0
    while time.monotonic() - started < args.timeout:
        cluster = workers.start_cluster(args.broker, workers=2, db_url=url, log_dir=log_dir)
        clusters += 1
        life = args.kill_every * rng.uniform(0.5, 1.5)
        born = time.monotonic()
        while time.monotonic() - born < life:
            if workers.settlement(households, lots=False).settled:
                settled_after = time.monotonic() - started
                cluster.stop()
                return settled_after, kills, clusters
            time.sleep(0.2)
        cluster.kill9()
        kills += 1
        state = workers.settlement(households, lots=False)
        if state.settled:  # it finished just before its end
            return time.monotonic() - started, kills, clusters
        executed = state.executed
        print(f"  kill {kills:3d} at {time.monotonic() - started:6.1f} s (life {life:4.1f} s): {executed} executed")
    return None, kills, clusters


def report(households: list, approved: int, settled_after: float | None, kills: int, clusters: int) -> int:
    """Print the figures; return the exit status (1 when any must-be-zero figure is not)."""
    state = workers.settlement(households)
    mismatched = {line.split(":")[0] for line in state.lot_differences}
    print()
    settle = "not settled" if settled_after is None else f"{settled_after:.1f} s"
    for label, value in (
        ("harvests approved", approved),
        ("harvests executed", state.executed),
        ("clusters started / killed (SIGKILL)", f"{clusters} / {kills}"),
        ("time to settle", settle),
    ):
        print(f"{label + ':':<45}{value}")
    figures = {
        "duplicate orders at the broker": len(state.duplicate_orders),
        "orders missing at the broker": len(state.missing_orders),
        "sales without their buy": len(state.sales_without_buy),
        "fills without a ledger transaction": len(state.fills_without_transaction),
        "households whose lots differ from a replay": len(mismatched),
        "orders still working": state.unfinished_orders,
        "approved harvests not executed": approved - state.executed,
    }
    for label, value in figures.items():
        print(f"{label + ':':<45}{value}")
    for line in [*state.duplicate_orders, *state.sales_without_buy, *state.lot_differences][:20]:
        print(f"  {line}")
    return 1 if any(figures.values()) or settled_after is None else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20)
    parser.add_argument("--harvests-per-household", type=int, default=10)
    parser.add_argument("--kill-every", type=float, default=3.0, help="seconds a cluster lives (times 0.5-1.5)")
    parser.add_argument("--broker", choices=["redis", "orm"], default="redis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    parser.add_argument("--database-url", help="the scratch database to create and drop (default: from DATABASE_URL)")
    args = parser.parse_args()
    url = scratch_url(args.database_url)
    with fresh_database(url, reuse=False), tempfile.TemporaryDirectory(prefix="bench-chaos-") as log_dir:
        setup_django(url)
        from django.core.management import call_command

        from brokers.market_clock import pinned

        print(f"scratch database {url.split('@')[-1]}; broker {args.broker}; seed {args.seed}")
        if args.broker == "redis":
            if not workers.redis_available():
                raise SystemExit(f"Redis is not reachable at {workers.REDIS_URL}")
            workers.redis_flush()
        began = time.perf_counter()
        call_command("migrate", verbosity=0)
        with pinned(workers.CLOSE):
            households = seed(args.households, args.harvests_per_household)
            approved = approve_all(args.broker)
        print(f"set-up (migrate, seed, scan, approve): {time.perf_counter() - began:.1f} s; {approved} approved")
        settled_after, kills, clusters = run_chaos(args, url, households, Path(log_dir))
        status = report(households, approved, settled_after, kills, clusters)
        stopped = workers.stop_all()
        if status:
            print(workers.logs_of(stopped[-2:], tail=6000))
        if args.broker == "redis":
            workers.redis_flush()
        return status


if __name__ == "__main__":
    sys.exit(main())
