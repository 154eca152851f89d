"""Imports of holdings and transaction-ledger files.

A file is accepted whole or not at all: every row is checked, every problem is reported with its
line number, and only a file without problems writes anything (in one database transaction, which
also replays the ledger so that a sell of shares that are not there is caught before commit).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models, transaction

from harvesting.engine.lots import LedgerError
from portfolios.csvfields import (
    EARLIEST_DATE,
    LEDGER_COLUMNS,
    MONEY,
    PRICE,
    QUANTITY,
    CsvRow,
    FieldError,
    LedgerFields,
    RowChecker,
    RowError,
    check_length,
    parse_date,
    parse_decimal,
    read_csv,
    read_ledger_fields,
)
from portfolios.ledger import replay_household
from portfolios.models import (
    Account,
    AccountType,
    Action,
    Client,
    Firm,
    Household,
    ImportBatch,
    ImportKind,
    ReliefMethod,
    Security,
    Transaction,
    User,
)
from portfolios.services import household_rebuild_lots
from taxharvest.errors import ApplicationError

HOLDINGS_COLUMNS = ("client_id", "security_name", "quantity", "cost_basis", "acquisition_date")
PRICE_PLACES = Decimal(1).scaleb(-PRICE["places"])
# A transfer-in records its cost per share as the ledger's price, which has to fit the price column.
PRICE_LIMIT = Decimal(10) ** (PRICE["max_digits"] - PRICE["places"])


def max_length(model: type[models.Model], field: str) -> int:
    """Return the length of a text column, as the model declares it (a longer value is a row error, not a crash)."""
    length = model._meta.get_field(field).max_length
    assert length is not None, f"{model.__name__}.{field} has no max_length"
    return length


ACCOUNT_NUMBER_LENGTH = max_length(Account, "number")
ACCOUNT_NAME_LENGTH = max_length(Account, "name")
CLIENT_ID_LENGTH = max_length(Client, "external_id")
LOT_NAME_LENGTH = max_length(Transaction, "lot_name")
LEDGER_MAX_LENGTHS = {"account": ACCOUNT_NUMBER_LENGTH, "lot": LOT_NAME_LENGTH}


class ImportRejected(ApplicationError):
    """The file was not imported; ``errors`` lists every problem found, in line order."""

    def __init__(self, filename: str, errors: Iterable[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.row)
        lines = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(f"{filename} was not imported ({len(self.errors)} problem(s)):\n{lines}")


@dataclass(frozen=True, slots=True)
class ImportResult:
    batch: ImportBatch
    transactions: int
    households: int


@dataclass(frozen=True, slots=True)
class Holding:
    """One lot of a portfolio created through the API: the brief's holdings record, resolved."""

    security: Security
    quantity: Decimal
    cost_basis: Decimal
    acquisition_date: date
    lot: str = ""


def transfer_in(account: Account, holding: Holding) -> Transaction:
    """The ledger entry that brings an existing lot into ``account``: its own basis and acquisition date, and
    its cost per share as the price (``transfer_price`` checks that it fits)."""
    return Transaction(
        account=account,
        security=holding.security,
        action=Action.TRANSFER_IN,
        trade_date=holding.acquisition_date,
        quantity=holding.quantity,
        price=transfer_price(holding.cost_basis, holding.quantity),
        cost_basis=holding.cost_basis,
        acquired_on=holding.acquisition_date,
        lot_name=holding.lot,
    )


def _open_file(
    filename: str, content: bytes, firm: Firm, kind: ImportKind, columns: Iterable[str]
) -> tuple[list[CsvRow], RowChecker]:
    """Return the file's rows and a checker holding the rows already found malformed.

    A file that cannot be read at all (not text, no header, missing columns) is rejected here.
    """
    rows, errors = read_csv(content, tuple(columns))
    if not rows:
        raise ImportRejected(filename, errors)
    earlier = ImportBatch.objects.filter(firm=firm, kind=kind, sha256=_sha256(content)).first()
    if earlier is not None:
        raise ImportRejected(
            filename,
            [RowError(0, f"this file was already imported on {earlier.created_at:%Y-%m-%d %H:%M} as {earlier}")],
        )
    return rows, RowChecker(errors)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def securities_by_name() -> dict[str, Security]:
    """Map upper-cased symbols and names to securities, so a row or a holding may name either."""
    lookup: dict[str, Security] = {}
    for security in Security.objects.all():
        lookup.setdefault(security.name.upper(), security)
        lookup[security.symbol.upper()] = security
    return lookup


def security_named(lookup: dict[str, Security], raw: str, name: str = "security_name") -> Security:
    """Return the security ``raw`` names; raise FieldError with the reason when it cannot be held."""
    raw = raw.strip()
    if not raw:
        raise FieldError(f"{name} is empty")
    security = lookup.get(raw.upper())
    if security is None:
        raise FieldError(f"unknown security {raw!r}: add it in the admin first")
    if not security.tradable:
        raise FieldError(f"{security.symbol} is an index and cannot be held")
    return security


def _replay_problems(households: Iterable[Household], line_of: dict[int, int]) -> list[RowError]:
    """Replay each household's ledger (with the new rows) and map engine problems to file lines."""
    problems: list[LedgerError] = []
    for household in households:
        replay_household(household, problems)
    return [
        RowError(line_of[p.row], p.reason) if p.row in line_of else RowError(0, f"transaction {p.row}: {p.reason}")
        for p in problems
    ]


def _save(
    *,
    firm: Firm,
    household: Household | None,
    kind: ImportKind,
    filename: str,
    content: bytes,
    imported_by: User | None,
    pending: list[tuple[int, Transaction]],
    errors: list[RowError],
) -> ImportResult:
    """Write the batch and the good rows, replay, and roll everything back on any problem.

    The replay runs even when some rows already failed their field checks, so that one rejection
    lists the sells that cannot happen along with the malformed rows.
    """
    batch = ImportBatch.objects.create(
        firm=firm,
        household=household,
        kind=kind,
        filename=filename,
        sha256=_sha256(content),
        row_count=len(pending),
        imported_by=imported_by,
    )
    line_of: dict[int, int] = {}
    for line, txn in pending:
        txn.batch = batch
        txn.save()
        line_of[txn.pk] = line
    households = list(Household.objects.filter(accounts__transactions__batch=batch).distinct())
    problems = errors + _replay_problems(households, line_of)
    if problems:
        raise ImportRejected(filename, problems)
    for each in households:
        household_rebuild_lots(household=each)
    return ImportResult(batch=batch, transactions=len(pending), households=len(households))


@transaction.atomic
def holdings_import(
    *,
    firm: Firm,
    filename: str,
    content: bytes,
    today: date,
    imported_by: User | None = None,
) -> ImportResult:
    """Import a holdings file (the brief's columns) as transfers-in of existing lots.

    ``client_id`` names a client of ``firm``; ``security_name`` a symbol or a security's name;
    ``cost_basis`` is the lot's total cost. Each lot goes into the client's own taxable account
    (created if the client has none), or into the account named by an optional ``account`` column.
    An optional ``lot`` column names the lot.
    """
    rows, check = _open_file(filename, content, firm, ImportKind.HOLDINGS, HOLDINGS_COLUMNS)
    clients = clients_of_firm(firm)
    securities = securities_by_name()
    accounts: dict[tuple[int, str], Account] = {}
    pending: list[tuple[int, Transaction]] = []
    for row in rows:
        f = row.fields
        client = check.field(
            row, lambda f=f: find_client(clients, check_length(f["client_id"], "client_id", CLIENT_ID_LENGTH))
        )
        security = check.field(row, lambda f=f: security_named(securities, f["security_name"]))
        quantity = check.field(row, lambda f=f: parse_decimal(f["quantity"], "quantity", **QUANTITY))
        basis = check.field(row, lambda f=f: parse_decimal(f["cost_basis"], "cost_basis", positive=False, **MONEY))
        acquired = check.field(row, lambda f=f: parse_date(f["acquisition_date"], "acquisition_date", not_after=today))
        lot = check.field(row, lambda f=f: check_length(f.get("lot", ""), "lot", LOT_NAME_LENGTH))
        number = check.field(row, lambda f=f: check_length(f.get("account", ""), "account", ACCOUNT_NUMBER_LENGTH))
        if client is None or security is None or quantity is None or basis is None or acquired is None:
            continue
        if lot is None or number is None:
            continue
        account = check.field(row, lambda c=client, n=number: _holdings_account(accounts, c, n))
        if account is None:
            continue
        holding = Holding(security, quantity, basis, acquired, lot)
        entry = check.field(row, lambda a=account, h=holding: transfer_in(a, h))
        if entry is not None:
            pending.append((row.line, entry))
    for account in accounts.values():
        if account.pk is None:
            account.save()
    return _save(
        firm=firm,
        household=None,
        kind=ImportKind.HOLDINGS,
        filename=filename,
        content=content,
        imported_by=imported_by,
        pending=pending,
        errors=check.errors,
    )


def transfer_price(cost_basis: Decimal, quantity: Decimal) -> Decimal:
    """Return the cost per share of a lot transferred in, to the ledger's precision; raise FieldError when it
    is more than the price column holds (a basis in dollars given for a quantity in millionths, say)."""
    price = cost_basis / quantity
    if price >= PRICE_LIMIT:
        raise FieldError(f"cost_basis {cost_basis} for {quantity} shares is more than ${PRICE_LIMIT:,} a share")
    return price.quantize(PRICE_PLACES)


def clients_of_firm(firm: Firm) -> dict[str, list[Client]]:
    """Map upper-cased client ids to the firm's clients (a list, so an id used twice can be reported)."""
    clients: dict[str, list[Client]] = {}
    for client in Client.objects.filter(household__firm=firm).select_related("household"):
        clients.setdefault(client.external_id.upper(), []).append(client)
    return clients


def find_client(clients: dict[str, list[Client]], raw: str) -> Client:
    if not raw:
        raise FieldError("client_id is empty")
    found = clients.get(raw.upper(), [])
    if not found:
        raise FieldError(f"unknown client_id {raw!r}")
    if len(found) > 1:
        raise FieldError(f"client_id {raw!r} belongs to more than one household; fix it in the admin")
    return found[0]


def _holdings_account(accounts: dict[tuple[int, str], Account], client: Client, number: str) -> Account:
    """Return the named account of the client's household, or the client's own taxable account.

    ``accounts`` remembers the answers (and the accounts still to be created) across rows.
    """
    key = (client.household_id, number or f"client {client.pk}")
    if key in accounts:
        return accounts[key]
    household_accounts = Account.objects.filter(household_id=client.household_id)
    if number:
        account = household_accounts.filter(number=number).first()
        if account is None:
            raise FieldError(f"account {number!r} is not an account of {client.household}")
    else:
        account = household_accounts.filter(owner=client, account_type=AccountType.TAXABLE).order_by(
            "id"
        ).first() or Account(
            household_id=client.household_id,
            owner=client,
            account_type=AccountType.TAXABLE,
            number=_free_number(
                set(household_accounts.values_list("number", flat=True)) | {a.number for a in accounts.values()},
                f"{client.external_id}-TAXABLE",
            ),
            name=f"{client.name} individual"[:ACCOUNT_NAME_LENGTH],
        )
    accounts[key] = account
    return account


@transaction.atomic
def ledger_import(
    *,
    household: Household,
    filename: str,
    content: bytes,
    today: date,
    imported_by: User | None = None,
) -> ImportResult:
    """Import a transaction-ledger file into ``household``'s accounts.

    Columns: ``account,account_type,date,action,symbol,quantity,price,lot`` and an optional
    ``fees``. Accounts not yet in the household are created with the given type. Same-day rows
    are kept in file order.
    """
    rows, check = _open_file(filename, content, household.firm, ImportKind.LEDGER, LEDGER_COLUMNS)
    existing = {account.number: account for account in household.accounts.all()}
    securities = securities_by_name()
    new_accounts: dict[str, tuple[int, Account]] = {}
    pending: list[tuple[int, Transaction]] = []
    for row in rows:
        fields = read_ledger_fields(check, row, not_after=today, max_lengths=LEDGER_MAX_LENGTHS)
        security = check.field(row, lambda row=row: security_named(securities, row.fields["symbol"], "symbol"))
        if fields is None or security is None:
            continue
        account = check.field(
            row, lambda fields=fields, line=row.line: _ledger_account(household, existing, new_accounts, fields, line)
        )
        if account is None:
            continue
        pending.append(
            (
                row.line,
                Transaction(
                    account=account,
                    security=security,
                    action=Action(fields.action),
                    trade_date=fields.trade_date,
                    quantity=fields.quantity,
                    price=fields.price,
                    fees=fields.fees,
                    lot_name=fields.lot,
                ),
            )
        )
    for _, account in new_accounts.values():
        account.save()
    return _save(
        firm=household.firm,
        household=household,
        kind=ImportKind.LEDGER,
        filename=filename,
        content=content,
        imported_by=imported_by,
        pending=pending,
        errors=check.errors,
    )


def _ledger_account(
    household: Household,
    existing: dict[str, Account],
    new_accounts: dict[str, tuple[int, Account]],
    fields: LedgerFields,
    line: int,
) -> Account:
    number, raw_type = fields.account, fields.account_type
    if number in existing:
        account = existing[number]
        if account.account_type != raw_type:
            raise FieldError(f"account {number} is a {account.account_type} account, not {raw_type}")
        return account
    if number in new_accounts:
        first_line, account = new_accounts[number]
        if account.account_type != raw_type:
            raise FieldError(f"account {number} is {account.account_type} on row {first_line}, not {raw_type}")
        return account
    account = Account(household=household, number=number, account_type=raw_type)
    new_accounts[number] = (line, account)
    return account


@transaction.atomic
def portfolio_create(
    *,
    owner: Client,
    holdings: Sequence[Holding],
    today: date,
    account_type: str = AccountType.TAXABLE,
    number: str = "",
    name: str = "",
    relief_method: str = ReliefMethod.FIFO,
    created_by: User | None = None,
) -> Account:
    """Open a new account of ``owner``'s household holding ``holdings`` (transfers-in of existing lots).

    The holdings are recorded as one import batch, so the firm's import history shows who loaded them and
    when, and the household's lots are rebuilt from its ledger as after any import. Without a ``number`` the
    account gets the next free one of the form ``<client id>-<TYPE>[-n]``.
    """
    household = owner.household
    taken = set(Account.objects.filter(household=household).values_list("number", flat=True))
    if number and number in taken:
        message = f"{household} already has an account {number}."
        raise ApplicationError(message, extra={"account_number": [message]})
    number = number or _free_number(taken, f"{owner.external_id}-{account_type.upper()}")
    for holding in holdings:
        if holding.acquisition_date > today:
            raise ApplicationError(f"The acquisition date {holding.acquisition_date} is in the future.")
        if holding.acquisition_date < EARLIEST_DATE:
            raise ApplicationError(f"The acquisition date {holding.acquisition_date} is before {EARLIEST_DATE}.")
    account = Account.objects.create(
        household=household,
        owner=owner,
        account_type=account_type,
        number=number,
        name=name or f"{owner.name} {AccountType(account_type).label.lower()}"[:ACCOUNT_NAME_LENGTH],
        relief_method=relief_method,
    )
    pending = [(row, transfer_in(account, holding)) for row, holding in enumerate(holdings, start=1)]
    record = [
        [h.security.symbol, str(h.quantity), str(h.cost_basis), h.acquisition_date.isoformat(), h.lot] for h in holdings
    ]
    content = json.dumps({"household": household.pk, "account": number, "holdings": record}).encode()
    if pending:
        _save(
            firm=household.firm,
            household=household,
            kind=ImportKind.HOLDINGS,
            filename=f"API portfolio {number}"[:255],
            content=content,
            imported_by=created_by,
            pending=pending,
            errors=[],
        )
    return account


def _free_number(taken: set[str], base: str) -> str:
    """Return ``base``, or ``base-2``, ``base-3``... if taken, cut so that it fits the account number column."""
    number, suffix = base[:ACCOUNT_NUMBER_LENGTH], 1
    while number in taken:
        suffix += 1
        ending = f"-{suffix}"
        number = base[: ACCOUNT_NUMBER_LENGTH - len(ending)] + ending
    return number
