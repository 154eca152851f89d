"""The boundary between the ledger tables and the pure ledger engine.

Loads a household's transactions, replays them through ``harvesting.engine.lots`` with the
household's account types, relief methods and substantially-identical groups, and converts the
results back to rows. Inside the engine an account is its number (unique in its household, and what
an advisor recognises in an error message) and a security is its symbol.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from harvesting.engine.identity import identity_groups
from harvesting.engine.lots import (
    Action,
    LedgerEntry,
    LedgerError,
    OpenLot,
    ReliefMethod,
    Replay,
    WashSaleReading,
    replay_ledger,
)
from portfolios.models import (
    Account,
    Household,
    RealizedSale,
    Security,
    SubstantiallyIdenticalGroup,
    TaxLot,
    Term,
    Transaction,
    WashSaleMatch,
)


@dataclass(frozen=True, slots=True)
class HouseholdReplay:
    replay: Replay
    accounts: dict[str, Account]
    transactions: dict[int, Transaction]

    def lot_rows(self) -> list[TaxLot]:
        """The open lots as rows, each named by its stable identity: the purchase and its part."""
        securities = self._securities()
        parts: Counter[int] = Counter()
        rows = []
        for lot in self.replay.open_lots:
            part = parts[lot.purchase_row]
            parts[lot.purchase_row] += 1
            rows.append(self._lot_row(lot, part, securities))
        return rows

    def _lot_row(self, lot: OpenLot, part: int, securities: dict[str, Security]) -> TaxLot:
        return TaxLot(
            account=self.accounts[lot.account],
            security=securities[lot.symbol],
            opened_by=self.transactions[lot.purchase_row],
            part=part,
            name=lot.lot,
            quantity=lot.quantity,
            adjusted_basis=lot.cost_basis,
            wash_sale_adjustment=lot.adjustment,
            acquired_on=lot.acquired,
            holding_period_start=lot.holding_start,
        )

    def sale_rows(self) -> list[RealizedSale]:
        securities = self._securities()
        return [
            RealizedSale(
                transaction=self.transactions[sale.row],
                account=self.accounts[sale.account],
                security=securities[sale.symbol],
                lot_name=sale.lot,
                quantity=sale.quantity,
                acquired_on=sale.acquired,
                holding_period_start=sale.holding_start,
                sold_on=sale.sold,
                proceeds=sale.proceeds,
                cost_basis=sale.cost_basis,
                wash_sale_adjustment=sale.adjustment,
                gain_loss=sale.gain_loss,
                term=Term.LONG if sale.long_term else Term.SHORT,
                reportable=not sale.tax_deferred,
            )
            for sale in self.replay.sales
        ]

    def wash_sale_rows(self) -> list[WashSaleMatch]:
        return [
            WashSaleMatch(
                sale=self.transactions[wash.sale_row],
                replacement=self.transactions[wash.replacement_row],
                shares=wash.shares,
                disallowed=wash.disallowed,
                permanent=wash.permanent,
            )
            for wash in self.replay.wash_sales
        ]

    def _securities(self) -> dict[str, Security]:
        return {txn.security.symbol: txn.security for txn in self.transactions.values()}


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


def identity_for_firm(firm_id: int) -> dict[str, str]:
    """Return the symbol -> group map from platform-wide identity groups and the firm's declarations."""
    declarations: dict[str, list[str]] = defaultdict(list)
    for symbol, group in Security.objects.exclude(identity_group="").values_list("symbol", "identity_group"):
        declarations[f"platform:{group}"].append(symbol)
    firm_groups = SubstantiallyIdenticalGroup.securities.through.objects.filter(
        substantiallyidenticalgroup__firm_id=firm_id
    ).values_list("substantiallyidenticalgroup_id", "security__symbol")
    for group_id, symbol in firm_groups:
        declarations[f"firm:{group_id}"].append(symbol)
    return identity_groups(declarations.values())


def replay_household(
    household: Household,
    problems: list[LedgerError] | None = None,
    *,
    until: date | None = None,
    exclude: Collection[int] = (),
) -> HouseholdReplay:
    """Replay every transaction of ``household``; see ``replay_ledger`` for ``problems``.

    ``until`` stops after that trade date and ``exclude`` leaves transactions out: the household as it
    stood on a day, or as it would stand without some trades (a report's portfolio that never harvested).
    """
    accounts = {account.number: account for account in household.accounts.all()}
    rows = Transaction.objects.filter(account__household=household)
    if until is not None:
        rows = rows.filter(trade_date__lte=until)
    txns = list(rows.exclude(pk__in=list(exclude)).select_related("account", "security").order_by("trade_date", "id"))
    replay = replay_ledger(
        (entry_from_transaction(txn) for txn in txns),
        {number: ReliefMethod(account.relief_method) for number, account in accounts.items()},
        problems,
        tax_deferred=[number for number, account in accounts.items() if account.is_tax_deferred],
        identity=identity_for_firm(household.firm_id),
        reading=WashSaleReading(household.firm.wash_sale_reading),
    )
    return HouseholdReplay(replay=replay, accounts=accounts, transactions={txn.pk: txn for txn in txns})


def _lot_fields(lot: TaxLot) -> tuple[object, ...]:
    return (
        lot.account.number,
        lot.security.symbol,
        lot.name,
        lot.quantity,
        lot.adjusted_basis,
        lot.wash_sale_adjustment,
        lot.acquired_on,
        lot.holding_period_start,
    )


LOT_FIELDS = ("account", "symbol", "lot", "quantity", "adjusted basis", "wash-sale adjustment", "acquired", "held from")


def household_lot_differences(household: Household) -> list[str]:
    """Compare the stored lots of ``household`` with a fresh replay of its ledger; describe each difference.

    Lots are compared by their identity (the purchase that opened them and the part), so a duplicated,
    missing or stale row is named as such; an empty list means the table equals the replay.
    """
    stored: dict[tuple[int, int], list[TaxLot]] = defaultdict(list)
    for lot in TaxLot.objects.filter(account__household=household).select_related("account", "security"):
        stored[(lot.opened_by_id, lot.part)].append(lot)
    try:
        fresh = {(lot.opened_by_id, lot.part): lot for lot in replay_household(household).lot_rows()}
    except LedgerError as error:
        return [f"{household}: the ledger cannot be replayed: transaction {error.row} {error.reason}"]
    differences = []
    for key in sorted(stored.keys() | fresh.keys()):
        rows, expected = stored.get(key, []), fresh.get(key)
        name = f"{household}: lot of transaction {key[0]} (part {key[1]})"
        if expected is None:
            differences += [f"{name} is stored but no replay opens it: {_describe(lot)}" for lot in rows]
            continue
        if not rows:
            differences.append(f"{name} is missing: the replay has {_describe(expected)}")
            continue
        if len(rows) > 1:
            differences.append(f"{name} is stored {len(rows)} times")
        for field, have, want in zip(LOT_FIELDS, _lot_fields(rows[0]), _lot_fields(expected), strict=True):
            if have != want:
                differences.append(f"{name}: {field} is {have}, the replay gives {want}")
    return differences


def _describe(lot: TaxLot) -> str:
    shares = f"{lot.quantity.normalize():f}"
    return f"{lot.account.number} {lot.security.symbol} {lot.name!r} {shares} sh. at {lot.adjusted_basis}"
