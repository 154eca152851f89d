"""A household's Form 8949 and transaction ledger for one tax year, as CSV files for the advisor's tax preparer.

Both files speak the formats the rest of taxharvest already reads and writes, so that a preparer (or
an auditor) can check one against the other with no database:

- The Form 8949 file is what ``python manage.py ledger LEDGER.csv --form8949 OUT.csv`` writes for the
  household's whole ledger, restricted to the sales of the year: the same engine replay and the same
  rows (``harvesting.form8949``).
- The transactions file is a ledger file (``portfolios.csvfields``): the year's files of a household,
  concatenated under one header, are a ledger that ``manage.py ledger`` replays into that Form 8949.
  One exception: the ledger reader does not read transfers-in yet (``csvfields.LEDGER_ACTIONS`` has no
  ``transfer_in``), so it refuses a file holding one. They are written anyway, with their basis and
  acquisition date: leaving them out would make the file a wrong ledger rather than an unreadable one.

Columns of the transactions file: ``account,account_type,date,action,symbol,quantity,price,lot,fees``
(what the ledger reader reads), then ``cost_basis,acquisition_date`` (filled for a transfer-in only: the
basis and date the lot brings with it; the names are those of the holdings import), then ``source``
(``order <client_order_id>`` for a harvest order's fill, ``import <filename>`` for an imported row).
The reader keeps columns it does not know, so the last three do not stop a file from being read.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.core.exceptions import ObjectDoesNotExist

from harvesting.engine.lots import LedgerError, shares
from harvesting.form8949 import FORM_8949_HEADER, form8949_rows, money
from portfolios.csv_safety import csv_writer
from portfolios.csvfields import LEDGER_COLUMNS
from portfolios.ledger import replay_household
from portfolios.models import Action, Household, Transaction
from taxharvest.errors import ApplicationError

TRANSACTIONS_HEADER = (*LEDGER_COLUMNS, "fees", "cost_basis", "acquisition_date", "source")


def form8949_csv(household: Household, year: int) -> str:
    """Return the Form 8949 rows of ``household``'s sales in tax year ``year``, as CSV text.

    The whole ledger is replayed, not just the year's transactions: a sale's basis and holding period
    depend on every earlier purchase, and its wash-sale adjustment on purchases up to 30 days after it,
    possibly in the next year. Sales in IRAs are not reported (``form8949_rows`` leaves them out).

    Raise ``ApplicationError`` when the ledger cannot be replayed: a file built from the transactions
    that could be replayed would silently misstate the year's gains.
    """
    problems: list[LedgerError] = []
    replayed = replay_household(household, problems)
    if problems:
        lines = "\n".join(f"  {_describe(replayed.transactions.get(p.row))}: {p.reason}" for p in problems)
        raise ApplicationError(
            f"The ledger of {household.name} cannot be replayed, so its Form 8949 cannot be prepared. "
            f"Correct these transactions first:\n{lines}"
        )
    return _csv_text(FORM_8949_HEADER, form8949_rows(sale for sale in replayed.replay.sales if sale.sold.year == year))


def transactions_csv(household: Household, year: int) -> str:
    """Return ``household``'s transactions traded in ``year``, in ledger order, as a ledger file.

    The ledger is not replayed: this is the record of what was entered, and a ledger that cannot be
    replayed is exactly when an advisor needs it (``manage.py ledger`` on it lists every bad row).
    Numbers are written in full, without exponent or trailing zeros, so that reading the file back gives
    the same Decimals.
    """
    transactions = (
        Transaction.objects.filter(account__household=household, trade_date__year=year)
        .select_related("account", "security", "batch", "order")
        .order_by("trade_date", "id")
    )
    return _csv_text(TRANSACTIONS_HEADER, [_ledger_row(txn) for txn in transactions])


def _ledger_row(txn: Transaction) -> list[str]:
    transfer = txn.action == Action.TRANSFER_IN
    return [
        txn.account.number,
        txn.account.account_type,
        txn.trade_date.isoformat(),
        txn.action,
        txn.security.symbol,
        shares(txn.quantity),
        shares(txn.price),
        txn.lot_name,
        money(txn.fees),
        money(txn.cost_basis) if transfer and txn.cost_basis is not None else "",
        txn.acquired_on.isoformat() if transfer and txn.acquired_on is not None else "",
        _source(txn),
    ]


def _source(txn: Transaction) -> str:
    """Say where a transaction came from: the harvest order it fills, or the file it was imported from."""
    try:
        return f"order {txn.order.client_order_id}"
    except ObjectDoesNotExist:  # no harvest order filled by it (select_related already knows: no query)
        pass
    return f"import {txn.batch.filename}" if txn.batch is not None else ""


def _describe(txn: Transaction | None) -> str:
    """Name a transaction as the advisor sees it in the ledger; its database id means nothing to them."""
    if txn is None:
        return "a transaction"
    return f"{txn.trade_date} {txn.action} {shares(txn.quantity)} {txn.security.symbol} in {txn.account.number}"


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Write CSV as ``harvesting.form8949.write_csv_files`` does (``\\n`` line ends, cells guarded against formula
    injection), so the files compare equal."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
