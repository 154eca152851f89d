"""python manage.py load_prices: the bundled 1990-2022 daily history, loaded in bulk, idempotently."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from portfolios.market_history import price_history_load


class Command(BaseCommand):
    help = "Load the bundled daily prices of 20 US stocks and the S&P 500 index (as SPX) into the prices table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=settings.MARKET_DATA_DIR,
            help="Folder holding sp500_dataset.csv.gz, sp500_index.csv.gz and securities.csv.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = price_history_load(data_dir=options["data_dir"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.rows_read:,} daily prices of {result.securities} securities in "
                f"{time.perf_counter() - started:.1f} s: {result.prices_added:,} new, "
                f"{result.prices_total:,} stored."
            )
        )
