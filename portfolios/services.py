"""Writes to firms, people, households and the ledger.

Each service is one database transaction. Tax lots are never written directly: they are rebuilt
from the ledger, so the lots table always equals a replay of the household's transactions.
"""

from __future__ import annotations

from django.db import transaction

from harvesting.engine.lots import LedgerError, replay_ledger
from portfolios.ledger import entry_from_transaction, lot_rows, relief_methods
from portfolios.models import Firm, Household, Role, Security, TaxLot, Transaction, User
from taxharvest.errors import ApplicationError


@transaction.atomic
def user_create(
    *,
    firm: Firm,
    email: str,
    password: str | None,
    role: Role = Role.ADVISOR,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user of ``firm``. Firm admins may use the Django admin (scoped to their firm)."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(f"A user with the email {email} already exists.")
    user = User.objects.create_user(
        email=email,
        password=password,
        firm=firm,
        role=role,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.FIRM_ADMIN,
    )
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def household_rebuild_lots(*, household: Household) -> int:
    """Replace the household's tax lots with a replay of its ledger; return how many lots are open."""
    accounts = list(household.accounts.all())
    txns = list(
        Transaction.objects.filter(account__household=household)
        .select_related("account", "security")
        .order_by("trade_date", "id")
    )
    securities: dict[str, Security] = {txn.security.symbol: txn.security for txn in txns}
    try:
        replay = replay_ledger(
            (entry_from_transaction(txn) for txn in txns),
            relief_methods(accounts),
        )
    except LedgerError as error:
        raise ApplicationError(
            f"The ledger of {household} cannot be replayed: transaction {error.row} {error.reason}."
        ) from error
    TaxLot.objects.filter(account__household=household).delete()
    by_number = {account.number: account for account in accounts}
    TaxLot.objects.bulk_create(lot_rows(replay.open_lots, by_number, securities), batch_size=1000)
    return len(replay.open_lots)
