"""python manage.py import_ledger FILE --household ID: load a transaction ledger into a household."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brokers.market_clock import market_today
from portfolios.importers import LEDGER_COLUMNS, ledger_import
from portfolios.management.commands._importing import read_file
from portfolios.models import Household
from taxharvest.errors import ApplicationError


class Command(BaseCommand):
    help = (
        f"Import a transaction-ledger CSV with the columns {','.join(LEDGER_COLUMNS)} (and optional fees) "
        "into one household. The file is imported whole or not at all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the CSV file.")
        parser.add_argument("--household", required=True, help="The household's id, or its exact name.")

    def handle(self, *args: Any, **options: Any) -> None:
        household = _household(options["household"])
        content = read_file(options["file"])
        try:
            result = ledger_import(
                household=household,
                filename=Path(options["file"]).name,
                content=content,
                today=market_today(),
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {result.transactions} transactions into {household.name}."))


def _household(ref: str) -> Household:
    matches = list(Household.objects.filter(pk=int(ref)) if ref.isdigit() else Household.objects.filter(name=ref)[:2])
    if not matches:
        raise CommandError(f"No household {ref!r}.")
    if len(matches) > 1:
        raise CommandError(f"More than one household is named {ref!r}; give its id.")
    return matches[0]
