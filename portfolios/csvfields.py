"""Parsing of the text fields of an uploaded CSV, with messages an advisor can act on."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from portfolios.csv_safety import unguard_cell

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000

# What the ledger tables hold: a number that does not fit is a bad row, never a silent rounding.
QUANTITY = {"places": 8, "max_digits": 20}
MONEY = {"places": 2, "max_digits": 18}
PRICE = {"places": 6, "max_digits": 18}

LEDGER_COLUMNS = ("account", "account_type", "date", "action", "symbol", "quantity", "price", "lot")
LEDGER_ACTIONS = ("buy", "sell", "reinvest")
ACCOUNT_TYPES = ("taxable", "traditional_ira", "roth_ira")
# No file or API input dates a trade or an acquisition before this: an earlier date is a typo (1800 for 2000).
EARLIEST_DATE = date(1900, 1, 1)

T = TypeVar("T")


class FieldError(ValueError):
    """A field that cannot be read; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one line of a file. ``row`` is the line number (the header is line 1)."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}" if self.row else self.reason


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    fields: dict[str, str]


def read_csv(content: bytes, required: Sequence[str]) -> tuple[list[CsvRow], list[RowError]]:
    """Decode and split a CSV file; return its rows or the file-level errors that prevent reading it.

    Column names are matched without regard to case or surrounding spaces; extra columns are kept. A cell
    guarded against formula injection by our own exports (``portfolios.csv_safety``) is read without its guard.
    """
    if len(content) > MAX_BYTES:
        return [], [RowError(0, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "the file is not UTF-8 text (save it as CSV UTF-8)")]
    if "\x00" in text:
        return [], [RowError(0, "the file is not a CSV text file")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(0, "the file is empty")]
    except csv.Error as exc:
        return [], [RowError(1, f"the header cannot be read: {exc}")]
    columns = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in columns]
    if missing:
        return [], [RowError(1, f"missing column(s): {', '.join(missing)}; expected {', '.join(required)}")]
    rows: list[CsvRow] = []
    errors: list[RowError] = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(columns):
                errors.append(RowError(reader.line_num, f"has {len(values)} fields, the header has {len(columns)}"))
                continue
            fields = {c: unguard_cell(v.strip()) for c, v in zip(columns, values, strict=True)}
            rows.append(CsvRow(reader.line_num, fields))
            if len(rows) > MAX_ROWS:
                return [], [RowError(0, f"the file has more than {MAX_ROWS:,} rows; split it")]
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, f"cannot be read as CSV: {exc}"))
    if not rows and not errors:
        errors.append(RowError(0, "the file has a header but no rows"))
    return rows, errors


def parse_decimal(raw: str, name: str, *, places: int, max_digits: int, positive: bool = True) -> Decimal:
    """Read a number such as ``1234.5``, ``1,234.50`` or ``$1,234.50`` that fits its column.

    ``positive`` demands more than zero; otherwise zero is allowed and negatives are not. More
    than ``places`` decimals is refused rather than rounded: a silently rounded basis is a wrong one.
    """
    if not raw:
        raise FieldError(f"{name} is empty")
    cleaned = raw.replace(",", "").replace("$", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldError(f"{name} {raw!r} is not a number") from None
    if not value.is_finite():
        raise FieldError(f"{name} {raw!r} is not a number")
    if positive and value <= 0:
        raise FieldError(f"{name} must be more than zero; got {raw}")
    if value < 0:
        raise FieldError(f"{name} must not be negative; got {raw}")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if -exponent > places and value != value.quantize(Decimal(1).scaleb(-places)):
        raise FieldError(f"{name} {raw} has more than {places} decimal places")
    if value.adjusted() >= max_digits - places:
        raise FieldError(f"{name} {raw} is too large")
    return value


def parse_date(raw: str, name: str, *, not_after: date | None) -> date:
    """Read a date as YYYY-MM-DD (or MM/DD/YYYY, as spreadsheets write it) from ``EARLIEST_DATE`` to ``not_after``."""
    if not raw:
        raise FieldError(f"{name} is empty")
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            value = datetime.strptime(raw, fmt).date()  # noqa: DTZ007 (a calendar date, no time of day)
            break
        except ValueError:
            continue
    else:
        raise FieldError(f"{name} {raw!r} is not a date (use YYYY-MM-DD)")
    if value < EARLIEST_DATE:
        raise FieldError(f"{name} {raw} is before {EARLIEST_DATE:%Y-%m-%d}")
    if not_after is not None and value > not_after:
        raise FieldError(f"{name} {raw} is in the future")
    return value


def check_length(raw: str, name: str, max_length: int | None) -> str:
    """Return ``raw`` when it fits a column of ``max_length`` characters (None: any length); else raise FieldError."""
    if max_length is not None and len(raw) > max_length:
        raise FieldError(f"{name} is {len(raw)} characters long; at most {max_length} fit")
    return raw


class RowChecker:
    """Collects the problems of each row while its fields are read, so one pass reports them all."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors

    def field(self, row: CsvRow, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except FieldError as exc:
            self.errors.append(RowError(row.line, str(exc)))
            return None


@dataclass(frozen=True, slots=True)
class LedgerFields:
    """The fields of a ledger row that need no lookup: what happened, when, how much."""

    account: str
    account_type: str
    trade_date: date
    action: str
    symbol: str
    quantity: Decimal
    price: Decimal
    fees: Decimal
    lot: str


def parse_account_type(raw: str) -> str:
    account_type = raw.lower()
    if account_type not in ACCOUNT_TYPES:
        raise FieldError(f"account_type must be taxable, traditional_ira or roth_ira; got {raw!r}")
    return account_type


def parse_action(raw: str) -> str:
    action = raw.lower()
    if action not in LEDGER_ACTIONS:
        raise FieldError(f"action must be buy, sell or reinvest; got {raw!r}")
    return action


def _required(raw: str, name: str) -> str:
    if not raw:
        raise FieldError(f"{name} is empty")
    return raw


def read_ledger_fields(
    check: RowChecker, row: CsvRow, *, not_after: date | None, max_lengths: Mapping[str, int] | None = None
) -> LedgerFields | None:
    """Read one row of a ledger file (``LEDGER_COLUMNS`` and an optional ``fees``); None if it is bad.

    ``max_lengths`` maps column names (``account``, ``lot``) to the length of the field that stores them.
    """
    f = row.fields
    limits = max_lengths or {}
    values = (
        check.field(row, lambda: check_length(_required(f["account"], "account"), "account", limits.get("account"))),
        check.field(row, lambda: parse_account_type(f["account_type"])),
        check.field(row, lambda: parse_date(f["date"], "date", not_after=not_after)),
        check.field(row, lambda: parse_action(f["action"])),
        check.field(row, lambda: _required(f["symbol"], "symbol").upper()),
        check.field(row, lambda: parse_decimal(f["quantity"], "quantity", **QUANTITY)),
        check.field(row, lambda: parse_decimal(f["price"], "price", **PRICE)),
        check.field(row, lambda: parse_decimal(f.get("fees") or "0", "fees", positive=False, **MONEY)),
        check.field(row, lambda: check_length(f["lot"], "lot", limits.get("lot"))),
    )
    if any(value is None for value in values):
        return None
    account, account_type, trade_date, action, symbol, quantity, price, fees, lot = values
    return LedgerFields(account, account_type, trade_date, action, symbol, quantity, price, fees, lot)  # type: ignore[arg-type]
