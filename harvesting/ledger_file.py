"""Read a ledger CSV (the foundation's columns) into engine entries, with no database.

All of a file's accounts are one household; an account's type comes from the file and must not
change between rows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from harvesting.engine.lots import (
    Action,
    LedgerEntry,
    LedgerError,
    ReliefMethod,
    Replay,
    WashSaleReading,
    replay_ledger,
)
from portfolios.csvfields import LEDGER_COLUMNS, FieldError, RowChecker, RowError, read_csv, read_ledger_fields


@dataclass(frozen=True, slots=True)
class LedgerFile:
    """The rows that could be read, and the problems of those that could not."""

    entries: list[LedgerEntry]
    account_types: dict[str, str]
    errors: list[RowError]


class LedgerFileError(ValueError):
    """The file cannot be replayed; ``errors`` lists every problem, in row order."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.row)
        super().__init__("\n".join(str(error) for error in self.errors))


def read_ledger_file(content: bytes) -> LedgerFile:
    """Parse and check every row; raise ``LedgerFileError`` only when the file cannot be read at all."""
    rows, errors = read_csv(content, LEDGER_COLUMNS)
    if not rows:
        raise LedgerFileError(errors)
    check = RowChecker(errors)
    account_types: dict[str, tuple[str, int]] = {}
    entries: list[LedgerEntry] = []
    for row in rows:
        fields = read_ledger_fields(check, row, not_after=None)
        if fields is None:
            continue
        first = account_types.setdefault(fields.account, (fields.account_type, row.line))
        if first[0] != fields.account_type:
            check.errors.append(
                RowError(
                    row.line, f"account {fields.account} is {first[0]} on row {first[1]}, not {fields.account_type}"
                )
            )
            continue
        entries.append(
            LedgerEntry(
                row=row.line,
                account=fields.account,
                symbol=fields.symbol,
                action=Action(fields.action),
                trade_date=fields.trade_date,
                quantity=fields.quantity,
                price=fields.price,
                fees=fields.fees,
                lot=fields.lot,
            )
        )
    return LedgerFile(
        entries=entries,
        account_types={account: kind for account, (kind, _) in account_types.items()},
        errors=errors,
    )


def replay_ledger_file(
    ledger: LedgerFile,
    *,
    hifo_accounts: Collection[str] = (),
    identity: Mapping[str, str] | None = None,
    reading: WashSaleReading = WashSaleReading.STATUTE,
) -> Replay:
    """Replay the file as one household; raise ``LedgerFileError`` listing every bad row.

    ``reading`` is the wash-sale reading (``harvesting.engine.lots.WashSaleReading``).

    The rows that could be read are replayed even when others could not, so that one run reports
    the sells that cannot happen along with the malformed rows.
    """
    problems: list[LedgerError] = []
    replay = replay_ledger(
        ledger.entries,
        dict.fromkeys(hifo_accounts, ReliefMethod.HIFO),
        problems,
        tax_deferred=[account for account, kind in ledger.account_types.items() if kind != "taxable"],
        identity=identity,
        reading=reading,
    )
    if problems or ledger.errors:
        raise LedgerFileError([*ledger.errors, *(RowError(problem.row, problem.reason) for problem in problems)])
    return replay


def unknown_accounts(ledger: LedgerFile, accounts: Collection[str]) -> None:
    missing = sorted(set(accounts) - set(ledger.account_types))
    if missing:
        raise FieldError(f"no account {', '.join(missing)} in the file")
