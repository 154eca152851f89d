"""python manage.py run_feed: stream prices into the product (a replay of stored history, or Alpaca).

    python manage.py run_feed --provider replay --from 2022-01-03 --speed 60
    python manage.py run_feed --provider replay --from 2022-12-01 --speed 30 --intraday 26 --seed 7
    python manage.py run_feed --provider alpaca --mode stream

``--speed`` is the wall-clock seconds one trading day takes (0: as fast as the database takes it).
"""

from __future__ import annotations

import signal
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max

from brokers.feed import FeedRunner, ledger_after, replay_from_database
from brokers.market_clock import market_date
from brokers.market_data import Batch, MarketDataError, MarketDataProvider
from portfolios.models import Price, Security
from portfolios.price_store import IngestResult


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Run the market-data feed: prices stream in, the market clock moves, monitoring rescans."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", choices=["replay", "alpaca"], default=settings.MARKET_DATA_PROVIDER)
        parser.add_argument("--from", dest="start", help="Replay: first trading day (default: 20 days before the end).")
        parser.add_argument("--to", dest="end", help="Replay: last trading day (default: the end of the history).")
        parser.add_argument(
            "--speed",
            type=float,
            default=60.0,
            help="Replay: wall-clock seconds per trading day (default 60; 0 = as fast as possible).",
        )
        parser.add_argument(
            "--intraday",
            type=int,
            default=0,
            help="Replay: batches per trading day, the last being the close; the others are simulated ticks "
            "on a seeded Brownian bridge (default 0: closes only; 26 = every 15 minutes).",
        )
        parser.add_argument("--seed", type=int, default=0, help="Replay: seed of the intraday simulation.")
        parser.add_argument("--symbols", help="Comma-separated symbols (default: every stored security).")
        parser.add_argument("--mode", choices=["poll", "stream"], default="poll", help="Alpaca: poll or stream.")
        parser.add_argument("--poll", type=float, default=5.0, help="Alpaca poll mode: seconds between polls.")
        parser.add_argument("--max-batches", type=int, help="Stop after this many batches.")

    def handle(self, *args: Any, **options: Any) -> None:
        symbols = [s.strip().upper() for s in options["symbols"].split(",")] if options["symbols"] else None
        if options["speed"] < 0 or options["intraday"] < 0:
            raise CommandError("--speed and --intraday cannot be negative")
        provider = self._replay(options, symbols) if options["provider"] == "replay" else self._alpaca(options, symbols)
        verbosity = options["verbosity"]

        def report(batch: Batch, result: IngestResult) -> None:
            if verbosity >= 2 or not batch.ticks[0].intraday:
                moved = f", {len(result.moved)} moved" if result.moved else ""
                kind = "ticks (simulated)" if any(t.simulated for t in batch.ticks) else "prices"
                self.stdout.write(f"{batch.at:%Y-%m-%d %H:%M %Z}  {result.ticks} {kind}{moved}")

        keys = ("start", "end", "speed", "intraday", "seed") if options["provider"] == "replay" else ("mode", "poll")
        settings_used = {key: options[key] for key in keys if options[key] is not None}
        runner = FeedRunner(provider, max_batches=options["max_batches"], on_batch=report, settings=settings_used)
        # `kill` stops the feed as Ctrl-C does, so its state says stopped rather than running forever.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            summary = runner.run()
        except MarketDataError as exc:
            raise CommandError(str(exc)) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write(
            self.style.SUCCESS(
                f"Feed {summary.status}: {summary.batches:,} batches, {summary.ticks:,} prices"
                + (f", {summary.first:%Y-%m-%d %H:%M} to {summary.last:%Y-%m-%d %H:%M}." if summary.first else ".")
            )
        )

    def _replay(self, options: dict[str, Any], symbols: list[str] | None) -> MarketDataProvider:
        newest = Price.objects.filter(intraday=False).aggregate(newest=Max("timestamp"))["newest"]
        if newest is None:
            raise CommandError("No stored prices to replay: run `python manage.py load_prices` first.")
        last_day = market_date(newest)
        start = _day(options["start"]) if options["start"] else None
        end = _day(options["end"]) if options["end"] else None
        if start is None:
            days = Price.objects.filter(intraday=False, timestamp__lte=newest).dates("timestamp", "day", order="DESC")
            start = list(days[:20])[-1]
        if start > last_day:
            raise CommandError(f"--from {start} is after the stored history, which ends on {last_day}.")
        if end is not None and end < start:
            raise CommandError("--to is before --from")
        if symbols:
            unknown = set(symbols) - set(Security.objects.filter(symbol__in=symbols).values_list("symbol", flat=True))
            if unknown:
                raise CommandError(f"Unknown symbols: {', '.join(sorted(unknown))}")
        behind = ledger_after(start)
        if behind:
            self.stderr.write(
                self.style.WARNING(
                    f"{behind} household(s) hold trades after {start}: until the replay reaches them, their "
                    "later lots are left out of scans."
                )
            )
        return replay_from_database(
            start=start,
            end=end,
            ticks_per_day=options["intraday"],
            seconds_per_day=options["speed"],
            seed=options["seed"],
            symbols=symbols,
        )

    def _alpaca(self, options: dict[str, Any], symbols: list[str] | None) -> MarketDataProvider:
        from brokers.alpaca_data import alpaca_market_data_from_settings

        tradable = symbols or list(Security.objects.filter(tradable=True).values_list("symbol", flat=True))
        try:
            provider = alpaca_market_data_from_settings(tradable, mode=options["mode"])
        except MarketDataError as exc:
            raise CommandError(str(exc)) from None
        provider.poll_seconds = options["poll"]
        return provider
