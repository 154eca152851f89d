"""Form 8949 and open-lot files from a ledger replay. Plain Python: no Django.

Columns are fixed by what other tools read:
- Form 8949: ``account,symbol,quantity,date_acquired,date_sold,proceeds,cost_basis,code,adjustment,gain_loss,term``
  (date_acquired is the holding-period start, as Form 8949 reports a wash-sale replacement;
  adjustment is the disallowed loss as a positive number, column (g); gain_loss is column (h)).
- Open lots: ``account,symbol,lot,quantity,cost_basis,acquired,holding_start``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from harvesting.engine.lots import OpenLot, Sale, shares
from harvesting.engine.money import to_cents
from portfolios.csv_safety import csv_writer

FORM_8949_HEADER = (
    "account",
    "symbol",
    "quantity",
    "date_acquired",
    "date_sold",
    "proceeds",
    "cost_basis",
    "code",
    "adjustment",
    "gain_loss",
    "term",
)
OPEN_LOTS_HEADER = ("account", "symbol", "lot", "quantity", "cost_basis", "acquired", "holding_start")


def money(amount: Decimal) -> str:
    return f"{to_cents(amount):.2f}"


def form8949_rows(sales: Iterable[Sale]) -> list[list[str]]:
    """One row per reportable sale portion (sales inside IRAs and Roth IRAs are not reported)."""
    return [
        [
            sale.account,
            sale.symbol,
            shares(sale.quantity),
            sale.holding_start.isoformat(),
            sale.sold.isoformat(),
            money(sale.proceeds),
            money(sale.cost_basis),
            sale.code,
            money(sale.adjustment),
            money(sale.gain_loss),
            "long" if sale.long_term else "short",
        ]
        for sale in sales
        if not sale.tax_deferred
    ]


def open_lot_rows(lots: Iterable[OpenLot]) -> list[list[str]]:
    return [
        [
            lot.account,
            lot.symbol,
            lot.lot,
            shares(lot.quantity),
            money(lot.cost_basis),
            lot.acquired.isoformat(),
            lot.holding_start.isoformat(),
        ]
        for lot in lots
    ]


def write_csv_files(files: Sequence[tuple[Path, Sequence[str], list[list[str]]]]) -> None:
    """Write every file or none: each goes to a temporary file first and is renamed into place.

    Cells are guarded against formula injection (``portfolios.csv_safety``); ``read_csv`` takes the guard off.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, header, rows in files:
            with tempfile.NamedTemporaryFile(
                "w", newline="", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
            ) as handle:
                staged.append((handle.name, path))
                writer = csv_writer(handle, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(rows)
        for temporary, path in staged:
            os.replace(temporary, path)
    finally:
        for temporary, _ in staged:
            if os.path.exists(temporary):
                os.unlink(temporary)
