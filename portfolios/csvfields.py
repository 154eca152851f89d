"""Parsing of the text fields of an uploaded CSV, with messages an advisor can act on."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000


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

    Column names are matched without regard to case or surrounding spaces; extra columns are kept.
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
            rows.append(CsvRow(reader.line_num, {c: v.strip() for c, v in zip(columns, values, strict=True)}))
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


def parse_date(raw: str, name: str, *, not_after: date) -> date:
    """Read a date as YYYY-MM-DD (or MM/DD/YYYY, as spreadsheets write it) no later than ``not_after``."""
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
    if value > not_after:
        raise FieldError(f"{name} {raw} is in the future")
    return value
