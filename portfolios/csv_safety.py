"""CSV cells that a spreadsheet will not run as formulas, and the reading back of them. Plain Python: no Django.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some
versions, a tab or a carriage return) as a formula, so a client id such as ``=HYPERLINK("http://evil.example")``
typed into an import would run on the tax preparer's machine when they open our export (OWASP "CSV
injection"). Every CSV the product writes goes through ``csv_writer``, which prefixes such a cell with ``'``: the
spreadsheet then shows the text as typed. Plain numbers are left alone, so ``-3807.10`` stays a number.

The product's own readers (``portfolios.csvfields.read_csv``) take the guard off again (``unguard_cell``), so an
exported file re-imports to exactly the values it was written from. A text that already starts with ``'`` before
one of those characters is guarded too (``'=x`` is written ``''=x``), which makes the round trip exact for every
text, not only for those without a leading quote.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
# What a spreadsheet reads as a plain number, sign and exponent included; such a cell is never a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def needs_guard(text: str) -> bool:
    """Return whether a spreadsheet could read ``text`` as a formula (or it is such a text already guarded)."""
    if not text or _NUMBER.fullmatch(text):
        return False
    if text.startswith(FORMULA_STARTS):
        return True
    return text.startswith(GUARD) and needs_guard(text[1:])


def guard_cell(value: object) -> str:
    """Return the cell's text, prefixed with ``'`` when a spreadsheet would otherwise take it for a formula."""
    text = "" if value is None else str(value)
    return GUARD + text if needs_guard(text) else text


def unguard_cell(text: str) -> str:
    """Undo ``guard_cell``: drop a leading ``'`` that ``guard_cell`` would have added; leave any other text alone."""
    return text[1:] if text.startswith(GUARD) and needs_guard(text[1:]) else text


class SafeCsvWriter:
    """A ``csv.writer`` whose every cell goes through ``guard_cell``."""

    def __init__(self, handle: _Writable, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([guard_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: _Writable, **options: Any) -> SafeCsvWriter:
    """Return a writer like ``csv.writer(handle, **options)`` that guards every cell against formula injection."""
    return SafeCsvWriter(handle, **options)
