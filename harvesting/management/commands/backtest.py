"""python manage.py backtest [--cohorts 1995-2017 | --cohort 2008] [--policies twin,monthly,daily,volscaled,model]
[--replacement index,correlated,basket] [--switch-back 31days,no-st-gain,tracking] [--threshold 0.10]
[--half-spread-bps 5] [--rates 35/15 --rates 40.8/23.8] [--wash-sale-reading statute | --firm SLUG]
[--out backtest-results]

The walk-forward tax-loss-harvesting backtest on the bundled history (``harvesting.backtest``): prints
the tables, writes ``backtest_cohorts.csv``, ``backtest_summary.csv``, ``backtest.json`` and
``tax_alpha_by_cohort.png`` (if matplotlib is installed) into ``--out``. The first replacement and
switch-back listed are the headline's. No database is touched, except to read ``--firm``'s wash-sale reading.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvesting.backtest.report import Grid, run_grid, terminal_tables, write_outputs
from harvesting.backtest.simulate import POLICY_NAMES, REPLACEMENTS, SWITCH_BACKS, Config
from harvesting.backtest.taxes import LITERATURE, TOP, parse_rates
from harvesting.engine.lots import WashSaleReading
from portfolios.models import Firm


def _choices(text: str, allowed: tuple[str, ...], what: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [c for c in chosen if c not in allowed]
    if unknown or not chosen:
        raise CommandError(f"unknown {what} {', '.join(unknown) or '(none)'}; choose from {', '.join(allowed)}")
    return chosen


class Command(BaseCommand):
    help = "Backtest tax-loss-harvesting policies on the 20 bundled stocks (cohorts each January); no database."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--cohorts", default="1995-2017", help="First-last January cohort (default 1995-2017).")
        group.add_argument("--cohort", type=int, help="A single cohort year.")
        parser.add_argument("--policies", default=",".join(POLICY_NAMES), help="Comma-separated policies.")
        parser.add_argument("--replacement", default=",".join(REPLACEMENTS), help="Comma-separated; first is headline.")
        parser.add_argument("--switch-back", default=",".join(SWITCH_BACKS), help="Comma-separated; first is headline.")
        parser.add_argument("--threshold", type=float, default=0.10, help="Loss threshold (fraction of basis).")
        parser.add_argument("--half-spread-bps", type=float, default=5.0, help="Half-spread cost per trade, bp.")
        parser.add_argument("--dividend-yield", type=float, default=0.018, help="Yield added to the index proxy.")
        parser.add_argument("--tracking-limit", type=float, default=0.05, help="For --switch-back tracking.")
        parser.add_argument("--model-cutoff", type=float, default=0.5, help="Model policy: harvest if P(recover) < it.")
        parser.add_argument(
            "--rates", action="append", help="SHORT/LONG percent, repeatable (default 35/15 and 40.8/23.8)."
        )
        reading = parser.add_mutually_exclusive_group()
        reading.add_argument(
            "--wash-sale-reading",
            choices=[r.value for r in WashSaleReading],
            default=WashSaleReading.STATUTE.value,
            help="Which purchases wash a loss sale (default: statute, any purchase in the 30 days before it).",
        )
        reading.add_argument("--firm", help="Use this firm's wash-sale reading (its slug), as its ledger and scans do.")
        parser.add_argument("--processes", type=int, default=None, help="Worker processes (default: CPUs, max 4).")
        parser.add_argument("--out", type=Path, default=Path("backtest-results"), help="Output directory.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cohort"] is not None:
            cohorts = [options["cohort"]]
        else:
            try:
                first, _, last = options["cohorts"].partition("-")
                cohorts = list(range(int(first), int(last or first) + 1))
            except ValueError as exc:
                raise CommandError(f"--cohorts must look like 1995-2017, not {options['cohorts']!r}") from exc
        if not cohorts or cohorts[0] < 1991 or cohorts[-1] > 2022:
            raise CommandError("cohorts must lie within 1991-2022 (the data runs 1990-01-02..2022-12-28)")
        try:
            rates = [parse_rates(text) for text in options["rates"]] if options["rates"] else [LITERATURE, TOP]
        except ValueError as exc:
            raise CommandError("--rates must look like 35/15") from exc
        policies = _choices(options["policies"], POLICY_NAMES, "policy")
        if "twin" not in policies:
            policies.insert(0, "twin")
        grid = Grid(
            cohorts=cohorts,
            policies=policies,
            replacements=_choices(options["replacement"], REPLACEMENTS, "replacement"),
            switch_backs=_choices(options["switch_back"], SWITCH_BACKS, "switch-back rule"),
            rates=rates,
            config=Config(
                threshold=options["threshold"],
                half_spread_bps=options["half_spread_bps"],
                dividend_yield=options["dividend_yield"],
                tracking_limit=options["tracking_limit"],
                model_cutoff=options["model_cutoff"],
                wash_sale_reading=self._reading(options),
            ),
        )
        started = time.perf_counter()
        figures = run_grid(grid, processes=options["processes"])
        elapsed = time.perf_counter() - started
        self.stdout.write(terminal_tables(figures))
        written = write_outputs(figures, options["out"])
        for path in written:
            self.stdout.write(f"wrote {path}")
        if not any(path.suffix == ".png" for path in written):
            self.stdout.write("no PNG: matplotlib is not installed")
        self.stdout.write(f"finished in {elapsed:.1f} s")

    def _reading(self, options: dict[str, Any]) -> str:
        if options["firm"] is None:
            return str(options["wash_sale_reading"])
        firm = Firm.objects.filter(slug=options["firm"]).first()
        if firm is None:
            raise CommandError(f"No firm with the slug {options['firm']!r}.")
        self.stdout.write(f"Wash-sale reading: {firm.get_wash_sale_reading_display()} (the firm {firm.name}'s)")
        return firm.wash_sale_reading
