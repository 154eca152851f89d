"""The boundary between the ledger tables and the pure lot engine.

Converts Transaction rows to engine entries and the engine's open lots back to TaxLot rows. Inside
the engine an account is its number (unique in its household, and what an advisor recognises in an
error message) and a security is its symbol.
"""

from __future__ import annotations

from collections.abc import Iterable

from harvesting.engine.lots import Action, LedgerEntry, OpenLot, ReliefMethod
from portfolios.models import Account, Security, TaxLot, Transaction


def entry_from_transaction(txn: Transaction) -> LedgerEntry:
    """Convert a transaction fetched with its account and security (``select_related``)."""
    return LedgerEntry(
        row=txn.pk,
        account=txn.account.number,
        symbol=txn.security.symbol,
        action=Action(txn.action),
        trade_date=txn.trade_date,
        quantity=txn.quantity,
        price=txn.price,
        fees=txn.fees,
        lot=txn.lot_name,
        cost_basis=txn.cost_basis,
        acquired=txn.acquired_on,
    )


def relief_methods(accounts: Iterable[Account]) -> dict[str, ReliefMethod]:
    return {account.number: ReliefMethod(account.relief_method) for account in accounts}


def lot_rows(
    open_lots: Iterable[OpenLot], accounts: dict[str, Account], securities: dict[str, Security]
) -> list[TaxLot]:
    return [
        TaxLot(
            account=accounts[lot.account],
            security=securities[lot.symbol],
            name=lot.lot,
            quantity=lot.quantity,
            adjusted_basis=lot.cost_basis,
            acquired_on=lot.acquired,
            holding_period_start=lot.holding_start,
        )
        for lot in open_lots
    ]
