"""python manage.py import_holdings FILE [--firm SLUG]: load a holdings CSV as existing lots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brokers.market_clock import market_today
from portfolios.importers import HOLDINGS_COLUMNS, holdings_import
from portfolios.management.commands._importing import firm_from_option, read_file
from taxharvest.errors import ApplicationError


class Command(BaseCommand):
    help = (
        f"Import a holdings CSV with the columns {', '.join(HOLDINGS_COLUMNS)} "
        "(cost_basis is the lot's total cost). The file is imported whole or not at all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the CSV file.")
        parser.add_argument("--firm", help="Slug of the firm whose clients the file names (default: the only firm).")

    def handle(self, *args: Any, **options: Any) -> None:
        firm = firm_from_option(options["firm"])
        content = read_file(options["file"])
        try:
            result = holdings_import(
                firm=firm, filename=Path(options["file"]).name, content=content, today=market_today()
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.transactions} lots into {result.households} household(s) of {firm.name}."
            )
        )
