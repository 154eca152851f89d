"""Benchmark writing market-data ticks into PostgreSQL: ``prices_ingest`` throughput, and ``latest_quotes``.

Why: a feed streams prices in, and every batch is written by
``portfolios.price_store.prices_ingest`` (one ``INSERT ... SELECT FROM unnest(arrays) ON CONFLICT``
per 20,000 rows, and the latest-price cache moved in the same transaction). The target is at least
50,000 ticks per second into PostgreSQL, the database a deployment with a live feed runs on. Every
scan and every page then asks ``latest_quotes`` for "the price now", so its two paths are timed too.

How it measures:

- A fresh PostgreSQL database: by default ``taxharvest_bench_ingest_<pid>`` on 127.0.0.1:5432,
  created with ``createdb`` and dropped at the end; ``--database-url postgres://user@host:port/name``
  names another one (created when it does not exist, then dropped; an existing one is used only with
  ``--reuse-database``, and then kept). Another engine's URL is used as given (SQLite works too, but
  the target is about PostgreSQL).
- The environment is set before ``django.setup()`` (``bench_scan_demo.setup_django``: ``DATABASE_URL``,
  ``DEBUG=1`` for the development secret key, ``Q_SYNC=1``, ``LOG_LEVEL=WARNING``, no ``REDIS_URL``),
  plus ``MONITOR_ENABLED=0``: the ``prices_ingested`` signal is still sent on commit, but monitoring
  does not react to it, so no household scan is queued and only the ingest is measured
  (``bench_tick_to_opportunity.py`` measures the rest of the path).
- Untimed set-up: ``migrate``, ``load_prices`` (the bundled 1990-2022 closes, about 175,000 rows),
  then the ticks of every timed call, built before it: intraday, simulated ticks of the 21 stored
  securities, round-robin, after the history's last close (each call's after the previous call's, so
  every "new rows" call inserts rows that do not exist yet). By default every tick has its own
  instant, 40 ms after the one before (quotes and trades of a live stream are stamped apart, and
  ``prices_ingest`` reads the prices before the batch with one query per distinct newest instant);
  with ``--aligned`` the securities' ticks share each second, as minute bars and the replay's
  batches are stamped.
- Timed, for each ``--sizes`` (ticks per call) and ``--rounds`` times, three calls, each its own
  transaction (``prices_ingest`` is atomic; the commit is inside the clock):
  ``new rows`` (inserts), ``re-send`` (the same ticks again: the idempotent path, which must change
  no row), ``corrected`` (the same instants at new prices: updates). After each call (untimed) the
  table's row count and a stored price are checked against what the call should have done.
- Django's debug cursor (``DEBUG=1``) keeps the text of every statement (megabytes for a
  50,000-tick ``unnest``); production runs with ``DEBUG`` off, so the timed calls run with
  ``DEBUG=False`` (``override_settings``); ``--debug-cursor`` keeps it on. Every statement of a
  timed call is counted (``connection.execute_wrapper``) with the seconds spent executing it, so
  the Python side and the database side of a call can be told apart (roughly: the COMMIT and the
  FETCHes of a server-side cursor, ``QuerySet.iterator()`` on PostgreSQL, are not in those seconds).
- Each rate is ticks / seconds of one call; the headline per size and path is the median of the
  rounds, with the best and the worst (``_harness.median_best_worst``). The target counts as met for
  a path when its median reaches 50,000 ticks/s.
- The 1-minute load average and ``_harness.reference_seconds()`` are printed before and after the
  timed calls: the host's speed drifts (shared vCPUs, other processes), and this shows by how much.
- ``latest_quotes`` of every stored security, ``--quote-calls`` times each: with the market clock
  (no feed state, so the newest stored price: the cache answers), and with ``at=`` the history's
  last close, which is behind every cached price, so each security falls back to an index probe.

Usage::

    .venv/bin/python bench/bench_price_ingest.py                       # a new PostgreSQL database
    .venv/bin/python bench/bench_price_ingest.py --sizes 1000,50000 --rounds 3
    .venv/bin/python bench/bench_price_ingest.py --database-url postgres://postgres@127.0.0.1:5432/bench_ingest
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _harness
from bench.bench_scan_demo import QueryCounter, fresh_database, setup_django

ROOT = Path(__file__).resolve().parents[1]
TARGET_TICKS_PER_SECOND = 50_000
DEFAULT_SIZES = (21, 1_000, 10_000, 50_000)
CORRECTION = Decimal("0.01")
PATHS = ("new rows", "re-send", "corrected")
STAGGER = timedelta(milliseconds=40)


@dataclass(frozen=True, slots=True)
class Call:
    seconds: float
    statements: int
    database_seconds: float


def default_database_url() -> str:
    return f"postgres://postgres@127.0.0.1:5432/taxharvest_bench_ingest_{os.getpid()}"


def code_fingerprint(modules: Sequence[Any]) -> str:
    """Which version of the code was measured (there is no commit to name while it is being edited)."""
    names = ", ".join(_harness.project_path(module) for module in modules)
    return f"sha256 {_harness.source_digest(modules)} of {names}"


def sizes_arg(raw: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in raw.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive numbers of ticks, e.g. 21,1000,10000,50000")
    return sizes


# --- inputs ---------------------------------------------------------------------------------------


class TickMaker:
    """Synthetic intraday ticks of the stored securities, round-robin, each call's after the previous call's.

    Staggered (the default), every tick has its own instant, 40 ms after the one before, as quotes and
    trades stream in; aligned, the securities' ticks share each second, as minute bars and the replay's
    batches do.
    """

    def __init__(self, last_prices: dict[str, Decimal], after: datetime, seed: int, aligned: bool) -> None:
        self.symbols = sorted(last_prices)
        self.prices = dict(last_prices)
        self.next_at = after + timedelta(minutes=1)
        self.rng = random.Random(seed)
        self.aligned = aligned

    def make(self, count: int) -> list[Any]:
        from brokers.market_data import Tick

        ticks = []
        for i in range(count):
            symbol = self.symbols[i % len(self.symbols)]
            price = (self.prices[symbol] * Decimal(1 + self.rng.gauss(0, 0.0005))).quantize(Decimal("0.0001"))
            self.prices[symbol] = price
            at = self.next_at + (timedelta(seconds=i // len(self.symbols)) if self.aligned else STAGGER * i)
            ticks.append(Tick(symbol, at, price, self.rng.randrange(100, 5_000), intraday=True, simulated=True))
        self.next_at += timedelta(seconds=count // len(self.symbols) + 1) if self.aligned else STAGGER * count
        self.next_at += timedelta(seconds=1)
        return ticks


# --- measuring ------------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> Call:
    """Time one call, counting its SQL statements and the seconds the driver spent on them."""
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        call()
        seconds = time.perf_counter() - started
    return Call(seconds, counter.statements, counter.seconds)


def stored_price(tick: Any) -> Decimal | None:
    from portfolios.models import Price

    return Price.objects.filter(security__symbol=tick.symbol, timestamp=tick.at).values_list("price", flat=True).first()


def check(path: str, ticks: Sequence[Any], rows_before: int, expected_price: Decimal) -> int:
    """Fail loudly when a call did not do what its path should; return the table's rows (untimed)."""
    from portfolios.models import Price

    rows = Price.objects.count()
    added = len(ticks) if path == "new rows" else 0
    stored = stored_price(ticks[-1])
    if rows != rows_before + added or stored != expected_price:
        raise SystemExit(
            f"{path} of {len(ticks):,} ticks: expected {added:,} new rows and the last tick at {expected_price},"
            f" found {rows - rows_before:,} new rows and {stored}"
        )
    return rows


def ingest_rounds(maker: TickMaker, sizes: Sequence[int], rounds: int) -> dict[tuple[int, str], list[Call]]:
    """Run every size's rounds of the three paths; return the calls by (size, path)."""
    from portfolios.models import Price
    from portfolios.price_store import prices_ingest

    calls: dict[tuple[int, str], list[Call]] = {(size, path): [] for size in sizes for path in PATHS}
    rows = Price.objects.count()
    for size in sizes:
        for _ in range(rounds):
            ticks = maker.make(size)
            corrected = [replace(tick, price=tick.price + CORRECTION) for tick in ticks]
            for path, batch in zip(PATHS, (ticks, ticks, corrected), strict=True):
                calls[size, path].append(timed(lambda batch=batch: prices_ingest(batch)))
                rows = check(path, batch, rows, batch[-1].price)
    return calls


def rate_line(label: str, size: int, calls: Sequence[Call]) -> str:
    rates = [size / call.seconds for call in calls]
    statements = statistics.median(call.statements for call in calls)
    in_driver = statistics.median(call.database_seconds / call.seconds for call in calls)
    return (
        f"    {label:<11} {_harness.median_best_worst(rates, ',.0f', unit=' ticks/s', width=9)};"
        f" {statistics.median(call.seconds for call in calls) * 1000:,.1f} ms per call,"
        f" {statements:.0f} statements, {100 * in_driver:.0f}% of it executing them"
    )


def quote_timings(ids: list[int], at: datetime | None, calls: int) -> list[float]:
    from portfolios.price_store import latest_quotes

    seconds = []
    for _ in range(calls):
        started = time.perf_counter()
        latest_quotes(ids, at=at)
        seconds.append(time.perf_counter() - started)
    return seconds


def quote_line(label: str, seconds: Sequence[float], statements: int) -> str:
    shown = _harness.median_best_worst([1000 * s for s in seconds], ".3f", unit=" ms", width=6, lower_is_better=True)
    return f"  {label:<29} {shown}; {statements} statements per call"


# --- main -----------------------------------------------------------------------------------------


def run(url: str, sizes: list[int], rounds: int, quote_calls: int, seed: int, aligned: bool, debug_cursor: bool) -> int:
    os.environ["MONITOR_ENABLED"] = "0"
    setup_django(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from portfolios import price_store
    from portfolios.models import LatestPrice, Price, Security
    from portfolios.price_store import latest_quotes

    vendor = f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            vendor = f"postgresql {cursor.fetchone()[0]}"
    shown_url = url if connection.vendor == "sqlite" else url.split("@")[-1]
    print(f"database:                 {vendor} at {shown_url}")
    print(f"measured:                 {code_fingerprint([price_store])}")
    setup: list[tuple[str, float]] = []
    for command in ("migrate", "load_prices"):
        started = time.perf_counter()
        call_command(command, verbosity=0, stdout=io.StringIO(), stderr=io.StringIO())
        setup.append((command, time.perf_counter() - started))
    print("set-up (untimed):         " + ", ".join(f"{command} {seconds:.1f} s" for command, seconds in setup))

    latest = {
        symbol: (price, stamp)
        for symbol, price, stamp in LatestPrice.objects.values_list("security__symbol", "price", "timestamp")
    }
    history_end = max(stamp for _, stamp in latest.values())
    rows_before = Price.objects.count()
    print(
        f"prices table:             {rows_before:,} rows of {len(latest)} securities,"
        f" the last close at {history_end:%Y-%m-%d %H:%M %Z}"
    )
    print(
        f"monitoring:               {'on' if settings.MONITOR_ENABLED else 'off'} (MONITOR_ENABLED=0: no scan queued)"
    )
    print(f"debug cursor:             {'on (--debug-cursor)' if debug_cursor else 'off during the timed calls'}")
    print(
        f"timed:                    prices_ingest(ticks), {rounds} rounds per size and path, each call its own"
        " transaction; ticks built untimed"
    )
    if aligned:
        print("ticks:                    aligned (--aligned): the securities' ticks share each second, as bars do")
    else:
        print(f"ticks:                    staggered: each its own instant, {STAGGER.microseconds // 1000} ms apart")
    maker = TickMaker({symbol: price for symbol, (price, _) in latest.items()}, history_end, seed, aligned)
    host_before = os.getloadavg()[0], _harness.reference_seconds()
    with override_settings(DEBUG=debug_cursor):
        calls = ingest_rounds(maker, sizes, rounds)
    host_after = os.getloadavg()[0], _harness.reference_seconds()
    print(
        f"host:                     load average (1 min) {host_before[0]:.2f} before, {host_after[0]:.2f} after;"
        f" reference loop {host_before[1]:.3f} s before, {host_after[1]:.3f} s after"
    )
    for size in sizes:
        print(f"  {size:,} ticks per call:")
        for path in PATHS:
            print(rate_line(path, size, calls[size, path]))
    rows_after = Price.objects.count()
    intraday = Price.objects.filter(intraday=True).count()
    print(f"prices table afterwards:  {rows_after:,} rows ({intraday:,} intraday ticks added by the timed calls)")

    verdicts = {
        (size, path): statistics.median(size / call.seconds for call in calls[size, path]) >= TARGET_TICKS_PER_SECOND
        for size in sizes
        for path in PATHS
    }
    print(f"target >= {TARGET_TICKS_PER_SECOND:,} ticks/s (median of the rounds):")
    for path in PATHS:
        met = [size for size in sizes if verdicts[size, path]]
        missed = [size for size in sizes if not verdicts[size, path]]
        parts = []
        if met:
            parts.append("MET at " + ", ".join(f"{size:,}" for size in met))
        if missed:
            parts.append("MISSED at " + ", ".join(f"{size:,}" for size in missed))
        print(f"  {path:<11} {'; '.join(parts)} ticks per call")
    largest = max(sizes)
    print(
        f"TICKS PER SECOND ({largest:,} per call, new rows): "
        + _harness.median_best_worst([largest / call.seconds for call in calls[largest, "new rows"]], ",.0f")
    )

    ids = list(Security.objects.values_list("pk", flat=True))
    newest = dict(LatestPrice.objects.values_list("security_id", "timestamp"))
    cached = latest_quotes(ids)
    fallback = latest_quotes(ids, at=history_end)
    if len(cached) != len(ids) or any(quote.at != newest[pk] for pk, quote in cached.items()):
        raise SystemExit("latest_quotes with the market clock did not answer every security's newest tick")
    if len(fallback) != len(ids) or any(quote.at != history_end for quote in fallback.values()):
        raise SystemExit("latest_quotes at the history's end did not answer every security's last close")
    print(
        f"latest_quotes of {len(ids)} securities, {quote_calls} calls each (the last close,"
        f" {timezone.localtime(history_end):%Y-%m-%d %H:%M %Z}, is behind every cached price):"
    )
    with override_settings(DEBUG=debug_cursor):
        hit_statements = timed(lambda: latest_quotes(ids)).statements
        miss_statements = timed(lambda: latest_quotes(ids, at=history_end)).statements
        hits = quote_timings(ids, None, quote_calls)
        misses = quote_timings(ids, history_end, quote_calls)
    print(quote_line("market clock (the cache)", hits, hit_statements))
    print(quote_line("at= the last close (fallback)", misses, miss_statements))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=None,
        help="default postgres://postgres@127.0.0.1:5432/taxharvest_bench_ingest_<pid> (created and dropped)",
    )
    parser.add_argument("--reuse-database", action="store_true", help="run on an existing PostgreSQL database")
    parser.add_argument(
        "--sizes",
        type=sizes_arg,
        default=list(DEFAULT_SIZES),
        help=f"ticks per call, comma-separated (default {','.join(str(s) for s in DEFAULT_SIZES)})",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quote-calls", type=int, default=200, help="latest_quotes calls per path")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic ticks' prices")
    parser.add_argument("--aligned", action="store_true", help="the securities' ticks share each second")
    parser.add_argument("--debug-cursor", action="store_true", help="keep DEBUG's statement log on while timing")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    with fresh_database(args.database_url or default_database_url(), args.reuse_database) as url:
        return run(url, args.sizes, args.rounds, args.quote_calls, args.seed, args.aligned, args.debug_cursor)


if __name__ == "__main__":
    sys.exit(main())
