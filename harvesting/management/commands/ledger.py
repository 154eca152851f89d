"""python manage.py ledger LEDGER.csv --form8949 OUT.csv --open-lots LOTS.csv

Runs the ledger engine (lot relief and wash sales) on a file, without touching the database: the
same replay that builds a household's lots, for checking a ledger or preparing Form 8949.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvesting.engine.identity import identity_groups
from harvesting.form8949 import (
    FORM_8949_HEADER,
    OPEN_LOTS_HEADER,
    form8949_rows,
    open_lot_rows,
    write_csv_files,
)
from harvesting.ledger_file import LedgerFileError, read_ledger_file, replay_ledger_file, unknown_accounts
from portfolios.csvfields import FieldError


class Command(BaseCommand):
    help = (
        "Replay a ledger CSV (account,account_type,date,action,symbol,quantity,price,lot[,fees]; all accounts "
        "one household) and write Form 8949 rows and the open lots. Bad input writes nothing and exits non-zero."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ledger", type=Path, help="The ledger CSV.")
        parser.add_argument("--form8949", type=Path, help="Where to write the Form 8949 rows (CSV).")
        parser.add_argument("--open-lots", type=Path, help="Where to write the open lots (CSV).")
        parser.add_argument(
            "--identical",
            action="append",
            default=[],
            metavar="SYM,SYM[,...]",
            help="Symbols to treat as substantially identical (repeatable), e.g. --identical VOO,IVV.",
        )
        parser.add_argument(
            "--hifo", action="append", default=[], metavar="ACCOUNT", help="Relieve this account's lots HIFO."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            content = options["ledger"].read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['ledger']}: {exc.strerror}") from exc
        try:
            ledger = read_ledger_file(content)
            unknown_accounts(ledger, options["hifo"])
            identity = identity_groups(
                [symbol.strip().upper() for symbol in group.split(",") if symbol.strip()]
                for group in options["identical"]
            )
            replay = replay_ledger_file(ledger, hifo_accounts=options["hifo"], identity=identity)
        except LedgerFileError as exc:
            raise CommandError(f"{options['ledger'].name} cannot be replayed:\n{exc}") from exc
        except FieldError as exc:
            raise CommandError(str(exc)) from exc

        outputs = []
        if options["form8949"]:
            outputs.append((options["form8949"], FORM_8949_HEADER, form8949_rows(replay.sales)))
        if options["open_lots"]:
            outputs.append((options["open_lots"], OPEN_LOTS_HEADER, open_lot_rows(replay.open_lots)))
        try:
            write_csv_files(outputs)
        except OSError as exc:
            raise CommandError(f"Cannot write {exc.filename}: {exc.strerror}") from exc
        washed = sum(1 for sale in replay.sales if sale.adjustment)
        self.stdout.write(
            f"{len(ledger.entries)} transactions: {len(replay.sales)} sale lines ({washed} wash sales), "
            f"{len(replay.open_lots)} open lots."
        )
