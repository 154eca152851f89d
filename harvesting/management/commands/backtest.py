"""python manage.py backtest [--cohorts 1995-2012 | --cohort 2008[-03]] [--months 1-12] [--years 10]
[--subsets 8] [--seed 0] [--policies twin,monthly,daily,volscaled,model,ceiling] [--replacement plan|index]
[--switch-back plan|31days|no-st-gain] [--threshold 0.10] [--half-spread-bps 5] [--contribution 0.01]
[--dividends] [--rates 35/15 --rates 40.8/23.8] [--wash-sale-reading statute | --firm SLUG] [--out backtest-results]

The walk-forward tax-loss-harvesting backtest on the bundled history (``harvesting.backtest``), deciding every
trade with the product's own plan: prints the tables, writes ``backtest_runs.csv``, ``backtest_summary.csv``,
``backtest.json`` and ``tax_alpha_by_cohort.png`` (if matplotlib is installed) into ``--out``. No database is
touched, except to read ``--firm``'s wash-sale reading.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvesting.backtest.report import DEFAULT_POLICIES, Grid, run_grid, terminal_tables, write_outputs
from harvesting.backtest.simulate import POLICY_NAMES, REPLACEMENTS, SWITCH_BACKS, Config, policy_spec
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
    help = (
        "Backtest tax-loss-harvesting policies, each deciding with the product's plan, on the 20 bundled stocks "
        "and random subsets of them (households started every month); no database."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--cohorts", default="1995-2012", help="First-last start year (default 1995-2012).")
        group.add_argument("--cohort", help="One start: a year (its January) or YYYY-MM.")
        parser.add_argument("--months", default="1-12", help="Start months within each year (default 1-12).")
        parser.add_argument("--years", type=int, default=10, help="Years each household is held (default 10).")
        parser.add_argument("--subsets", type=int, default=8, help="Random 10-stock universes besides all 20.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the random subsets.")
        parser.add_argument(
            "--policies",
            default=",".join(DEFAULT_POLICIES),
            help=f"Comma-separated, of {', '.join(POLICY_NAMES)}; name@N sets its threshold to N%%.",
        )
        parser.add_argument(
            "--replacement", default="plan", help="plan (the product's ranked candidates) or index (the index fund)."
        )
        parser.add_argument(
            "--switch-back", default="plan", help="plan (no short-term gain above the minimum), 31days, no-st-gain."
        )
        parser.add_argument("--threshold", type=float, default=0.10, help="Loss threshold (fraction of basis).")
        parser.add_argument("--min-net-benefit", type=float, default=100.0, help="The plan's minimum, dollars.")
        parser.add_argument("--half-spread-bps", type=float, default=5.0, help="Half-spread cost per trade, bp.")
        parser.add_argument("--dividend-yield", type=float, default=0.018, help="Yield added to the index fund.")
        parser.add_argument("--contribution", type=float, default=0.0, help="Monthly new money, share of initial.")
        parser.add_argument("--dividends", action="store_true", help="Pay dividends quarterly as new lots.")
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
        starts = self._starts(options)
        if starts[0][0] < 1995 or starts[-1][0] > 2021:
            raise CommandError("starts must lie within 1995-2021 (the model needs 1991-1994 to learn from)")
        try:
            rates = [parse_rates(text) for text in options["rates"]] if options["rates"] else [LITERATURE, TOP]
        except ValueError as exc:
            raise CommandError("--rates must look like 35/15") from exc
        policies = [part.strip() for part in options["policies"].split(",") if part.strip()]
        for name in policies:
            try:
                policy_spec(name, Config())
            except ValueError as exc:
                raise CommandError(f"{exc} (a policy may name its threshold in percent: model@5)") from exc
        if "twin" not in policies:
            policies.insert(0, "twin")
        (replacement,) = _choices(options["replacement"], REPLACEMENTS, "replacement")[:1]
        (switch_back,) = _choices(options["switch_back"], SWITCH_BACKS, "switch-back rule")[:1]
        grid = Grid(
            starts=starts,
            subsets=options["subsets"],
            seed=options["seed"],
            policies=policies,
            rates=rates,
            config=Config(
                threshold=options["threshold"],
                min_net_benefit=options["min_net_benefit"],
                half_spread_bps=options["half_spread_bps"],
                index_yield=options["dividend_yield"],
                replacement=replacement,
                switch_back=switch_back,
                contribution=options["contribution"],
                dividends=options["dividends"],
                years=options["years"],
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

    def _starts(self, options: dict[str, Any]) -> list[tuple[int, int]]:
        try:
            if options["cohort"] is not None:
                year, _, month = str(options["cohort"]).partition("-")
                return [(int(year), int(month or 1))]
            first, _, last = options["cohorts"].partition("-")
            low, _, high = options["months"].partition("-")
            months = range(int(low), int(high or low) + 1)
            starts = [(y, m) for y in range(int(first), int(last or first) + 1) for m in months]
        except ValueError as exc:
            raise CommandError(
                "--cohorts looks like 1995-2012, --cohort like 2008 or 2008-03, --months like 1-12"
            ) from exc
        if not starts or any(not 1 <= m <= 12 for _, m in starts):
            raise CommandError("no start months: --months must lie within 1-12")
        return starts

    def _reading(self, options: dict[str, Any]) -> str:
        if options["firm"] is None:
            return str(options["wash_sale_reading"])
        firm = Firm.objects.filter(slug=options["firm"]).first()
        if firm is None:
            raise CommandError(f"No firm with the slug {options['firm']!r}.")
        self.stdout.write(f"Wash-sale reading: {firm.get_wash_sale_reading_display()} (the firm {firm.name}'s)")
        return firm.wash_sale_reading
