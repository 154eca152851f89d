"""python manage.py train_model [--as-of YYYY-MM-DD] [--test-years N] [--train-years N] [--schedule]

Trains the forecast model on the bundled price history, saves it as a new current ModelVersion and prints
the version, the training and test windows and the out-of-sample metrics (AUC, Brier, calibration).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvesting.forecasting import DEFAULT_TEST_YEARS, ensure_retraining_schedule, model_dir, model_train


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from None


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


class Command(BaseCommand):
    help = "Train the forecast model on the bundled price history and make it the current version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_iso_date, help="Use prices up to this date only (default: all).")
        parser.add_argument(
            "--test-years", type=int, default=DEFAULT_TEST_YEARS, help="Years of out-of-sample test period."
        )
        parser.add_argument("--train-years", type=int, help="Limit training to this many years before the test.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--schedule", action="store_true", help="Also ensure the monthly retraining schedule.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            row = model_train(
                as_of=options["as_of"],
                test_years=options["test_years"],
                train_years=options["train_years"],
                seed=options["seed"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        metrics = row.metrics
        out = self.stdout
        out.write(f"version   {row.version} (current)")
        out.write(f"file      {model_dir() / row.path}")
        out.write(f"trained   {row.trained_from} .. {row.trained_to}  ({metrics['train_rows']} rows)")
        out.write(f"tested    {row.tested_from} .. {row.tested_to}  ({metrics['test_rows']} rows)")
        out.write(f"features  {', '.join(row.features)}")
        out.write(
            f"target    the price falls {metrics['depth']:.0%} below today's within {metrics['horizon']} trading days"
        )
        out.write(
            f"AUC {_fmt(metrics['auc'])}   Brier {_fmt(metrics['brier'], '.4f')} "
            f"(base-rate forecast {_fmt(metrics.get('brier_baseline'), '.4f')})   "
            f"base rate {_fmt(metrics['base_rate'])}   mean predicted {_fmt(metrics['mean_predicted'])}"
        )
        out.write(
            f"volatility of the next {metrics['horizon']} days: log R^2 {_fmt(metrics['volatility_r2'])} "
            f"(trailing 63-day figure {_fmt(metrics['volatility_r2_trailing'])})"
        )
        facts = metrics["facts"]
        out.write(
            f"waiting facts: a deepening window falls {facts['deepening']:.1%} on average, the others return "
            f"{facts['recovery']:+.1%}; ordinary volatility {facts['reference_volatility']:.1%}"
        )
        out.write("calibration  bin        count  predicted  observed")
        for b in metrics["calibration"]:
            out.write(
                f"             {b['bin_lower']:.1f}-{b['bin_upper']:.1f}  {b['count']:>7}  "
                f"{_fmt(b['mean_predicted']):>9}  {_fmt(b['observed']):>8}"
            )
        out.write(f"took {elapsed:.1f}s")
        if options["schedule"]:
            schedule = ensure_retraining_schedule()
            out.write(f"retraining schedule: {schedule}")
